/**
 * Issue 7's acceptance with real Chromium and the fixture: baselines recorded by `rookery baseline`, a glitch-free
 * sampled run without mismatches, three repeated runs without a single differing pixel, a glitching run whose
 * saved diff lies exactly in the glitched elements, and `rookery baseline` refusing to overwrite.
 * Needs the build (scenarios import `rookery`, the CLI runs dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { runLocal, type RunLocalOutcome } from '../../src/load/run-local.js';
import { baselineCommand } from '../../src/cli/commands/baseline.js';
import { runExitCode } from '../../src/cli/run-support.js';
import { attachVisualArtifacts, writeResultFiles } from '../../src/api/outputs.js';
import { runRookery } from '../support/run-cli.js';
import { launchChromium } from '../../src/browser/launch.js';
import { decodePng, diffBoundingBox, type Box } from '../../src/visual/compare.js';
import type { Results } from '../../src/metrics/model.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCENARIO = join(ROOT, 'scenarios/visual.ts');
const CHECKPOINTS = ['counter', 'stream after add'];

let fixture: FixtureServer;
let dir: string;
let baselines: string;
const quiet = (): void => {};

beforeAll(async () => {
  fixture = await startFixture({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'rookery-visual-'));
  baselines = join(dir, 'baselines');
  delete process.env.ROOKERY_GLITCH;
  const made = await baselineCommand(SCENARIO, { target: fixture.url, dir: baselines }, quiet);
  expect(made.code, made.message).toBe(0);
  expect(made.written.map((p) => p.slice(baselines.length + 1)).sort()).toEqual(['visual/counter.png', 'visual/stream-after-add.png']);
}, 90_000);

afterAll(async () => {
  delete process.env.ROOKERY_GLITCH;
  await fixture?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(users: number, iterations: number, sample: number, glitch?: string): Promise<RunLocalOutcome> {
  if (glitch) process.env.ROOKERY_GLITCH = glitch;
  else delete process.env.ROOKERY_GLITCH;
  try {
    return await runLocal({ scenarioFile: SCENARIO, overrides: { target: fixture.url, users, ramp: 0, iterations }, visual: { dir: baselines, sample }, log: quiet });
  } finally {
    delete process.env.ROOKERY_GLITCH;
  }
}

const counter = (r: Results, name: string, labels: Record<string, string> = {}): number =>
  r.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);

/** Boxes of the glitched elements the scenario's snapshot would show (the masked #count excluded). */
async function glitchBoxes(path: string, click: string): Promise<Box[]> {
  const { browser } = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${fixture.url}${path}`);
    await page.locator('[data-phx-main].phx-connected').waitFor();
    await page.click(click);
    await page.locator('h1.glitch').waitFor();
    return await page.$$eval('.glitch:not(#count)', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
  } finally {
    await browser.close();
  }
}

function union(boxes: readonly Box[]): Box {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
}

describe('visual checks (real Chromium, fixture)', () => {
  it('glitch off: a sampled run has zero mismatches', async () => {
    const { results, visual } = await run(2, 6, 0.5);
    expect(results.errors).toEqual([]);
    expect(counter(results, 'iterations', { result: 'ok' })).toBe(6);
    const taken = counter(results, 'visual_snapshots');
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(12); // 6 iterations × 2 checkpoints, about half sampled
    expect(counter(results, 'visual_mismatch')).toBe(0);
    expect(visual?.checkpoints().every((c) => c.mismatches === 0)).toBe(true);
    expect(results.thresholds.find((t) => t.expr === 'visual_mismatch:count==0')?.pass).toBe(true);
    // The overhead is measured per checkpoint.
    expect(results.metrics.filter((m) => m.name === 'visual_capture_ms').reduce((n, m) => n + m.count, 0)).toBe(taken);
    expect(results.metrics.filter((m) => m.name === 'visual_compare_ms').reduce((n, m) => n + m.count, 0)).toBe(taken);
  }, 90_000);

  it('baselines are stable: 3 repeated runs differ from them by not one pixel', async () => {
    for (let i = 0; i < 3; i++) {
      const { results, visual } = await run(1, 1, 1);
      const tallies = visual?.checkpoints() ?? [];
      expect(tallies.map((t) => [t.name, t.snapshots, t.mismatches, t.worst?.diffPixels ?? 0])).toEqual(CHECKPOINTS.map((n) => [n, 1, 0, 0]));
      expect(results.errors).toEqual([]);
    }
  }, 120_000);

  it('glitch on: every snapshot mismatches, and the saved diff lies in the glitched elements', async () => {
    const outcome = await run(1, 2, 1, '1');
    const out = join(dir, 'glitch', 'results.json');
    const html = join(dir, 'report', 'index.html');
    // The end of every run (run() and `rookery run`): visual artifacts, the files, then the exit code.
    expect(attachVisualArtifacts(outcome.results, outcome.visual, out, quiet)).toBe(true);
    const code = runExitCode(outcome.results, await writeResultFiles(outcome.results, { json: out, html }, quiet), quiet);
    expect(code).toBe(1); // the scenario's visual_mismatch:count==0 threshold fails
    const saved = JSON.parse(readFileSync(out, 'utf8')) as Results;
    for (const name of CHECKPOINTS) expect(counter(saved, 'visual_mismatch', { checkpoint: name })).toBe(2);
    expect(saved.thresholds.find((t) => t.expr === 'visual_mismatch:count==0')?.pass).toBe(false);

    const expected: Record<string, Box> = {
      counter: union(await glitchBoxes('/counter?glitch=1', '#inc')),
      'stream after add': union(await glitchBoxes('/stream?n=5&glitch=1', '#add')),
    };
    for (const c of saved.visual?.checkpoints ?? []) {
      expect(c.mismatches).toBe(2);
      const worst = c.worst!;
      for (const p of [worst.baseline, worst.actual, worst.diff]) expect(existsSync(join(dirname(out), p)), p).toBe(true);
      const box = diffBoundingBox(decodePng(readFileSync(join(dirname(out), worst.diff))))!;
      const glitch = expected[c.name]!;
      // Inside the glitched elements (1 px for sub-pixel layout) …
      expect(box.x).toBeGreaterThanOrEqual(Math.floor(glitch.x) - 1);
      expect(box.y).toBeGreaterThanOrEqual(Math.floor(glitch.y) - 1);
      expect(box.x + box.width).toBeLessThanOrEqual(Math.ceil(glitch.x + glitch.width) + 1);
      expect(box.y + box.height).toBeLessThanOrEqual(Math.ceil(glitch.y + glitch.height) + 1);
      // … and covering them, not a corner of them.
      expect(box.width * box.height).toBeGreaterThan(0.9 * glitch.width * glitch.height);
      expect(worst.diffPixels).toBeGreaterThan(0.5 * glitch.width * glitch.height);
    }
    // The report, written elsewhere, references the same files relative to itself.
    const page = readFileSync(html, 'utf8');
    const srcs = [...page.matchAll(/<img loading="lazy" src="([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));
    expect(srcs).toHaveLength(6);
    for (const src of srcs) expect(existsSync(join(dirname(html), src)), src).toBe(true);
  }, 120_000);

  it('a checkpoint without a baseline is an error sample, not a crash', async () => {
    const empty = join(dir, 'no-baselines');
    const { results } = await runLocal({ scenarioFile: SCENARIO, overrides: { target: fixture.url, users: 1, iterations: 1 }, visual: { dir: empty, sample: 1 }, log: quiet });
    expect(counter(results, 'iterations', { result: 'ok' })).toBe(1);
    const err = results.errors.find((e) => e.kind === 'visual.no_baseline');
    expect(err?.count).toBe(2);
    expect(err?.samples[0]?.message).toMatch(/no baseline for checkpoint "counter" \(expected .*no-baselines\/visual\/counter\.png\); create it with `rookery baseline <scenario>`/);
    expect(counter(results, 'visual_snapshots')).toBe(0);
  }, 60_000);
});

describe('rookery baseline (CLI)', () => {
  const rookery = (args: string[]) => runRookery(args);

  it('refuses to overwrite existing baselines without --update, listing them; --update replaces them', async () => {
    const png = join(baselines, 'visual', 'counter.png');
    const before = readFileSync(png);
    const manifestBefore = readFileSync(join(baselines, 'visual', 'manifest.json'), 'utf8');
    const refused = await rookery(['baseline', 'scenarios/visual.ts', '--target', fixture.url, '--dir', baselines]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to overwrite 2 existing baselines (nothing was written)');
    expect(refused.stderr).toMatch(/counter: .*visual\/counter\.png/);
    expect(refused.stderr).toMatch(/stream after add: .*visual\/stream-after-add\.png/);
    expect(refused.stderr).toContain('pass --update to replace them');
    expect(readFileSync(join(baselines, 'visual', 'manifest.json'), 'utf8')).toBe(manifestBefore);

    const updated = await rookery(['baseline', 'scenarios/visual.ts', '--target', fixture.url, '--dir', baselines, '--update']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('updated 2 baselines');
    expect(readFileSync(join(baselines, 'visual', 'manifest.json'), 'utf8')).not.toBe(manifestBefore); // new capturedAt
    expect(readFileSync(png).equals(before)).toBe(true); // same machine, same page: same pixels
  }, 120_000);
});
