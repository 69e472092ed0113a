// The collector against scripted runners on real sockets (fast, no browsers): capacity-weighted slices, the
// start barrier, exact merging across runners with skewed clocks, runtime control over HTTP, and faults — a
// silent runner and a vanished one are detected within 3 s, their users are re-dealt to the survivors, and
// everything they reported before is kept.
import { afterEach, describe, expect, it } from 'vitest';
import { Collector, type AssignPlan, type CollectorEvent } from '../../src/cluster/collector.js';
import { startControlServer } from '../../src/cluster/control-server.js';
import { controlRequest, ControlError } from '../../src/cluster/control-client.js';
import { generateToken } from '../../src/cluster/auth.js';
import { sha256 } from '../../src/scenario/load.js';
import { resolveProfile } from '../../src/load/profile.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { IntervalMerger } from '../../src/metrics/merge.js';
import { decodeHistogram } from '../../src/metrics/hdr.js';
import type { Interval } from '../../src/metrics/model.js';
import { joinAsFakeRunner, type FakeRunner } from '../support/fake-cluster-peer.js';

const TOKEN = generateToken();
const code = 'export default { name: "x", user: async () => {} };';
const plan: AssignPlan = {
  runId: 'collector-test',
  scenario: { name: 'x', code, sha256: sha256(code) },
  target: 'http://127.0.0.1:9',
  profile: resolveProfile({ users: 12, duration: '30s' }),
  settings: { input: 'fast', actionTimeoutMs: 1000, abortOnError: false },
  feederRows: null,
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Count, min, max and every percentile step of an encoded histogram: equal exactly when the data is the same. */
function distribution(hdr: string): number[] {
  const h = decodeHistogram(hdr);
  const out = [h.totalCount, h.minNonZeroValue, h.maxValue];
  for (let p = 0; p <= 100; p += 0.5) out.push(h.getValueAtPercentile(p));
  return out;
}

/** A runner's interval with some latencies, events and a user gauge; `clock` is the runner's own. */
function runnerSnapshot(registry: MetricsRegistry, seed: number, users: number, at: number): Interval {
  for (let i = 0; i < 20; i++) {
    registry.record('lv_event_rtt_ms', { event: 'inc', view: '/counter' }, ((seed * 7919 + i * 104729) % 500) / 3 + 1);
    registry.count('lv_events', { event: 'inc', view: '/counter' });
  }
  registry.count('iterations', { result: 'ok' }, 2);
  registry.gauge('users_active', {}, users);
  return registry.takeInterval(at);
}

describe('collector with scripted runners', () => {
  it('slices by capacity, merges exactly, takes runtime control, and rebalances after a silent and a vanished runner', async () => {
    const events: Array<CollectorEvent & { at: number }> = [];
    const raw = new Map<string, Interval[]>();
    const c = await Collector.listen({
      token: TOKEN,
      onEvent: (e) => events.push({ ...e, at: Date.now() }),
      onRunnerInterval: (id, s) => raw.set(id, [...(raw.get(id) ?? []), s]),
    });
    cleanups.push(() => c.close());
    const control = await startControlServer({ token: TOKEN, target: c });
    cleanups.push(() => control.close());

    const runners: Array<FakeRunner & { runnerId: string }> = [];
    for (const capacity of [1, 2, 3]) runners.push(await joinAsFakeRunner(c.url, TOKEN, { capacity, name: `cap${capacity}` }));
    cleanups.push(() => runners.forEach((r) => r.close()));
    const [r1, r2, r3] = runners as [FakeRunner & { runnerId: string }, FakeRunner & { runnerId: string }, FakeRunner & { runnerId: string }];
    expect(await c.waitForRunners(3, 1_000)).toHaveLength(3);

    const assigning = c.assign(plan, 3_000);
    for (const r of runners) {
      await r.next('assign');
      r.send({ v: 1, t: 'ready' });
    }
    expect(await assigning).toHaveLength(3);
    const startedAt = c.start({ startDelayMs: 200, onRunnerLoss: 'rebalance' });
    const starts = await Promise.all(runners.map((r) => r.next('start')));
    expect(starts.map((s) => [s.weights, s.index, s.inMs])).toEqual([
      [[1, 2, 3], 0, 200],
      [[1, 2, 3], 1, 200],
      [[1, 2, 3], 2, 200],
    ]);

    // Each runner reports on its own clock: r2's is 7 s ahead, r3's 3 s behind.
    const skew = [0, 7_000, -3_000];
    const registries = skew.map((s) => new MetricsRegistry({ startedAt: startedAt + s }));
    const send = (i: number, seq: number) => {
      const r = runners[i] as FakeRunner;
      const snap = runnerSnapshot(registries[i] as MetricsRegistry, i * 100 + seq, i + 1, startedAt + skew[i]! + (seq + 1) * 1000);
      r.send({ v: 1, t: 'snapshot', seq, runStartedAt: startedAt + skew[i]!, snapshot: snap, status: { active: i + 1, target: i + 1, iterations: 2 * (seq + 1), errors: 0, dropped: 0 } });
    };
    for (let seq = 0; seq < 2; seq++) for (let i = 0; i < 3; i++) send(i, seq);

    // Runtime control: 6 more users, dealt 1:2:3 — only with the token.
    await expect(controlRequest(control.url, 'wrong-token-0123456789', 'POST', '/users', { delta: 6 })).rejects.toThrow(/HTTP 401/);
    await expect(controlRequest(control.url, TOKEN, 'POST', '/users', { delta: 1.5 })).rejects.toBeInstanceOf(ControlError);
    const added = (await controlRequest(control.url, TOKEN, 'POST', '/users', { delta: 6 })) as { extraUsers: number; perRunner: Record<string, number> };
    expect(added).toEqual({ extraUsers: 6, perRunner: { [r1.runnerId]: 1, [r2.runnerId]: 2, [r3.runnerId]: 3 } });
    expect((await Promise.all(runners.map((r) => r.next('users')))).map((m) => m.delta)).toEqual([1, 2, 3]);
    const status = (await controlRequest(control.url, TOKEN, 'GET', '/status')) as { phase: string; users: { active: number }; runners: unknown[] };
    expect(status.phase).toBe('running');
    expect(status.users.active).toBe(6);
    expect(status.runners).toHaveLength(3);

    // r3 goes silent (socket open, nothing sent); r1 and r2 keep up their heartbeats.
    const r3LastWord = Date.now();
    const beat = setInterval(() => [r1, r2].forEach((r) => r.send({ v: 1, t: 'ping', at: Date.now() })), 300);
    cleanups.push(() => clearInterval(beat));
    const [reslice1, reslice2] = await Promise.all([r1.next('reslice', 5_000), r2.next('reslice', 5_000)]);
    const lost3 = events.find((e) => e.type === 'lost' && e.runner.id === r3.runnerId);
    expect(lost3).toBeDefined();
    expect(lost3!.at - r3LastWord).toBeLessThanOrEqual(3_000);
    expect((lost3 as Extract<CollectorEvent, { type: 'lost' }>).reason).toMatch(/silent for \d+ ms/);
    expect([reslice1.weights, reslice1.index, reslice2.weights, reslice2.index]).toEqual([[1, 2], 0, [1, 2], 1]);
    // The extra 6 users are re-dealt 1:2 → 2 and 4.
    expect([(await r1.next('users')).delta, (await r2.next('users')).delta]).toEqual([1, 2]);

    // r2 vanishes (connection dropped): detected at once; r1 takes everything.
    send(0, 2);
    send(1, 2);
    await new Promise((r) => setTimeout(r, 200));
    const r2Gone = Date.now();
    r2.close();
    const reslice3 = await r1.next('reslice', 3_000);
    const lost2 = events.find((e) => e.type === 'lost' && e.runner.id === r2.runnerId);
    expect(lost2!.at - r2Gone).toBeLessThan(1_000);
    expect([reslice3.weights, reslice3.index]).toEqual([[1], 0]);
    expect((await r1.next('users')).delta).toBe(4);

    r1.send({ v: 1, t: 'done', lastSeq: 2, outcome: { iterations: 6, errors: 0, dropped: 0 }, health: { saturated: false, reasons: [], eventLoopLagP99Ms: 1, eventLoopLagMaxMs: 2, cpuPeakPercent: {}, rssPeakBytes: {}, cores: 2 }, versions: { chromium: '1' } });
    await c.waitForDone(3_000);
    const summary = c.finish();
    await r1.next('bye');
    expect(summary.runners.map((r) => [r.id, r.capacity, r.lost, r.lostAt !== undefined])).toEqual([
      [r1.runnerId, 1, false, false],
      [r2.runnerId, 2, true, true],
      [r3.runnerId, 3, true, true],
    ]);
    expect(summary.interrupted).toBeUndefined(); // rebalanced: the load was kept up

    // Everything every runner sent — including the lost ones, before they were lost — is in the totals, exactly.
    const acc = c.accumulator!;
    const totals = acc.totals();
    const independent = new IntervalMerger();
    for (const list of raw.values()) for (const s of list) independent.add(s);
    const expected = independent.result();
    expect([...raw.keys()].sort()).toEqual([r1.runnerId, r2.runnerId, r3.runnerId].sort());
    expect(raw.get(r3.runnerId)).toHaveLength(2);
    expect(raw.get(r2.runnerId)).toHaveLength(3);
    expect(totals.counters.find((x) => x.name === 'lv_events')?.value).toBe(8 * 20);
    expect(totals.counters).toEqual(expected.counters);
    expect(totals.histograms.map((h) => [h.name, h.labels])).toEqual(expected.histograms.map((h) => [h.name, h.labels]));
    totals.histograms.forEach((h, i) => expect(distribution(h.hdr)).toEqual(distribution((expected.histograms[i] as { hdr: string }).hdr)));
    expect(decodeHistogram(totals.histograms[0]!.hdr).totalCount).toBe(160);
    // Skewed clocks were re-based: every snapshot landed in the first three buckets of the collector's grid.
    expect(acc.intervalCount).toBeLessThanOrEqual(4);
    // The losses are error entries; lost runners' users no longer count in the gauges.
    const lostErrors = totals.errors.find((e) => e.kind === 'cluster.runner_lost');
    expect(lostErrors?.count).toBe(2);
    expect(lostErrors?.samples.map((s) => s.message).join('\n')).toMatch(/re-assigned to 2 surviving runners; the 2 snapshots .* are kept/);
    expect(totals.gauges.find((g) => g.name === 'users_active')?.value).toBe(1);
  });

  it('with --on-runner-loss continue, nobody is re-sliced and the run is marked short', async () => {
    const c = await Collector.listen({ token: TOKEN });
    cleanups.push(() => c.close());
    const a = await joinAsFakeRunner(c.url, TOKEN, { capacity: 1 });
    const b = await joinAsFakeRunner(c.url, TOKEN, { capacity: 1 });
    cleanups.push(() => [a, b].forEach((r) => r.close()));
    const assigning = c.assign(plan, 3_000);
    for (const r of [a, b]) {
      await r.next('assign');
      r.send({ v: 1, t: 'ready' });
    }
    await assigning;
    c.start({ startDelayMs: 0, onRunnerLoss: 'continue' });
    await a.next('start');
    b.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(c.runners().find((r) => r.id === b.runnerId)?.state).toBe('lost');
    expect(a.frames.some((f) => (f as { t?: string }).t === 'reslice')).toBe(false);
    a.send({ v: 1, t: 'done', lastSeq: -1, outcome: { iterations: 0, errors: 0, dropped: 0 }, health: { saturated: false, reasons: [], eventLoopLagP99Ms: 0, eventLoopLagMaxMs: 0, cpuPeakPercent: {}, rssPeakBytes: {}, cores: 1 }, versions: {} });
    await c.waitForDone(2_000);
    expect(c.finish().interrupted).toMatch(/lost; the run continued without its share/);
  });
});
