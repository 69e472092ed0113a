/**
 * The public API from the outside, against the fixture's ground truth:
 * - a plain `node` script (examples/api/run.mjs, the README's example) imports `run` from the built package, hears
 *   progress and snapshot events, and gets Results with one passing (config) and one failing (script) threshold;
 * - `rookery run --config` takes target, thresholds and reporters from the config file, and flags win over it;
 * - a broken config file exits 2 naming the file; the README's examples type-check against the package's types;
 * - in-process, `stop()` ends a run gracefully with what was measured, `runners` dispatches the same run to a
 *   collector with runner processes, and a run that cannot start rejects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Results } from '../../src/metrics/model.js';
import { ROOT, counterTotal, runRookery, runToEnd } from '../support/run-cli.js';
import { run } from '../../src/api/run.js';
import { defineScenario } from '../../src/scenario/define.js';
import { LocalBackend } from '../../src/cluster/backends/local.js';
import { useFixture } from '../support/use-fixture.js';

const fixture = useFixture();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-api-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readJson = (path: string): Results => JSON.parse(readFileSync(path, 'utf8')) as Results;
const incTruth = (): number => fixture.stats().events.filter((e) => e.push === 'event' && e.event === 'inc').length;

describe('run() from a plain script (examples/api/run.mjs)', () => {
  it('hears progress, gets Results with thresholds judged, and counts every event the fixture served', async () => {
    fixture.reset();
    const resultsDir = join(dir, 'script');
    const done = await runToEnd(process.execPath, [join(ROOT, 'examples/api/run.mjs')], {
      env: { ...process.env, CI: '1', APP_URL: fixture.url, RESULTS_DIR: resultsDir },
      timeoutMs: 90_000,
    });
    // One threshold fails on purpose, and the script exits 1 as a CI gate would.
    expect(done.code, done.stderr).toBe(1);
    expect(done.stdout).toMatch(/^pass lv_errors:count==0 \(0\)$/m);
    expect(done.stdout).toMatch(/^FAIL lv_event_rtt_ms\{event=inc\}:p95<0\.001 \(\d/m);
    const summary = JSON.parse(done.stdout.trim().split('\n').at(-1) as string) as { progressEvents: number; incEvents: number; results: string };
    expect(summary.results).toBe(join(resultsDir, 'api-counter.json')); // the config's reporter, {scenario} filled in

    const results = readJson(summary.results);
    // Config thresholds first, then the script's; both judged in the Results themselves.
    expect(results.thresholds.map((t) => [t.expr, t.pass])).toEqual([
      ['lv_errors:count==0', true],
      ['lv_event_rtt_ms{event=inc}:p95<0.001', false],
    ]);
    expect(results.meta.target).toBe(fixture.url); // from the config
    expect(results.meta.load).toMatchObject({ kind: 'constant', users: 2, rampMs: 1_000, durationMs: 3_000 }); // the scenario's `load`
    const truth = incTruth();
    expect(truth).toBeGreaterThan(0);
    expect(counterTotal(results, 'lv_events', { event: 'inc' })).toBe(truth);
    // The snapshot events carried every event, exactly once; progress came once per interval.
    expect(summary.incEvents).toBe(truth);
    expect(summary.progressEvents).toBeGreaterThan(0);
    expect(counterTotal(results, 'iterations', { result: 'error' })).toBe(0);
  }, 120_000);
});

describe('rookery run --config', () => {
  it('uses the config for thresholds and reporters; CLI flags win over the config and the scenario', async () => {
    fixture.reset();
    const resultsDir = join(dir, 'cli');
    const done = await runRookery(
      ['run', 'examples/api/counter.ts', '--config', 'examples/api/rookery.config.ts', '--target', fixture.url, '--users', '1', '--threshold', 'lv_events{event=inc}:count>0', '--quiet'],
      // The config's target is unreachable: the run only works because --target wins over it.
      { env: { APP_URL: 'http://127.0.0.1:9', RESULTS_DIR: resultsDir }, timeoutMs: 90_000 },
    );
    expect(done.code, done.stderr).toBe(0);
    const results = readJson(join(resultsDir, 'api-counter.json'));
    expect(results.meta.target).toBe(fixture.url);
    // --users replaces the scenario's declared model's users; its ramp and duration still apply.
    expect(results.meta.load).toMatchObject({ kind: 'constant', users: 1, rampMs: 1_000, durationMs: 3_000 });
    expect(results.thresholds.map((t) => [t.expr, t.pass])).toEqual([
      ['lv_errors:count==0', true],
      ['lv_events{event=inc}:count>0', true],
    ]);
    expect(counterTotal(results, 'lv_events', { event: 'inc' })).toBe(incTruth());
  }, 120_000);

  it('a broken config file exits 2 naming the file, before any browser starts', async () => {
    const config = join(dir, 'broken', 'rookery.config.ts');
    const out = join(dir, 'broken', 'never.json');
    mkdirSync(join(dir, 'broken'), { recursive: true });
    writeFileSync(config, "import { defineConfig } from 'rookery';\nexport default defineConfig({ target: 'http://x', pool: { browser: 2 } });\n");
    const typo = await runRookery(['run', 'examples/api/counter.ts', '--config', config, '--out', out, '--quiet'], { env: { ROOKERY_CHROMIUM: '/nonexistent' } });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`config ${config}: pool: unknown key browser (it takes browsers, contextsPerBrowser, blockResources)`);
    writeFileSync(config, 'export default defineConfig({ target: \n');
    const syntax = await runRookery(['run', 'examples/api/counter.ts', '--config', config, '--out', out, '--quiet'], { env: { ROOKERY_CHROMIUM: '/nonexistent' } });
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain(`${config}`);
    expect(syntax.stderr).toMatch(/does not compile/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

describe('results from a script (examples/api/compare.mjs)', () => {
  it('prints exactly what `rookery compare --markdown` prints and writes the comparison page', async () => {
    // The two runs above: the script's and the CLI's.
    const before = join(dir, 'before.json');
    const after = join(dir, 'after.json');
    copyFileSync(join(dir, 'script', 'api-counter.json'), before);
    copyFileSync(join(dir, 'cli', 'api-counter.json'), after);
    const html = join(dir, 'comparison.html');
    const script = await runToEnd(process.execPath, [join(ROOT, 'examples/api/compare.mjs'), before, after, html]);
    expect(script.code, script.stderr).toBe(0);
    const cli = await runRookery(['compare', before, after, '--markdown']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(script.stdout.trimEnd()).toBe(cli.stdout.trimEnd());
    expect(script.stdout).toContain('before');
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain('before vs after');
  }, 60_000);
});

describe('the README examples', () => {
  it('are the files the tests run, verbatim', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const file of ['run.mjs', 'counter.ts', 'executors.ts', 'rookery.config.ts', 'compare.mjs', 'distributed.mjs']) {
      expect(readme, file).toContain(readFileSync(join(ROOT, 'examples/api', file), 'utf8').trimEnd());
    }
  });

  it('type-check against the package types (examples/tsconfig.json)', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const done = await runToEnd(process.execPath, [tsc, '-p', join(ROOT, 'examples/tsconfig.json')], { timeoutMs: 90_000 });
    expect(done.stdout + done.stderr).toBe('');
    expect(done.code).toBe(0);
  }, 120_000);
});

describe('run() in-process', () => {
  it('stop() ends the run gracefully: results so far, marked interrupted, every served event counted', async () => {
    fixture.reset();
    const scenario = defineScenario({
      name: 'stop-me',
      async user(u) {
        await u.lv.goto('/counter');
        await u.lv.click('#inc');
        await u.lv.click('#inc');
      },
    });
    const r = run({ scenario, target: fixture.url, load: { kind: 'constant', users: 1, duration: '2m' }, config: false });
    const events: string[] = [];
    r.on('progress', (p) => {
      events.push('progress');
      if (p.iterations >= 2) r.stop();
    });
    r.on('results', () => events.push('results'));
    r.on('done', () => events.push('done'));
    const results = await r;
    expect(results.meta.interrupted).toBe('interrupted (stop()): results are partial');
    expect(counterTotal(results, 'iterations', { result: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(counterTotal(results, 'lv_events', { event: 'inc' })).toBe(incTruth());
    expect(events.slice(-2)).toEqual(['results', 'done']);
    expect(r.outputs).toEqual({ failed: false }); // no reporters: nothing written

    // options.signal does the same; a signal name as the abort reason is recorded, as the CLI does for SIGTERM.
    fixture.reset();
    const ac = new AbortController();
    const s = run({ scenario, target: fixture.url, load: { kind: 'constant', users: 1, duration: '2m' }, config: false, signal: ac.signal });
    s.on('progress', (p) => {
      if (p.iterations >= 1) ac.abort('SIGTERM');
    });
    const aborted = await s;
    expect(aborted.meta.interrupted).toBe('interrupted (SIGTERM): results are partial');
    expect(counterTotal(aborted, 'lv_events', { event: 'inc' })).toBe(incTruth());
  }, 120_000);

  it('runners: the same run() over a collector and two runner processes; counts equal the fixture record', async () => {
    fixture.reset();
    const r = run({
      scenario: join(ROOT, 'examples/api/counter.ts'),
      target: fixture.url,
      config: false,
      thresholds: ['lv_events{event=inc}:count>0'],
      runners: { runners: 2, backend: new LocalBackend({ stdio: 'ignore' }) },
    });
    const sources = new Set<string>();
    let inc = 0;
    r.on('interval', (s, source) => {
      sources.add(source);
      for (const c of s.counters) if (c.name === 'lv_events' && c.labels.event === 'inc') inc += c.value;
    });
    const results = await r;
    expect(results.meta.runners?.length).toBe(2);
    expect(sources.size).toBe(2);
    expect(results.thresholds.map((t) => [t.expr, t.pass])).toEqual([['lv_events{event=inc}:count>0', true]]);
    const truth = incTruth();
    expect(counterTotal(results, 'lv_events', { event: 'inc' })).toBe(truth);
    expect(inc).toBe(truth);
  }, 120_000);

  it('a run that cannot start rejects, and emits error to a listener', async () => {
    const scenario = defineScenario({ name: 'nowhere', user: async () => undefined });
    const r = run({ scenario, target: 'http://127.0.0.1:9', config: false });
    const heard: Error[] = [];
    r.on('error', (e) => heard.push(e));
    await expect(r).rejects.toThrow('target unreachable: http://127.0.0.1:9/');
    expect(heard.map((e) => e.message)).toEqual([expect.stringContaining('target unreachable')]);
    await expect(run({ scenario, target: fixture.url, load: { kind: 'constant', users: 1 }, users: 2, config: false })).rejects.toThrow(
      'load and users cannot be combined',
    );
    // A mistake inside the scenario's `load` is named as written, before any browser starts.
    const zero = defineScenario({ name: 'zero', options: { load: { kind: 'constant', users: 0 } }, user: async () => undefined });
    await expect(run({ scenario: zero, target: fixture.url, config: false })).rejects.toThrow('options.load.users: 0 must be a whole number ≥ 1');
  });
});
