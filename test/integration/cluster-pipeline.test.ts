/**
 * One pipeline (issue 11): a distributed run's runners execute their slices through the same slice code as a
 * local run, and both kinds of run get their Results from the same collector code.
 * - browser + lite users on 2 runners: each runner takes browser users by its browser capacity and lite users by
 *   its lite capacity; exact per-client counts equal the fixture's ground truth; `--prewarm` is honoured on
 *   each runner (it says so before it is ready);
 * - sequential variants on 2 runners: every variant's events happen in its own segment, counts exact;
 * - a local run and a distributed run both build their Results in RunCollector.results, once.
 * Runners here are in-process agents (runRunnerAgent) over real WebSockets, so their logs can be read.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import { runRunnerAgent, type RunnerAgentOptions, type RunnerAgentResult } from '../../src/cluster/runner.js';
import type { BackendLaunch, RunnerBackend } from '../../src/cluster/backends/types.js';
import { startLiteWorkers } from '../../src/lite/workers.js';
import { runLocal } from '../../src/load/run-local.js';
import { RunCollector } from '../../src/load/run-collector.js';
import type { Results } from '../../src/metrics/model.js';
import { useFixture } from '../support/use-fixture.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MIXED = resolve(ROOT, 'test/support/scenarios/lite-mixed.ts');
const fixture = useFixture();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-pipeline-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runners as in-process agents: same protocol and code as `rookery runner`, with their log lines kept. */
class InProcessBackend implements RunnerBackend {
  readonly name = 'local' as const;
  readonly logs: string[][] = [];
  private runs: Array<Promise<RunnerAgentResult>> = [];
  constructor(private readonly perRunner: ReadonlyArray<Partial<RunnerAgentOptions>>) {}
  async launch(req: BackendLaunch): Promise<void> {
    this.perRunner.forEach((extra, i) => {
      const logs: string[] = [];
      this.logs.push(logs);
      this.runs.push(runRunnerAgent({ join: req.joinUrl, token: req.token, name: `in-${i}`, partialDir: dir, connectTimeoutMs: 10_000, liteWorkersFactory: startLiteWorkers, log: (l) => logs.push(l), ...extra }));
    });
  }
  async diagnose(): Promise<string | undefined> {
    return undefined;
  }
  async shutdown(): Promise<void> {
    await Promise.race([Promise.all(this.runs), new Promise((r) => setTimeout(r, 20_000))]);
  }
  async results(): Promise<RunnerAgentResult[]> {
    return Promise.all(this.runs);
  }
}

const sum = (results: Results, name: string, labels: Record<string, string>) =>
  results.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);

describe('one pipeline, distributed', () => {
  it('browser + lite users on 2 runners, dealt by per-kind capacity: exact per-client counts; --prewarm honoured on each runner', async () => {
    fixture.reset();
    // Browser capacity 1:3, lite capacity 2:2 (one worker each): browser users 1 + 3, lite users 2 + 2.
    const backend = new InProcessBackend([
      { capacity: 1, liteCapacity: 2, liteWorkers: 1 },
      { capacity: 3, liteCapacity: 2, liteWorkers: 1 },
    ]);
    const starts: string[] = [];
    const { results } = await runDistributed({
      scenarioFile: MIXED,
      overrides: { target: fixture.url, users: 4, liteUsers: 4, ramp: 0, duration: '60s', iterations: 24, gracefulStop: '10s' },
      capacity: { prewarm: true },
      runners: 2,
      backend,
      control: false,
      startDelayMs: 2_000,
      log: (l) => starts.push(l),
    });
    expect((await backend.results()).map((r) => r.exitCode)).toEqual([0, 0]);
    expect(results.meta.interrupted).toBeUndefined();
    // Weights over the parts [r1 browser 1, r1 lite 2, r2 browser 3, r2 lite 2]: 24 iterations → 3, 6, 9, 6.
    expect(sum(results, 'iterations', { result: 'ok' })).toBe(24);
    expect(sum(results, 'iterations', { result: 'ok', client: 'browser' })).toBe(12);
    expect(sum(results, 'iterations', { result: 'ok', client: 'lite' })).toBe(12);
    const adds = fixture.stats().events.filter((e) => e.event === 'add').length;
    expect(adds).toBe(24 * 3);
    expect(sum(results, 'lv_events', { client: 'browser', event: 'add' })).toBe(12 * 3);
    expect(sum(results, 'lv_events', { client: 'lite', event: 'add' })).toBe(12 * 3);
    expect(results.meta.runners?.map((r) => [r.capacity, r.lost])).toEqual([
      [1, false],
      [3, false],
    ]);
    // Lite workers' health reached the merged verdict through each runner's `done`.
    expect(results.health.cpuPeakPercent.lite).toBeGreaterThan(0);
    // Each runner pre-warmed its pool before it said ready (min(capacity, the run's peak browser users) contexts).
    expect(backend.logs.map((l) => l.find((x) => x.startsWith('prewarm: ')))).toEqual([expect.stringMatching(/^prewarm: 1 contexts opened/), expect.stringMatching(/^prewarm: 3 contexts opened/)]);
    expect(starts.some((l) => /lite capacity 2 on 1 workers/.test(l))).toBe(true);
    expect(results.errors.filter((e) => !e.kind.startsWith('metrics.'))).toEqual([]);
  }, 150_000);

  it('sequential variants on 2 runners: each variant runs in its own segment, counts equal to ground truth', async () => {
    fixture.reset();
    const backend = new InProcessBackend([{ capacity: 1 }, { capacity: 1 }]);
    const { results } = await runDistributed({
      scenarioFile: MIXED,
      overrides: { target: fixture.url, users: 2, ramp: '1s', duration: '3s', gracefulStop: '5s', variantMode: 'sequential', settle: '5s' },
      runners: 2,
      backend,
      control: false,
    });
    expect((await backend.results()).map((r) => r.exitCode)).toEqual([0, 0]);
    expect(results.meta.variantMode).toBe('sequential');
    expect(results.meta.segments?.map((s) => s.variant)).toEqual(['stream', 'list']);
    // The fixture's own record: which page (join url) each click was on.
    const truth = fixture.stats();
    const pageOf = new Map(truth.joins.filter((j) => j.url).map((j) => [j.topic, new URL(j.url as string).pathname]));
    const clicks = (path: string) => truth.events.filter((e) => e.event === 'add' && pageOf.get(e.topic) === path);
    const stream = clicks('/stream');
    const list = clicks('/list');
    expect(stream.length).toBeGreaterThan(0);
    expect(list.length).toBeGreaterThan(0);
    expect(stream.length + list.length).toBe(truth.events.filter((e) => e.event === 'add').length);
    // Every click of the first variant was handled before any click of the second reached the server (the settle
    // gap outlasts any iteration still running when the stream variant ramps down, on a loaded machine too).
    expect(Math.max(...stream.map((e) => e.repliedAt))).toBeLessThan(Math.min(...list.map((e) => e.receivedAt)));
    expect(sum(results, 'lv_events', { event: 'add', variant: 'stream' })).toBe(stream.length);
    expect(sum(results, 'lv_events', { event: 'add', variant: 'list' })).toBe(list.length);
  }, 150_000);
});

describe('one collector', () => {
  it('a local run and a distributed run both build their Results in RunCollector.results, once each', async () => {
    const spy = vi.spyOn(RunCollector.prototype, 'results');
    try {
      fixture.reset();
      const local = await runLocal({ scenarioFile: MIXED, overrides: { target: fixture.url, users: 1, ramp: 0, duration: '60s', iterations: 2, gracefulStop: '5s' } });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.results[0]?.value).toBe(local.results);
      const backend = new InProcessBackend([{ capacity: 1 }, { capacity: 1 }, { capacity: 1 }]);
      const distributed = await runDistributed({ scenarioFile: MIXED, overrides: { target: fixture.url, users: 3, ramp: 0, duration: '60s', iterations: 6, gracefulStop: '5s' }, runners: 3, backend, control: false });
      expect(spy).toHaveBeenCalledTimes(2);
      expect(spy.mock.results[1]?.value).toBe(distributed.results);
      expect(sum(local.results, 'iterations', { result: 'ok' })).toBe(2);
      expect(sum(distributed.results, 'iterations', { result: 'ok' })).toBe(6);
      expect(distributed.results.meta.runners).toHaveLength(3);
    } finally {
      spy.mockRestore();
    }
  }, 150_000);
});
