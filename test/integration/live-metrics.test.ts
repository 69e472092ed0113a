/**
 * `rookery run --metrics-port`: scraping /metrics while real runs go (one machine, and the distributed collector
 * with two local runners) shows the live figures — users at their target, event round trips and their latest
 * interval's quantiles, run totals that never run ahead of what the fixture handled — and the endpoint is gone
 * when the run ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFixture } from '../support/use-fixture.js';
import type { Results } from '../../src/metrics/model.js';
import { BIN, ROOT, counterTotal as counter } from '../support/run-cli.js';

const fixture = useFixture();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-live-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const value = (s: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

interface Scrape {
  at: number;
  samples: Sample[];
  /** inc round trips the fixture had answered right after the scrape. */
  truthAfter: number;
}

/** Runs the CLI, scraping its /metrics every 400 ms (bounded) until it exits. */
async function runAndScrape(args: string[]): Promise<{ code: number | null; stderr: string; scrapes: Scrape[]; url: string | undefined; afterExit: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => {
    exited = true;
    done(code);
  }));
  const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const scrapes: Scrape[] = [];
  let url: string | undefined;
  for (let i = 0; i < 250 && !exited; i++) {
    await new Promise((r) => setTimeout(r, 400));
    url ??= /metrics: (http:\/\/\S+\/metrics)/.exec(stderr)?.[1];
    if (!url) continue;
    try {
      const res = await fetch(url);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const truthAfter = fixture.stats().events.filter((e) => e.push === 'event' && e.event === 'inc').length;
      scrapes.push({ at: Date.now(), samples: samples(text), truthAfter });
    } catch (err) {
      // The endpoint closes once the results are written, a few ms before the process exits: not an error.
      if (!exited && !/^results: /m.test(stderr)) throw err;
    }
  }
  const code = await exit;
  clearTimeout(killer);
  const afterExit = url ? await fetch(url).then(() => 'answered', (e: unknown) => (e instanceof Error ? e.message : String(e))) : 'no url';
  return { code, stderr, scrapes, url, afterExit };
}

function checkLive(scrapes: Scrape[], users: number, r: Results): void {
  expect(scrapes.length).toBeGreaterThan(3);
  // Users reached their target while the run went.
  expect(scrapes.some((s) => value(s.samples, 'rookery_users_active') === users && value(s.samples, 'rookery_users_target') === users)).toBe(true);
  // Event round trips with their latest-interval quantiles, on the results' labels.
  const live = scrapes.filter((s) => (value(s.samples, 'rookery_lv_events_total', { event: 'inc', view: '/counter' }) ?? 0) > 0);
  expect(live.length).toBeGreaterThan(0);
  expect(scrapes.some((s) => value(s.samples, 'rookery_lv_event_rtt_ms', { event: 'inc', view: '/counter', quantile: '0.95' }) !== undefined)).toBe(true);
  expect(scrapes.some((s) => (value(s.samples, 'rookery_harness_event_loop_lag_ms_interval_count') ?? 0) > 0)).toBe(true);
  expect(scrapes.some((s) => value(s.samples, 'rookery_harness_rss_bytes', { process: 'node' }) !== undefined)).toBe(true);
  // Totals never run ahead of what the fixture had answered, never go down, and end at most at the results'.
  let previous = 0;
  for (const s of live) {
    const total = value(s.samples, 'rookery_lv_events_total', { event: 'inc', view: '/counter' })!;
    expect(total).toBeLessThanOrEqual(s.truthAfter);
    expect(total).toBeGreaterThanOrEqual(previous);
    previous = total;
  }
  expect(previous).toBeLessThanOrEqual(counter(r, 'lv_events', { event: 'inc' }));
  for (const s of live) {
    for (const q of ['0.5', '0.95', '1']) {
      const v = value(s.samples, 'rookery_lv_event_rtt_ms', { event: 'inc', view: '/counter', quantile: q });
      if (v !== undefined) expect(v).toBeGreaterThan(0);
    }
  }
}

describe('live metrics (--metrics-port), real runs against the fixture', () => {
  it('one machine: /metrics shows the live figures during the run and is gone after it', async () => {
    fixture.reset();
    const out = join(dir, 'local.json');
    const run = await runAndScrape(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '4', '--ramp', '1s', '--duration', '4s', '--metrics-port', '0', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Results;
    checkLive(run.scrapes, 4, r);
    // A local run is one in-process runner: the runner gauges say so (they read 0 before the one pipeline).
    expect(run.scrapes.some((s) => value(s.samples, 'rookery_runners_total') === 1 && value(s.samples, 'rookery_runners_live') === 1)).toBe(true);
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(fixture.stats().events.filter((e) => e.event === 'inc').length);
    expect(run.afterExit).not.toBe('answered');
  }, 120_000);

  it('distributed: the collector serves the merged figures of two runners', async () => {
    fixture.reset();
    const out = join(dir, 'cluster.json');
    const run = await runAndScrape(['run', 'scenarios/counter.ts', '--runners', '2', '--target', fixture.url, '--users', '4', '--ramp', '1s', '--duration', '4s', '--metrics-port', '0', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Results;
    checkLive(run.scrapes, 4, r);
    expect(run.scrapes.some((s) => value(s.samples, 'rookery_runners_total') === 2 && value(s.samples, 'rookery_runners_live') === 2)).toBe(true);
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(fixture.stats().events.filter((e) => e.event === 'inc').length);
  }, 120_000);

  it('refuses a port it cannot listen on, saying which', async () => {
    const run = await runAndScrape(['run', 'scenarios/counter.ts', '--target', fixture.url, '--users', '1', '--duration', '1s', '--metrics-port', '70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--metrics-port: "70000" is not a port');
  }, 30_000);
});
