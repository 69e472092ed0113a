/**
 * Loading a TypeScript scenario file with no build step for the user.
 *
 * Two esbuild passes:
 * 1. bundle: the scenario and its relative imports become one ESM file; package imports (`rookery`,
 *    `playwright`, anything from node_modules) stay bare. This text and its sha256 are what a collector ships to
 *    runners, so it must not contain paths of this machine.
 * 2. link (on whichever machine runs it): bare imports are rewritten to absolute file URLs. `rookery` becomes
 *    this very rookery's entry, so the scenario shares the harness's module instance whether rookery is installed
 *    in the user's project, globally, or is this repository (package `exports` self-reference); Playwright is
 *    taken from rookery's installation first (one Playwright, so `instanceof errors.TimeoutError` works); other
 *    packages from the scenario's folder first. The linked file can then live in the OS temp dir, where Node
 *    alone would resolve nothing.
 * The linked file is imported natively and deleted right after.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isBuiltin, SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Message, type Plugin } from 'esbuild';
import { isScenario, type Scenario } from './define.js';
import { ScenarioError } from './scenario-error.js';
import { isSpecFile, specEntry, specShimPlugin } from './spec-bundle.js';

export interface ScenarioBundle {
  /** ESM text with bare package imports and an inline source map (paths relative to the scenario's folder). */
  code: string;
  /** Hex sha256 of `code` (UTF-8). */
  sha256: string;
}

export interface LoadedScenario {
  scenario: Scenario;
  /** Absolute path of the scenario file (or a label like `bundle 1a2b3c4d5e6f` when loaded from a bundle). */
  file: string;
  bundle: ScenarioBundle;
}

export interface LoadScenarioOptions {
  /** Where the linked temp file is written (a fresh folder inside it, removed after import). Default: OS temp. */
  tmpDir?: string;
}

export interface LoadBundleOptions extends LoadScenarioOptions {
  /** Name to use in messages and in LoadedScenario.file. */
  file?: string;
  /** Where packages other than rookery/Playwright are looked up first. Default: the current directory. */
  resolveDir?: string;
}

/** Bundles, imports and validates a scenario file. Every failure is a ScenarioError with a readable message. */
export async function loadScenario(file: string, opts: LoadScenarioOptions = {}): Promise<LoadedScenario> {
  const path = resolve(file);
  const shown = displayPath(path);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new ScenarioError('not-found', path, `scenario file not found: ${file}${file === path ? '' : ` (looked at ${path})`}`);
  }
  if (!isFile) throw new ScenarioError('not-found', path, `${shown} is not a file; give the scenario's .ts file`);
  const bundle = await bundleScenario(path);
  const scenario = await importBundle(bundle.code, { ...opts, file: path, shown, resolveDir: dirname(path) });
  return { scenario, file: path, bundle };
}

/** Step 1 alone: the shippable bundle of a scenario file (see the module comment). */
export async function bundleScenario(file: string): Promise<ScenarioBundle> {
  const path = resolve(file);
  const dir = dirname(path);
  let code: string;
  // A Playwright spec (`*.spec.ts`) is bundled behind a generated entry that turns its tests into a scenario.
  const spec = isSpecFile(path);
  try {
    const result = await build({
      ...(spec ? { stdin: specEntry(path, dir), plugins: [specShimPlugin()] } : { entryPoints: [path] }),
      absWorkingDir: dir,
      // Never written; it anchors the source map's paths relative to the scenario's folder.
      outfile: join(dir, `${basename(path)}.bundle.mjs`),
      write: false,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    code = (result.outputFiles[0] as { text: string }).text;
  } catch (error) {
    throw new ScenarioError('compile', path, `${displayPath(path)} does not compile:\n${formatMessages(buildErrors(error), dir)}`, { cause: error });
  }
  return { code, sha256: sha256(code) };
}

/** For runners: checks the bundle's hash first and refuses a mismatch, then links, imports and validates it. */
export async function loadScenarioFromBundle(code: string, sha: string, opts: LoadBundleOptions = {}): Promise<LoadedScenario> {
  const actual = sha256(code);
  const label = opts.file ?? `bundle ${actual.slice(0, 12)}`;
  if (typeof sha !== 'string' || actual !== sha.toLowerCase()) {
    throw new ScenarioError('bundle-hash', label, `scenario bundle refused: its sha256 is ${actual}, but ${String(sha)} was announced`);
  }
  const resolveDir = resolve(opts.resolveDir ?? process.cwd());
  const scenario = await importBundle(code, { ...opts, file: label, shown: label, resolveDir });
  return { scenario, file: label, bundle: { code, sha256: actual } };
}

export function sha256(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

interface ImportTarget extends LoadScenarioOptions {
  file: string;
  /** The file as messages show it. */
  shown: string;
  resolveDir: string;
}

/**
 * Bundles, links and imports any TypeScript or JavaScript module the way a scenario is loaded (`rookery` is this
 * rookery, no build step), and returns its exports. Project files such as `rookery.config.ts` use it; a failure
 * is a ScenarioError naming the file.
 */
export async function importModuleFile(file: string, opts: LoadScenarioOptions = {}): Promise<Record<string, unknown>> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ScenarioError('not-found', path, `file not found: ${file}${file === path ? '' : ` (looked at ${path})`}`);
  const bundle = await bundleScenario(path);
  return importLinked(bundle.code, { ...opts, file: path, shown: displayPath(path), resolveDir: dirname(path) });
}

async function importLinked(code: string, target: ImportTarget): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(target.tmpDir ?? tmpdir(), 'rookery-scenario-'));
  try {
    const outfile = join(dir, 'scenario.mjs');
    const linked = await link(code, outfile, target);
    await writeFile(outfile, linked.code);
    const url = pathToFileURL(outfile).href;
    try {
      return (await import(url)) as Record<string, unknown>;
    } catch (error) {
      const where = locate(error, url, linked.map, dir);
      const at = where ? `\n    at ${displayPath(where.file)}:${where.line}:${where.column}` : '';
      throw new ScenarioError('import', target.file, `${target.shown} threw while loading: ${describeThrown(error)}${at}`, { cause: error });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function importBundle(code: string, target: ImportTarget): Promise<Scenario> {
  const namespace = await importLinked(code, target);
  if (!('default' in namespace)) {
    const named = Object.keys(namespace);
    throw new ScenarioError('no-default-export', target.file, `${target.shown} has no default export${named.length ? ` (it exports ${named.join(', ')})` : ''}; end it with \`export default defineScenario({ name, user })\``);
  }
  const value = namespace.default;
  if (!isScenario(value)) {
    throw new ScenarioError('not-a-scenario', target.file, `${target.shown}: the default export is not a scenario; it is ${describeExport(value)}. Export \`defineScenario({ name: string, user: async (u) => { … } })\``);
  }
  return value;
}

/** Step 2: rewrites bare imports to file URLs (see the module comment). Returns the code and its source map. */
async function link(code: string, outfile: string, target: ImportTarget): Promise<{ code: string; map: SourceMapPayload | undefined }> {
  const root = harnessRoot();
  try {
    const result = await build({
      stdin: { contents: code, resolveDir: target.resolveDir, sourcefile: 'scenario.bundle.mjs', loader: 'js' },
      outfile,
      write: false,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Resolve packages the way Node will (no bundler-only `module` condition or field).
      conditions: [],
      mainFields: ['main'],
      sourcemap: 'external',
      sourcesContent: false,
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [linkPlugin(target.resolveDir, root)],
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
    if (!js) throw new Error('esbuild produced no output');
    return { code: js.text, map: map ? (JSON.parse(map.text) as SourceMapPayload) : undefined };
  } catch (error) {
    throw new ScenarioError('import', target.file, `${target.shown}: ${buildErrors(error).map((m) => m.text).join('; ') || String(error)}`, { cause: error });
  }
}

const SKIP = Symbol('rookery.link.skip');
const PLAYWRIGHT = /^(playwright|playwright-core|@playwright\/test)(\/|$)/;

function linkPlugin(resolveDir: string, root: HarnessRoot): Plugin {
  return {
    name: 'rookery-link',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === SKIP || !isBarePackage(args.path)) return undefined;
        if (args.path === 'rookery') return { path: pathToFileURL(root.entry).href, external: true };
        // Subpaths (`rookery/spec-runtime`) are this harness's too, found through its package exports.
        if (args.path.startsWith('rookery/')) return { path: pathToFileURL(subpathEntry(root, args.path.slice('rookery'.length))).href, external: true };
        const order = PLAYWRIGHT.test(args.path) ? [root.dir, resolveDir] : [resolveDir, root.dir];
        for (const dir of order) {
          const found = await b.resolve(args.path, { kind: args.kind, resolveDir: dir, pluginData: SKIP });
          if (found.errors.length === 0 && found.path && isAbsolute(found.path)) return { path: pathToFileURL(found.path).href, external: true };
        }
        return { errors: [{ text: `cannot find package "${args.path}" imported by the scenario (looked from ${resolveDir} and from rookery's own installation at ${root.dir}); install it in the scenario's project` }] };
      });
    },
  };
}

function isBarePackage(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(specifier) && !isBuiltin(specifier);
}

interface HarnessRoot {
  dir: string;
  /** Absolute path of the module `import 'rookery'` means. */
  entry: string;
}

let cachedRoot: HarnessRoot | undefined;

/** This rookery's package folder and entry, found from this module's own location (src/ or dist/src/). */
function harnessRoot(): HarnessRoot {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; main?: string; exports?: unknown };
      if (pkg.name === 'rookery') {
        const entry = resolve(dir, packageEntry(pkg));
        if (!existsSync(entry)) throw new Error(`rookery's entry ${entry} is missing; run \`npm run build\` in ${dir}`);
        cachedRoot = { dir, entry };
        return cachedRoot;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find rookery's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The file a `rookery/<sub>` import means, by this rookery's package exports. */
function subpathEntry(root: HarnessRoot, sub: string): string {
  const pkg = JSON.parse(readFileSync(join(root.dir, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
  const target = pkg.exports?.[`.${sub}`];
  const file = typeof target === 'string' ? target : typeof target === 'object' && target !== null ? ((target as Record<string, unknown>).import ?? (target as Record<string, unknown>).default) : undefined;
  if (typeof file !== 'string') throw new Error(`rookery has no export "rookery${sub}" (see its package.json exports)`);
  return resolve(root.dir, file);
}

function packageEntry(pkg: { main?: string; exports?: unknown }): string {
  const root = typeof pkg.exports === 'object' && pkg.exports !== null && '.' in pkg.exports ? (pkg.exports as Record<string, unknown>)['.'] : pkg.exports;
  if (typeof root === 'string') return root;
  if (typeof root === 'object' && root !== null) {
    const conditions = root as Record<string, unknown>;
    for (const key of ['import', 'node', 'default']) if (typeof conditions[key] === 'string') return conditions[key] as string;
  }
  return pkg.main ?? 'index.js';
}

/** The first stack frame in the linked file, mapped back through the source maps to the user's file. */
function locate(error: unknown, url: string, map: SourceMapPayload | undefined, outDir: string): { file: string; line: number; column: number } | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack || !map) return undefined;
  // Native imports name the file by URL; module runners that evaluate it themselves (vitest) by path.
  const names = [url, fileURLToPath(url)].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const frame = new RegExp(`(?:${names.join('|')}):(\\d+):(\\d+)`).exec(stack);
  if (!frame) return undefined;
  const entry = new SourceMap(map).findEntry(Number(frame[1]) - 1, Number(frame[2]) - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
  if (!entry.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
  // esbuild composed the maps: sources are relative to the linked file's folder and point into resolveDir (the
  // scenario's folder locally; on a runner, the folder it was told to resolve from).
  const file = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : resolve(outDir, entry.originalSource);
  return { file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

function buildErrors(error: unknown): Message[] {
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) ? (errors as Message[]) : [];
}

/** `file:line:col: message`, the offending line and a caret; at most five, the rest counted. */
function formatMessages(messages: readonly Message[], dir: string): string {
  if (messages.length === 0) return '  (esbuild gave no details)';
  const shown = messages.slice(0, 5).map((m) => {
    if (!m.location) return `  ${m.text}`;
    const { file, line, column, lineText } = m.location;
    return `  ${displayPath(resolve(dir, file))}:${line}:${column + 1}: ${m.text}\n    ${lineText}\n    ${' '.repeat(column)}^`;
  });
  if (messages.length > 5) shown.push(`  … and ${messages.length - 5} more errors`);
  return shown.join('\n');
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : `${typeof error} ${String(error)}`;
}

function describeExport(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}; wrap it: defineScenario({ name: '…', user: ${value.name || 'yourFunction'} })`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    const keyList = keys.length ? `keys: ${keys.join(', ')}` : 'no keys';
    if (typeof record.user !== 'function') return `an object without a user() function (${keyList})`;
    return `an object whose name is ${typeof record.name === 'undefined' ? 'missing' : `a ${typeof record.name}`} (name must be a string; ${keyList})`;
  }
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `a ${typeof value} (${String(value)})`;
}

/** Relative to the current directory when inside it (shorter, clickable in terminals), else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
