#!/usr/bin/env node
/**
 * Runs a benchmark written in TypeScript without tsx: esbuild bundles bench/<name>.ts (and the src/ modules it
 * imports, straight from source) into .bench-out/<name>.mjs, then that file is imported. Packages stay external,
 * so Playwright & co. resolve from this repo's node_modules.
 *
 *   node bench/run.js density [flags]     (npm run bench:density -- [flags])
 *   node bench/run.js arrivals [flags]
 *   node bench/run.js probe [flags]
 *
 * The CLI runs that benches start as child processes use dist/ (run `npm run build` first).
 */
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, '..');
const outDir = join(root, '.bench-out');

/** Entry points other than the benches themselves: processes the benches fork. */
const CHILD_ENTRIES = ['support/step-child.ts'];

const benches = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

const [name, ...rest] = process.argv.slice(2);
if (!name || !benches.includes(name)) {
  process.stderr.write(`usage: node bench/run.js <${benches.join('|')}> [flags]\n`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

await build({
  entryPoints: [name, ...CHILD_ENTRIES.map((e) => e.slice(0, -3))].map((e) => ({ in: join(benchDir, `${e}.ts`), out: e })),
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});

process.argv = [process.argv[0], join(outDir, `${name}.mjs`), ...rest];
await import(pathToFileURL(join(outDir, `${name}.mjs`)).href);
