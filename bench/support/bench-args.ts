/** Minimal `--flag value` parsing for the benches (no dependency; every flag has a default). */
export type FlagValues = Record<string, string | boolean>;

export function parseFlags(argv: readonly string[], defaults: FlagValues): FlagValues {
  const out: FlagValues = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (!(key in defaults)) throw new Error(`unknown flag --${key} (known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')})`);
    if (typeof defaults[key] === 'boolean') out[key] = inline === undefined ? true : inline !== 'false';
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${key} needs a value`);
      out[key] = v;
    }
  }
  return out;
}

export function num(flags: FlagValues, key: string): number {
  const n = Number(flags[key]);
  if (!Number.isFinite(n)) throw new Error(`--${key}: ${JSON.stringify(flags[key])} is not a number`);
  return n;
}

export function str(flags: FlagValues, key: string): string {
  return String(flags[key]);
}
