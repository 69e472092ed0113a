/** Commander argument parsers shared by the commands. A bad value throws; main.ts prints the message, exit 2. */

/** `--users 20`: a whole number ≥ `min` (safe integer), named `what` in the error. */
export const wholeNumber = (what: string, min: number) => (v: string): number => {
  const n = v.trim() === '' ? NaN : Number(v); // Number('') is 0
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${what}: ${JSON.stringify(v)} is not a whole number ≥ ${min}`);
  return n;
};

/** `--arrival-rate 2.5`: a finite number > 0. */
export const positiveNumber = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${what}: ${JSON.stringify(v)} is not a number > 0`);
  return n;
};

/** A repeatable flag (`--threshold a --threshold b`) collected in order. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
