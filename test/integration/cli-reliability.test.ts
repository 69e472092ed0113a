/**
 * Issue 15 through the real CLI (`node bin/rookery.js run`, built dist/) against the fixture:
 * - a bad --out/--html fails with exit 2 and one line before any browser starts (a fake Chromium that leaves a
 *   marker file proves none was launched; a control run proves the marker works);
 * - SIGTERM exits 143 with partial results marked SIGTERM, thresholds reported as judged on partial data;
 * - kill -9 mid-run leaves a checkpoint (`<out>.partial`) holding every event the server answered before the
 *   last interval, matched against the fixture's ground truth; the older file at --out was moved aside;
 * - a results write that fails at the end goes to a fallback file and the summary is still printed;
 * - a crashed event is an error of that event, never an `unmatched` latency sample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { readProcessTable, descendantsOf, readCmdline } from '../../src/health/procfs.js';
import { chromiumLeftovers, waitUntil } from '../support/chromium-processes.js';
import { readResults } from '../../src/metrics/results-file.js';
import type { Results } from '../../src/metrics/model.js';
import { counterTotal, runRookery } from '../support/run-cli.js';

let fixture: FixtureServer;
let dir: string;
const groups = new Set<number>();

beforeAll(async () => {
  fixture = await startFixture({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'rookery-rel-cli-'));
});

afterAll(async () => {
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
  // kill -9 leaves the browsers to exit on their own (their pipe closes); make sure they did.
  const left = chromiumLeftovers({ groups: [...groups] });
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

const rookery = runRookery;

/** Remembers the browsers' process groups of a running child (to check none is left behind). */
function watchBrowsers(pid: number): void {
  const table = readProcessTable();
  for (const p of descendantsOf(table, [pid])) {
    if (/chrom/.test(readCmdline(p)?.[0] ?? '')) groups.add(table.get(p)!.pgid);
  }
}

const counter = counterTotal;

/** Server-side `inc` events answered at or before `t` (epoch ms). */
const answeredBy = (t: number): number => fixture.stats().events.filter((e) => e.push === 'event' && e.event === 'inc' && e.repliedAt <= t).length;

describe('bad output paths fail before the load', () => {
  it('exit 2 with one line and no browser started, for each kind of bad path; a good path does start one', async () => {
    const fake = join(dir, 'fake-chromium.sh');
    const marker = join(dir, 'browser-started');
    writeFileSync(fake, `#!/bin/sh\necho started > '${marker}'\nexit 1\n`);
    chmodSync(fake, 0o755);
    writeFileSync(join(dir, 'somefile'), 'not a folder');
    mkdirSync(join(dir, 'a-folder'), { recursive: true });
    const base = ['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '1', '--duration', '2s', '--quiet'];
    const cases: Array<[string[], RegExp]> = [
      [['--out', join(dir, 'somefile', 'x.json')], /--out: .*somefile is a file, not a folder/],
      [['--out', '/proc/x/y.json'], /--out: \/proc\/x\/y\.json is under \/proc, a kernel filesystem/],
      [['--out', join(dir, 'ok.json'), '--html', '/sys/report.html'], /--html: \/sys\/report\.html is under \/sys/],
      [['--out', join(dir, 'a-folder')], /is a folder; give a file name/],
    ];
    // What the bad-path runs are measured against: the same CLI doing nothing (node start, imports).
    const baseline = (await rookery(['--version'])).ms;
    const times: number[] = [];
    for (const [flags, why] of cases) {
      const run = await rookery([...base, ...flags], { env: { ROOKERY_CHROMIUM: fake } });
      times.push(Math.round(run.ms));
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(why);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(marker), `a browser was started for ${flags.join(' ')}`).toBe(false);
      // Generous, and relative to this machine right now: the check runs before the scenario is bundled, so
      // the run costs about what `rookery --version` does (node start and imports dominate).
      expect(run.ms).toBeLessThan(2 * baseline + 3_000);
    }
    console.log(`bad --out: exit 2 after ${times.join(', ')} ms; \`rookery --version\` took ${Math.round(baseline)} ms (load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
    // Control: with good paths the same command reaches the browser launch (the fake marks it, then fails).
    await rookery([...base, '--out', join(dir, 'control.json'), '--iterations', '1', '--duration', '1s', '--graceful-stop', '1s'], { env: { ROOKERY_CHROMIUM: fake } });
    expect(existsSync(marker)).toBe(true);
  }, 60_000);
});

describe('interrupted runs', () => {
  it('SIGTERM: exit 143, partial results marked SIGTERM, thresholds judged on partial data, checkpoint removed', async () => {
    fixture.reset();
    const out = join(dir, 'sigterm.json');
    const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '2', '--ramp', '0s', '--duration', '60s', '--graceful-stop', '3s', '--out', out, '--checkpoint', '1s'], {
      onSpawn: (child) => {
        void (async () => {
          await waitUntil(() => {
            watchBrowsers(child.pid!);
            return fixture.stats().events.length > 4 && existsSync(`${out}.partial`);
          }, 30_000, 100);
          child.kill('SIGTERM');
        })();
      },
    });
    expect(run.code, run.stderr).toBe(143);
    const r = await readResults(out);
    expect(r.meta.interrupted).toBe('interrupted (SIGTERM): results are partial');
    expect(counter(r, 'lv_events', { event: 'inc' })).toBeGreaterThan(0);
    expect(r.thresholds.length).toBeGreaterThan(0);
    expect(run.stderr).toContain('thresholds: judged on partial data — the run was interrupted by SIGTERM');
    expect(run.stdout).toContain('lv_event_rtt_ms');
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 60_000);

  it('kill -9 mid-run: the checkpoint holds every event answered before its last interval (ground truth); stale results were moved aside', async () => {
    fixture.reset();
    const out = join(dir, 'killed.json');
    writeFileSync(out, '{"stale": true}\n');
    const everyMs = 2_000;
    let killedAt = 0;
    const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '4', '--ramp', '0s', '--duration', '60s', '--out', out, '--checkpoint', '2s', '--quiet'], {
      onSpawn: (child) => {
        void (async () => {
          await waitUntil(() => {
            watchBrowsers(child.pid!);
            return fixture.stats().events.length > 20 && existsSync(`${out}.partial`);
          }, 40_000, 100);
          // Somewhere inside a checkpoint interval, not right after a write.
          await new Promise((r) => setTimeout(r, 2_700));
          killedAt = Date.now();
          child.kill('SIGKILL');
        })();
      },
    });
    expect(run.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(`${out}.prev`, 'utf8')).toBe('{"stale": true}\n');
    const cp = await readResults(`${out}.partial`); // a valid results file: `rookery report` renders it
    expect(cp.meta.interrupted).toMatch(/^checkpoint at .*: the run was still going; results are partial$/);
    const at = Date.parse(cp.meta.endedAt);
    // At most one interval is lost (plus the time a write takes on a loaded machine).
    expect(killedAt - at).toBeLessThanOrEqual(everyMs + 1_500);
    const events = counter(cp, 'lv_events', { event: 'inc' });
    // Never more than the server answered by then; every event answered 2 s before the checkpoint (one 1-s
    // snapshot interval plus the reply's way to the probe) is in it.
    expect(events).toBeLessThanOrEqual(answeredBy(at));
    expect(events).toBeGreaterThanOrEqual(answeredBy(at - 2_000));
    expect(events).toBeGreaterThanOrEqual(answeredBy(killedAt - everyMs - 3_500));
    expect(answeredBy(at - 2_000)).toBeGreaterThan(10);
    console.log(`kill -9: checkpoint ${killedAt - at} ms before the kill; ${events} inc events in it, server answered ${answeredBy(killedAt)} by the kill`);
    expect(await waitUntil(() => chromiumLeftovers({ groups: [...groups] }).length === 0, 10_000)).toBe(true);
  }, 90_000);
});

describe('distributed runs', () => {
  it('the collector checkpoints the merged results; SIGTERM exits 143 with every event the server answered', async () => {
    fixture.reset();
    const out = join(dir, 'cluster.json');
    let checkpoint: Results | undefined;
    let truthAtCheckpoint = 0;
    const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--runners', '1', '--users', '2', '--ramp', '0s', '--duration', '60s', '--graceful-stop', '5s', '--out', out, '--checkpoint', '1s', '--partial-dir', join(dir, 'cluster-partials'), '--quiet'], {
      env: { TMPDIR: dir }, // its control file goes here
      onSpawn: (child) => {
        void (async () => {
          await waitUntil(() => {
            watchBrowsers(child.pid!);
            return fixture.stats().events.length > 6 && existsSync(`${out}.partial`);
          }, 60_000, 100);
          await new Promise((r) => setTimeout(r, 1_500));
          checkpoint = await readResults(`${out}.partial`);
          truthAtCheckpoint = answeredBy(Date.parse(checkpoint.meta.endedAt));
          child.kill('SIGTERM');
        })();
      },
      timeoutMs: 90_000,
    });
    expect(run.code, run.stderr).toBe(143);
    expect(checkpoint?.meta.interrupted).toMatch(/checkpoint at .*: the run was still going/);
    const atCheckpoint = counter(checkpoint!, 'lv_events', { event: 'inc' });
    expect(atCheckpoint).toBeGreaterThan(0);
    expect(atCheckpoint).toBeLessThanOrEqual(truthAtCheckpoint);
    const r = await readResults(out);
    expect(r.meta.interrupted).toMatch(/^interrupted \(SIGTERM\): results are partial/);
    // The graceful stop lets the runner report everything: the merged count equals the server's record.
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(fixture.stats().events.filter((e) => e.event === 'inc').length);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 120_000);
});

describe('results are never lost after the load', () => {
  it('a results file that cannot be written at the end goes to a fallback file; the summary is printed anyway', async () => {
    fixture.reset();
    const sub = join(dir, 'vanishing');
    const out = join(sub, 'run.json');
    const run = await rookery(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '2', '--duration', '4s', '--out', out, '--checkpoint', '1s', '--quiet'], {
      onSpawn: () => {
        void (async () => {
          await waitUntil(() => existsSync(`${out}.partial`), 30_000, 50);
          // The folder turns into a file mid-run (a cleanup job, a full disk would look alike to the writer).
          rmSync(sub, { recursive: true, force: true });
          writeFileSync(sub, 'in the way');
        })();
      },
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toContain('lv_event_rtt_ms');
    const m = /could not write .*run\.json \(\w+\); the results are in (\S+) instead/.exec(run.stderr);
    expect(m, run.stderr).not.toBeNull();
    const r = await readResults(m![1]!);
    rmSync(m![1]!, { force: true });
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(fixture.stats().events.filter((e) => e.event === 'inc').length);
  }, 60_000);
});

describe('a crashed event', () => {
  it('is an error of that event, with its name, never an unmatched latency sample', async () => {
    fixture.reset();
    const out = join(dir, 'crash.json');
    const run = await rookery(['run', 'test/support/scenarios/crash-click.ts', '--target', fixture.url, '--users', '1', '--iterations', '1', '--out', out, '--quiet']);
    expect(run.code).toBe(2); // its only iteration failed
    const r = await readResults(out);
    expect(fixture.stats().crashes).toBe(1);
    expect(r.metrics.filter((m) => m.labels.event === 'unmatched')).toEqual([]);
    expect(r.metrics.filter((m) => m.name === 'lv_patch_ms')).toEqual([]);
    expect(counter(r, 'lv_errors', { kind: 'crash' })).toBe(1);
    expect(counter(r, 'user_errors', { kind: 'crash' })).toBe(1);
    const userError = r.errors.find((e) => e.kind === 'user.crash');
    expect(userError?.samples[0]?.message).toMatch(/click\("#inc"\) on \/counter: the LiveView crashed handling event "inc"/);
    expect(r.errors.find((e) => e.kind === 'lv.crash')?.samples[0]?.context).toMatchObject({ event: 'inc', view: '/counter' });
  }, 60_000);
});
