/**
 * Issue 4's acceptance through the real CLI (`node bin/rookery.js run`, built dist/) against the fixture:
 * a 20-user 20-second run, exit codes for thresholds and broken input, and Ctrl-C leaving no Chromium behind
 * while still writing partial results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFixture } from '../support/use-fixture.js';
import { readProcessTable, descendantsOf, readCmdline } from '../../src/health/procfs.js';
import { chromiumLeftovers, waitUntil } from '../support/chromium-processes.js';
import type { Results } from '../../src/metrics/model.js';
import { pkgVersion } from '../../src/load/run-results.js';
import { runRookery } from '../support/run-cli.js';

const fixture = useFixture();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-cli-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

const rookery = (args: string[], opts: Parameters<typeof runRookery>[1] = {}) => runRookery(args, { timeoutMs: 90_000, ...opts });

const readResults = (path: string): Results => JSON.parse(readFileSync(path, 'utf8')) as Results;
const counter = (r: Results, name: string, labels: Record<string, string> = {}): number =>
  r.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);

describe('rookery run (CLI, real Chromium, fixture)', () => {
  it('runs 20 users for 20 s with zero errors; the ramp reaches 20; event counts equal the server record', async () => {
    fixture.reset();
    const out = join(dir, 'run20.json');
    const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '20', '--ramp', '5s', '--duration', '15s', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const r = readResults(out);
    expect(r.errors).toEqual([]);
    expect(counter(r, 'user_errors')).toBe(0);
    expect(counter(r, 'lv_errors')).toBe(0);
    expect(counter(r, 'iterations', { result: 'ok' })).toBeGreaterThan(0);
    const active = r.series.gauges.find((g) => g.name === 'users_active');
    expect(Math.max(...(active?.values.filter((v): v is number => v !== null) ?? [0]))).toBe(20);
    const truth = fixture.stats().events.filter((e) => e.push === 'event' && e.event === 'inc').length;
    expect(truth).toBeGreaterThan(100);
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(truth);
    expect(r.thresholds.length).toBeGreaterThan(0);
    expect(r.thresholds.every((t) => t.pass)).toBe(true);
    expect(run.stdout).toContain('lv_event_rtt_ms');
  }, 120_000);

  it('exits 1 when a threshold fails, and says which', async () => {
    const out = join(dir, 'threshold.json');
    const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '2', '--duration', '3s', '--threshold', 'lv_event_rtt_ms{event=inc}:p95<0.001', '--out', out, '--quiet']);
    expect(run.code).toBe(1);
    const r = readResults(out);
    const failed = r.thresholds.find((t) => t.expr === 'lv_event_rtt_ms{event=inc}:p95<0.001');
    expect(failed?.pass).toBe(false);
    expect(run.stdout).toMatch(/lv_event_rtt_ms\{event=inc\}:p95<0\.001/);
    // The LiveView client version is the page's own (liveSocket.version()), not a package of Rookery's.
    expect(Object.keys(r.meta.versions).sort()).toEqual(['chromium', 'phoenix_live_view', 'playwright']);
    expect(r.meta.versions.phoenix_live_view).toBe(pkgVersion('phoenix_live_view')); // the fixture serves the installed client
  }, 60_000);

  it('exits 2 with a readable message for a scenario that does not compile', async () => {
    const run = await rookery(['run', 'test/support/scenarios/syntax-error.ts', '--target', fixture.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/syntax-error\.ts:\d+:\d+/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace noise
  });

  it('exits 2 for an unreachable target, a bad flag and a bad duration', async () => {
    const unreachable = await rookery(['run', 'scenarios/counter.ts', '--target', 'http://127.0.0.1:9', '--quiet']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('target unreachable: http://127.0.0.1:9/');
    const badFlag = await rookery(['run', 'scenarios/counter.ts', '--userz', '3']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/unknown option '--userz'/);
    const badDuration = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--duration', '30 sec']);
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain('"30 sec" is not a duration');
  }, 60_000);

  it('no browser that starts: exit 2 with one message before the load, not one error per iteration', async () => {
    const out = join(dir, 'no-browser.json');
    fixture.reset();
    for (const chromium of ['/nonexistent', '/bin/false']) {
      const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '3', '--duration', '5s', '--quiet', '--out', out], {
        env: { ROOKERY_CHROMIUM: chromium },
      });
      expect(run.code, run.stderr).toBe(2);
      const message = chromium === '/nonexistent' ? 'No Chromium found' : 'Chromium could not be started';
      expect(run.stderr.split(message)).toHaveLength(2); // said exactly once
      expect(run.stderr).toContain('npx rookery setup');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false); // no load ran, so no results pretend it did
    }
    expect(fixture.stats().events).toEqual([]);
  }, 60_000);

  it('says so, with the URL, when a page never connects a LiveView', async () => {
    const out = join(dir, 'nolv.json');
    const run = await rookery(['run', 'test/support/scenarios/not-liveview.ts', '--target', fixture.url, '--iterations', '1', '--out', out, '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${fixture.url}/__fixture/stats never connects a LiveView`);
  }, 60_000);

  it('open model: every scheduled arrival is either run or counted as dropped, never delayed', async () => {
    fixture.reset();
    const out = join(dir, 'arrival.json');
    const run = await rookery(['run', 'test/support/scenarios/one-click.ts', '--target', fixture.url, '--arrival-rate', '4', '--duration', '5s', '--max-in-flight', '6', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const r = readResults(out);
    const ok = counter(r, 'iterations', { result: 'ok' });
    const dropped = counter(r, 'iterations', { result: 'dropped' });
    expect(ok + counter(r, 'iterations', { result: 'error' }) + dropped).toBe(20);
    expect(ok).toBeGreaterThan(0);
    // Each iteration that ran clicked once: the server saw exactly those clicks.
    expect(fixture.stats().events.filter((e) => e.event === 'inc')).toHaveLength(ok);
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(ok);
  }, 60_000);

  it('on SIGINT stops, writes partial results and leaves no Chromium process', async () => {
    fixture.reset();
    const out = join(dir, 'sigint.json');
    const groups = new Set<number>();
    let childPid = 0;
    const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '4', '--ramp', '1s', '--duration', '60s', '--graceful-stop', '3s', '--out', out], {
      onSpawn: (child) => {
        childPid = child.pid!;
        void (async () => {
          // Wait until users are clicking, remembering the browsers' process groups.
          await waitUntil(() => {
            const table = readProcessTable();
            for (const pid of descendantsOf(table, [childPid])) {
              const cmd = readCmdline(pid)?.[0] ?? '';
              if (/chrom/.test(cmd)) groups.add(table.get(pid)!.pgid);
            }
            return fixture.stats().events.length > 10;
          }, 30_000, 100);
          child.kill('SIGINT');
        })();
      },
    });
    expect(groups.size).toBeGreaterThan(0);
    expect(run.code).toBe(130); // an interrupted run is not a success
    expect(existsSync(out)).toBe(true);
    const r = readResults(out);
    expect(r.meta.interrupted).toMatch(/SIGINT/);
    expect(counter(r, 'lv_events')).toBeGreaterThan(0);
    expect(await waitUntil(() => chromiumLeftovers({ groups: [...groups] }).length === 0, 5_000)).toBe(true);
  }, 90_000);
});
