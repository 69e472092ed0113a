#!/usr/bin/env node
/**
 * `npm test`: every stage runs even when an earlier one failed (a red unit test must not hide the browser
 * specs), each stage's result is printed at the end, and the exit code is non-zero if any stage failed.
 *
 * Stages: build (tsc → dist/, which the CLI tests run), layers (dependency-cruiser: the layer rules of
 * .dependency-cruiser.cjs, `npm run lint:layers`), vitest (unit + integration), vitest timing files alone
 * (vitest.timing.config.ts), @playwright/test specs. `npm test -- --only vitest,e2e` runs a subset.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test-results');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const STAGES = [
  { name: 'build', cmd: bin('tsc'), args: ['-p', 'tsconfig.json'] },
  { name: 'layers', cmd: bin('depcruise'), args: ['src', '--config', '.dependency-cruiser.cjs'] },
  {
    name: 'vitest',
    cmd: bin('vitest'),
    args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(out, 'vitest.json')}`],
    counts: () => vitestCounts(join(out, 'vitest.json')),
  },
  {
    name: 'timing',
    cmd: bin('vitest'),
    args: ['run', '--config', 'vitest.timing.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${join(out, 'vitest-timing.json')}`],
    counts: () => vitestCounts(join(out, 'vitest-timing.json')),
  },
  {
    name: 'e2e',
    cmd: bin('playwright'),
    args: ['test'],
    env: { ROOKERY_PLAYWRIGHT_JSON: join(out, 'playwright.json') },
    counts: () => playwrightCounts(join(out, 'playwright.json')),
  },
];

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;
if (only) {
  const unknown = [...only].filter((n) => !STAGES.some((s) => s.name === n));
  if (unknown.length) {
    process.stderr.write(`test: unknown stage(s) ${unknown.join(', ')}; stages: ${STAGES.map((s) => s.name).join(', ')}\n`);
    process.exit(2);
  }
}

mkdirSync(out, { recursive: true });
const results = [];
for (const stage of STAGES) {
  if (only && !only.has(stage.name)) continue;
  for (const f of ['vitest.json', 'vitest-timing.json', 'playwright.json']) if (stage.counts) rmSync(join(out, f), { force: true });
  process.stdout.write(`\n=== test stage: ${stage.name} ===\n`);
  const started = Date.now();
  const code = await run(stage);
  const counts = stage.counts?.() ?? undefined;
  results.push({ name: stage.name, code, seconds: Math.round((Date.now() - started) / 1000), counts });
}

process.stdout.write('\n=== test summary ===\n');
let passed = 0;
let failed = 0;
for (const r of results) {
  const c = r.counts ? ` (${r.counts.passed} passed, ${r.counts.failed} failed${r.counts.skipped ? `, ${r.counts.skipped} skipped` : ''})` : '';
  process.stdout.write(`  ${r.code === 0 ? 'ok    ' : 'FAILED'} ${r.name}${c}, ${r.seconds} s${r.code === 0 ? '' : `, exit ${r.code}`}\n`);
  passed += r.counts?.passed ?? 0;
  failed += r.counts?.failed ?? 0;
  // A stage that failed without reporting a failed test (crash, build error) still counts as a failure.
  if (r.code !== 0 && !(r.counts?.failed > 0)) failed += 1;
}
const bad = results.filter((r) => r.code !== 0).map((r) => r.name);
if (bad.length) process.stdout.write(`  failed stages: ${bad.join(', ')}\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exitCode = bad.length ? 1 : 0;

function run(stage) {
  return new Promise((resolvePromise) => {
    if (!existsSync(stage.cmd)) {
      process.stdout.write(`test: ${stage.cmd} is missing; run \`npm ci\` first\n`);
      resolvePromise(127);
      return;
    }
    const child = spawn(stage.cmd, stage.args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...stage.env } });
    child.on('error', () => resolvePromise(127));
    child.on('close', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function vitestCounts(file) {
  const j = readJson(file);
  if (!j) return undefined;
  return { passed: j.numPassedTests ?? 0, failed: j.numFailedTests ?? 0, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0) };
}

function playwrightCounts(file) {
  const j = readJson(file);
  if (!j?.stats) return undefined;
  return { passed: (j.stats.expected ?? 0) + (j.stats.flaky ?? 0), failed: j.stats.unexpected ?? 0, skipped: j.stats.skipped ?? 0 };
}
