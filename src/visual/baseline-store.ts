/**
 * Baselines on disk, in a folder the user commits:
 *
 *   <dir>/<scenario>/<checkpoint>.png
 *   <dir>/<scenario>/manifest.json     which checkpoint is which file, and how it was taken
 *
 * Scenario and checkpoint names become file names through `fileSafeName`; the manifest keeps the real names.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import { basename, join } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_SCHEMA = 'rookery/visual-baselines@1';

export interface BaselineEntry {
  /** File name inside the scenario folder. */
  file: string;
  width: number;
  height: number;
  /** The page's viewport when captured (null: no fixed viewport). */
  viewport: { width: number; height: number } | null;
  fullPage: boolean;
  mask: string[];
  /** The checkpoint's threshold when captured (informational; the scenario's current value is used). */
  threshold: number;
  capturedAt: string;
  /** Browser version, when known: baselines from another Chromium may render fonts differently. */
  browser?: string;
}

export interface BaselineManifest {
  schema: typeof MANIFEST_SCHEMA;
  scenario: string;
  checkpoints: Record<string, BaselineEntry>;
}

/** Lower-case letters, digits, `-`, `_` and `.`; anything else becomes `-`. Never empty, never `..`. */
export function fileSafeName(name: string): string {
  const safe = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return safe === '' ? 'unnamed' : safe;
}

export class BaselineStore {
  readonly folder: string;
  private manifest: BaselineManifest | undefined;

  constructor(
    readonly dir: string,
    readonly scenario: string,
  ) {
    this.folder = join(dir, fileSafeName(scenario));
  }

  /** The manifest on disk (an empty one when the folder has none yet). Throws on an unreadable manifest. */
  readManifest(): BaselineManifest {
    if (this.manifest) return this.manifest;
    const path = join(this.folder, MANIFEST_FILE);
    if (!existsSync(path)) return (this.manifest = { schema: MANIFEST_SCHEMA, scenario: this.scenario, checkpoints: {} });
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!isManifest(parsed)) throw new Error(`${path}: not a ${MANIFEST_SCHEMA} manifest`);
    return (this.manifest = parsed);
  }

  /** Where a checkpoint's PNG lives (whether or not it exists). */
  pathOf(checkpoint: string): string {
    const entry = this.readManifest().checkpoints[checkpoint];
    return join(this.folder, entry?.file ?? `${fileSafeName(checkpoint)}.png`);
  }

  entry(checkpoint: string): BaselineEntry | undefined {
    return this.readManifest().checkpoints[checkpoint];
  }

  has(checkpoint: string): boolean {
    return existsSync(this.pathOf(checkpoint));
  }

  read(checkpoint: string): Buffer {
    return readFileSync(this.pathOf(checkpoint));
  }

  /** Writes the PNGs and merges their entries into the manifest (other checkpoints are kept). */
  write(items: ReadonlyArray<{ checkpoint: string; png: Uint8Array; entry: Omit<BaselineEntry, 'file'> }>): string[] {
    mkdirSync(this.folder, { recursive: true });
    const manifest = this.readManifest();
    const taken = new Map(Object.entries(manifest.checkpoints).map(([name, e]) => [e.file, name]));
    const written: string[] = [];
    for (const item of items) {
      const file = manifest.checkpoints[item.checkpoint]?.file ?? uniqueFile(item.checkpoint, taken);
      taken.set(file, item.checkpoint);
      const path = join(this.folder, file);
      writeFileAtomicSync(path, item.png);
      manifest.checkpoints[item.checkpoint] = { file, ...item.entry };
      written.push(path);
    }
    const sorted = Object.fromEntries(Object.entries(manifest.checkpoints).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.manifest = { schema: MANIFEST_SCHEMA, scenario: this.scenario, checkpoints: sorted };
    writeFileAtomicSync(join(this.folder, MANIFEST_FILE), `${JSON.stringify(this.manifest, null, 2)}\n`);
    return written;
  }
}

/** Two checkpoint names that map to the same file name (`Cart!` and `cart?`) get `-2`, `-3`, …. */
function uniqueFile(checkpoint: string, taken: ReadonlyMap<string, string>): string {
  const base = fileSafeName(checkpoint);
  for (let i = 1; ; i++) {
    const file = i === 1 ? `${base}.png` : `${base}-${i}.png`;
    const owner = taken.get(file);
    if (owner === undefined || owner === checkpoint) return file;
  }
}

function isManifest(v: unknown): v is BaselineManifest {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Partial<BaselineManifest>;
  if (m.schema !== MANIFEST_SCHEMA || typeof m.checkpoints !== 'object' || m.checkpoints === null) return false;
  // A file entry is a plain name inside the folder: a committed manifest must not point reads or writes elsewhere.
  const plainName = (f: unknown): boolean => typeof f === 'string' && f !== '' && f !== '.' && f !== '..' && basename(f) === f && !f.includes('\\');
  return Object.values(m.checkpoints).every((e) => typeof e === 'object' && e !== null && plainName((e as BaselineEntry).file));
}
