/**
 * Project-level settings shared by every scenario, like `playwright.config.ts`: a `rookery.config.ts` whose
 * default export is `defineConfig({...})`. `rookery run` finds it from the current directory upward to the
 * package root (the first folder with a package.json), or takes `--config <file>`; `run()` does the same from
 * its `cwd`, or takes `config` (a path, an object, or `false` for none).
 *
 * Precedence, highest first: CLI flags (the options given to `run()`) > the scenario's `options` > the config
 * file > Rookery's defaults. Thresholds add up instead of replacing each other: the config's, the scenario's
 * and the CLI's are all judged.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { ScenarioOptions } from '../scenario/define.js';
import { LoadConfigError } from '../common/config-error.js';

/** What a `rookery.config.ts` may set. Every field is optional; see the module comment for precedence. */
export interface RookeryConfig {
  /** Base URL of the app, for scenarios whose options do not set `target`. */
  target?: string;
  /** Threshold expressions judged in every run, besides the scenario's and the CLI's. */
  thresholds?: string[];
  /** The browser pool, unless the scenario or the CLI sizes it. Default: sized from cores and memory. */
  pool?: {
    browsers?: number;
    contextsPerBrowser?: number;
    /** Resource types the browser should not load. Default: none. */
    blockResources?: Array<'image' | 'font' | 'media'>;
  };
  /** The app's Prometheus endpoints (same forms as the scenario's `options.serverMetrics`). Default: none. */
  serverMetrics?: ScenarioOptions['serverMetrics'];
  /**
   * Files every run writes. `{scenario}` in a path becomes the scenario's name (lower case, `-` for anything
   * else than letters and digits); relative paths are relative to the config file's folder. `--out` / `--html`
   * (and `run({ reporters })`) win. Default: `rookery run` writes `rookery-results/<scenario>-<time>.json` and
   * no HTML; `run()` writes nothing.
   */
  reporters?: { json?: string; html?: string };
}

/** Declares the project config; at run time the identity, it gives a config file its types. */
export function defineConfig(config: RookeryConfig): RookeryConfig {
  return config;
}

/** The names looked for, in this order, in each folder. */
export const CONFIG_FILE_NAMES = ['rookery.config.ts', 'rookery.config.mts', 'rookery.config.js', 'rookery.config.mjs'] as const;

/** A config and where it came from (`file` is undefined when none was found or it was given as an object). */
export interface LoadedConfig {
  file: string | undefined;
  config: RookeryConfig;
}

/**
 * The config file for `cwd`: the first of CONFIG_FILE_NAMES in `cwd`, then in each parent folder, stopping after
 * the first folder that holds a package.json (the project root) or at the file-system root.
 */
export function findConfigFile(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (isFile(candidate)) return candidate;
    }
    if (isFile(join(dir, 'package.json')) || dirname(dir) === dir) return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The config a run uses: `given` false → none; a path → that file (it must exist); an object → itself; undefined
 * → the file found from `cwd`, if any. A file that does not compile, throws, or does not default-export a valid
 * config is a LoadConfigError (exit 2) that names the file.
 */
export async function resolveConfig(given: string | RookeryConfig | false | undefined, cwd: string): Promise<LoadedConfig> {
  if (given === false) return { file: undefined, config: {} };
  if (typeof given === 'object' && given !== null) return { file: undefined, config: validateConfig(given, 'run({ config })', undefined) };
  const file = given === undefined ? findConfigFile(cwd) : resolve(cwd, given);
  if (file === undefined) return { file: undefined, config: {} };
  if (!existsSync(file)) throw new LoadConfigError(`--config: ${given} not found (looked at ${file})`);
  return { file, config: await loadConfigFile(file) };
}

/** Imports a config file (TypeScript too, no build step) and checks what it exports. */
export async function loadConfigFile(file: string): Promise<RookeryConfig> {
  const shown = shownPath(file);
  let namespace: Record<string, unknown>;
  try {
    // Loaded on use: config files import defineConfig from this module, and that must stay light.
    const { importModuleFile } = await import('../scenario/load.js');
    namespace = await importModuleFile(file);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new LoadConfigError(why.includes(shown) || why.includes(file) ? `config ${why}` : `config ${shown}: ${why}`);
  }
  if (!('default' in namespace)) {
    throw new LoadConfigError(`config ${shown} has no default export; end it with \`export default defineConfig({ … })\``);
  }
  return validateConfig(namespace.default, `config ${shown}`, dirname(file));
}

const KEYS = ['target', 'thresholds', 'pool', 'serverMetrics', 'reporters'] as const;
const POOL_KEYS = ['browsers', 'contextsPerBrowser', 'blockResources'] as const;
const REPORTER_KEYS = ['json', 'html'] as const;

/**
 * Checks a config's shape; an unknown key (a typo) is an error, not silently ignored. Relative reporter paths
 * become absolute against `baseDir` (the config file's folder) when given.
 */
export function validateConfig(value: unknown, what: string, baseDir: string | undefined): RookeryConfig {
  const record = plainObject(value, what, 'defineConfig({ … })');
  unknownKeys(record, KEYS, what);
  const config: RookeryConfig = {};
  if (record.target !== undefined) {
    if (typeof record.target !== 'string' || record.target === '') throw new LoadConfigError(`${what}: target must be a URL string, got ${JSON.stringify(record.target)}`);
    config.target = record.target;
  }
  if (record.thresholds !== undefined) {
    if (!Array.isArray(record.thresholds) || !record.thresholds.every((t) => typeof t === 'string')) {
      throw new LoadConfigError(`${what}: thresholds must be a list of expressions like 'lv_errors:count==0', got ${JSON.stringify(record.thresholds)}`);
    }
    config.thresholds = [...(record.thresholds as string[])];
  }
  if (record.pool !== undefined) {
    const pool = plainObject(record.pool, `${what}: pool`, '{ browsers, contextsPerBrowser, blockResources }');
    unknownKeys(pool, POOL_KEYS, `${what}: pool`);
    for (const key of ['browsers', 'contextsPerBrowser'] as const) {
      const n = pool[key];
      if (n !== undefined && !(typeof n === 'number' && Number.isSafeInteger(n) && n >= 1)) throw new LoadConfigError(`${what}: pool.${key} must be a whole number ≥ 1, got ${JSON.stringify(n)}`);
    }
    const block = pool.blockResources;
    if (block !== undefined && !(Array.isArray(block) && block.every((b) => b === 'image' || b === 'font' || b === 'media'))) {
      throw new LoadConfigError(`${what}: pool.blockResources must list image, font or media, got ${JSON.stringify(block)}`);
    }
    config.pool = pool as NonNullable<RookeryConfig['pool']>;
  }
  if (record.serverMetrics !== undefined) {
    const sm = record.serverMetrics;
    const ok = typeof sm === 'string' || (Array.isArray(sm) && sm.every((u) => typeof u === 'string')) || (typeof sm === 'object' && sm !== null);
    if (!ok) throw new LoadConfigError(`${what}: serverMetrics must be a URL, a list of URLs or { urls, … }, got ${JSON.stringify(sm)}`);
    config.serverMetrics = sm as RookeryConfig['serverMetrics'];
  }
  if (record.reporters !== undefined) {
    const reporters = plainObject(record.reporters, `${what}: reporters`, '{ json, html }');
    unknownKeys(reporters, REPORTER_KEYS, `${what}: reporters`);
    const out: NonNullable<RookeryConfig['reporters']> = {};
    for (const key of REPORTER_KEYS) {
      const path = reporters[key];
      if (path === undefined) continue;
      if (typeof path !== 'string' || path === '') throw new LoadConfigError(`${what}: reporters.${key} must be a file path, got ${JSON.stringify(path)}`);
      out[key] = baseDir && !isAbsolute(path) ? resolve(baseDir, path) : path;
    }
    config.reporters = out;
  }
  return config;
}

function plainObject(value: unknown, what: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LoadConfigError(`${what}: expected ${expected}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  return value as Record<string, unknown>;
}

function unknownKeys(record: Record<string, unknown>, known: readonly string[], what: string): void {
  const unknown = Object.keys(record).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new LoadConfigError(`${what}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (it takes ${known.join(', ')})`);
}

/**
 * The scenario's options with the config underneath: a setting the scenario leaves unset comes from the config;
 * thresholds are the config's followed by the scenario's. (CLI flags go on top later, in the run itself.)
 */
export function withConfig(options: ScenarioOptions | undefined, config: RookeryConfig): ScenarioOptions {
  const below: ScenarioOptions = definedOnly({
    target: config.target,
    browsers: config.pool?.browsers,
    contextsPerBrowser: config.pool?.contextsPerBrowser,
    blockResources: config.pool?.blockResources,
    serverMetrics: config.serverMetrics,
  });
  const merged: ScenarioOptions = { ...below, ...definedOnly(options ?? {}) };
  const thresholds = [...(config.thresholds ?? []), ...(options?.thresholds ?? [])];
  if (thresholds.length > 0) merged.thresholds = thresholds;
  return merged;
}

/**
 * Where a run writes its results: the explicit paths (CLI `--out`/`--html`, `run({ reporters })`) win over the
 * config's, whose `{scenario}` becomes the scenario's file-safe name.
 */
export function resolveReporters(explicit: { json?: string | undefined; html?: string | undefined }, config: RookeryConfig, scenarioName: string): { json?: string; html?: string } {
  const fill = (path: string | undefined) => path?.replaceAll('{scenario}', fileSafe(scenarioName));
  const json = explicit.json ?? fill(config.reporters?.json);
  const html = explicit.html ?? fill(config.reporters?.html);
  return { ...(json !== undefined ? { json } : {}), ...(html !== undefined ? { html } : {}) };
}

/** `Counter demo` → `counter-demo` (the same rule as the default results file name). */
export function fileSafe(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
}

function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
