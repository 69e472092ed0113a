// The collector's logic as state-machine transitions, with no sockets, timers or processes: every fault case
// (runner loss, silence, duplicate hello, late snapshots, bad frames), rebalancing of a lost runner's users and
// iteration budget, and exact merging — each asserted on the frames the machine says to send and its state.
import { describe, expect, it } from 'vitest';
import { CollectorMachine, type AssignPlan, type CollectorEffect, type CollectorEvent } from '../../src/cluster/collector-machine.js';
import { generateToken, newNonce, proofFor } from '../../src/cluster/auth.js';
import type { CollectorMessage, RunnerMessage } from '../../src/cluster/protocol.js';
import { resolveProfile } from '../../src/load/profile.js';
import { sha256 } from '../../src/scenario/load.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import type { HealthSummary, Interval } from '../../src/metrics/model.js';

const TOKEN = generateToken();
const code = 'export default { name: "x", user: async () => {} };';
const HEALTH: HealthSummary = { saturated: false, reasons: [], eventLoopLagP99Ms: 1, eventLoopLagMaxMs: 2, cpuPeakPercent: {}, rssPeakBytes: {}, cores: 2 };

function planOf(opts: Record<string, unknown>): AssignPlan {
  return {
    runId: 'machine-test',
    scenario: { name: 'x', code, sha256: sha256(code) },
    target: 'http://127.0.0.1:9',
    profile: resolveProfile(opts),
    settings: { input: 'fast', actionTimeoutMs: 1000, abortOnError: false },
    feederRows: null,
  };
}

const T0 = 1_700_000_000_000;

/** A machine plus helpers to drive it the way the ws adapter would, collecting every effect. */
function harness(opts: { silenceMs?: number; maxRunners?: number } = {}) {
  const m = new CollectorMachine({ token: TOKEN, heartbeatMs: 500, silenceMs: opts.silenceMs ?? 2_500, ...(opts.maxRunners !== undefined ? { maxRunners: opts.maxRunners } : {}) });
  const effects: CollectorEffect[] = [];
  let conn = 0;
  const step = (input: Parameters<CollectorMachine['step']>[0]) => {
    const out = m.step(input);
    effects.push(...out);
    return out;
  };
  const sent = (runner: string, t?: CollectorMessage['t']) =>
    effects.filter((e): e is Extract<CollectorEffect, { t: 'send' }> => e.t === 'send' && e.runner === runner && (t === undefined || e.message.t === t)).map((e) => e.message);
  const events = () => effects.filter((e): e is Extract<CollectorEffect, { t: 'event' }> => e.t === 'event').map((e) => e.event);
  const join = (capacity: number, now = T0, token = TOKEN, lite?: { capacity: number; workers: number }): { runner: string | undefined; out: CollectorEffect[] } => {
    const nonce = newNonce();
    const c = ++conn;
    const out = step({
      t: 'hello',
      conn: c,
      address: `127.0.0.1:${40000 + c}`,
      nonce,
      hello: { v: 1, t: 'hello', name: `cap${capacity}`, host: 'h', pid: c, capacity, ...(lite ? { lite } : {}), nonce: newNonce(), proof: proofFor(token, 'runner', nonce), versions: {} },
      now,
    });
    const admit = out.find((e): e is Extract<CollectorEffect, { t: 'admit' }> => e.t === 'admit');
    return { runner: admit?.runner, out };
  };
  const msg = (runner: string, message: RunnerMessage, now: number) => step({ t: 'message', runner, msg: message, now });
  /** Joins runners of these capacities, assigns, readies, starts (no delay) at T0. */
  const running = (capacities: number[], plan = planOf({ users: 12, duration: '30s' }), onRunnerLoss: 'rebalance' | 'continue' = 'rebalance') => {
    const ids = capacities.map((c) => join(c).runner as string);
    step({ t: 'assign', plan, now: T0 });
    for (const id of ids) msg(id, { v: 1, t: 'ready' }, T0);
    step({ t: 'start', startDelayMs: 0, onRunnerLoss, now: T0 });
    return ids;
  };
  return { m, step, sent, events, join, msg, running, effects };
}

let seed = 0;
/** One interval, on the runner's clock, with `iterations` ok iterations and `users` active. */
function snap(registry: MetricsRegistry, at: number, iterations: number, users: number): Interval {
  for (let i = 0; i < 5; i++) registry.record('lv_event_rtt_ms', { event: 'inc', view: '/c' }, ((seed++ * 7919) % 300) + 1);
  registry.count('lv_events', { event: 'inc', view: '/c' }, 5);
  if (iterations > 0) registry.count('iterations', { result: 'ok' }, iterations);
  registry.gauge('users_active', {}, users);
  return registry.takeInterval(at);
}

function snapshotMsg(seq: number, s: Interval, runStartedAt = T0, users = 1): RunnerMessage {
  return { v: 1, t: 'snapshot', seq, runStartedAt, snapshot: s, status: { active: users, target: users, iterations: 0, errors: 0, dropped: 0 } };
}

const counter = (s: Interval, name: string) => s.counters.filter((c) => c.name === name).reduce((n, c) => n + c.value, 0);
const gauge = (s: Interval, name: string) => s.gauges.filter((g) => g.name === name).reduce((n, g) => n + g.value, 0);

describe('collector machine: admission', () => {
  it('welcomes a runner with a valid proof and refuses a wrong token, a full run and a late joiner', () => {
    const h = harness({ maxRunners: 2 });
    const a = h.join(1);
    expect(a.runner).toBe('r1');
    const welcome = h.sent('r1', 'welcome')[0] as Extract<CollectorMessage, { t: 'welcome' }>;
    expect(welcome.runnerId).toBe('r1');
    expect(welcome.heartbeatMs).toBe(500);

    const wrong = h.join(1, T0, generateToken());
    expect(wrong.runner).toBeUndefined();
    expect(wrong.out).toContainEqual({ t: 'refuse', conn: 2, reason: 'authentication failed: wrong token', code: 1008 });

    expect(h.join(1).runner).toBe('r2');
    const full = h.join(1);
    expect(full.runner).toBeUndefined();
    expect(full.out.find((e) => e.t === 'refuse')).toMatchObject({ reason: 'this run is full (2 runners)' });

    h.step({ t: 'assign', plan: planOf({ users: 2, duration: '5s' }), now: T0 });
    const late = harness();
    late.join(1);
    late.step({ t: 'assign', plan: planOf({ users: 2, duration: '5s' }), now: T0 });
    expect(late.join(1).out.find((e) => e.t === 'refuse')).toMatchObject({ reason: 'this run has already started; it takes no more runners' });
    expect(h.events().filter((e) => e.type === 'rejected')).toHaveLength(2);
  });

  it('a duplicate hello from an admitted runner is a protocol violation: error sent, connection closed, runner lost', () => {
    const h = harness();
    const id = h.join(2).runner as string;
    const out = h.msg(id, { v: 1, t: 'hello', name: 'again', host: 'h', pid: 1, capacity: 2, nonce: newNonce(), proof: 'x'.repeat(64), versions: {} }, T0 + 10);
    expect(out.map((e) => e.t)).toEqual(['send', 'close', 'terminate', 'log', 'event']);
    expect(h.sent(id, 'error')[0]).toMatchObject({ message: 'hello after the handshake' });
    expect(h.m.runners()[0]).toMatchObject({ state: 'lost', lostReason: 'protocol error: hello after the handshake' });
    // Nothing it sends afterwards is acted upon.
    expect(h.msg(id, { v: 1, t: 'ready' }, T0 + 20)).toEqual([]);
  });

  it('a runner that cannot prepare fails; one that is not ready in time fails at the timeout; start needs a ready runner', () => {
    const h = harness();
    const a = h.join(1).runner as string;
    const b = h.join(1).runner as string;
    expect(() => h.step({ t: 'start', startDelayMs: 0, onRunnerLoss: 'rebalance', now: T0 })).toThrow(/assign first/);
    h.step({ t: 'assign', plan: planOf({ users: 2, duration: '5s' }), now: T0 });
    expect(() => h.step({ t: 'assign', plan: planOf({ users: 2, duration: '5s' }), now: T0 })).toThrow(/already assigned/);
    h.msg(a, { v: 1, t: 'failed', message: 'no chromium' }, T0 + 1);
    h.step({ t: 'assign-timeout', timeoutMs: 120_000, now: T0 + 120_000 });
    expect(h.m.runners().map((r) => [r.state, r.lostReason])).toEqual([
      ['failed', 'no chromium'],
      ['failed', 'not ready within 120 s (loading the scenario or launching the browser took too long)'],
    ]);
    expect(h.sent(a, 'bye')).toHaveLength(1);
    expect(h.sent(b, 'bye')).toHaveLength(1);
    expect(() => h.step({ t: 'start', startDelayMs: 0, onRunnerLoss: 'rebalance', now: T0 })).toThrow(/no runner is ready/);
  });
});

describe('collector machine: faults while running', () => {
  it('slices by capacity at the start barrier and deals extra users by capacity', () => {
    const h = harness();
    const [a, b, c] = h.running([1, 2, 3]) as [string, string, string];
    expect([a, b, c].map((id) => h.sent(id, 'start')[0])).toEqual([
      { v: 1, t: 'start', inMs: 0, weights: [1, 2, 3], index: 0, extraUsers: 0 },
      { v: 1, t: 'start', inMs: 0, weights: [1, 2, 3], index: 1, extraUsers: 0 },
      { v: 1, t: 'start', inMs: 0, weights: [1, 2, 3], index: 2, extraUsers: 0 },
    ]);
    h.step({ t: 'add-users', delta: 6, now: T0 + 100 });
    expect([a, b, c].map((id) => (h.sent(id, 'users')[0] as { delta: number }).delta)).toEqual([1, 2, 3]);
    expect(h.m.extraPerRunner()).toEqual({ [a]: 1, [b]: 2, [c]: 3 });
    expect(() => h.step({ t: 'add-users', delta: 1.5, now: T0 })).toThrow(RangeError);
  });

  it('silence: a runner quiet for longer than silenceMs is lost at the next tick, the others are pinged and kept', () => {
    const h = harness({ silenceMs: 2_500 });
    const [a, b] = h.running([1, 1]) as [string, string];
    h.msg(a, { v: 1, t: 'ping', at: 0 }, T0 + 2_000);
    h.step({ t: 'tick', now: T0 + 2_400 });
    expect(h.m.runners().map((r) => r.state)).toEqual(['running', 'running']);
    expect(h.sent(a, 'ping').length).toBeGreaterThan(0);
    h.step({ t: 'tick', now: T0 + 2_600 });
    expect(h.m.runners().map((r) => r.state)).toEqual(['running', 'lost']);
    expect(h.m.runners()[1]?.lostReason).toBe('silent for 2600 ms (no heartbeat)');
    expect(h.effects).toContainEqual({ t: 'terminate', runner: b });
    // The survivor takes the whole load.
    expect(h.sent(a, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [1], index: 0 }]);
  });

  it("runner loss: its users and the run's extra users are re-dealt to the survivors by capacity, and what it reported is kept", () => {
    const h = harness();
    const [a, b, c] = h.running([1, 2, 3]) as [string, string, string];
    h.step({ t: 'add-users', delta: 6, now: T0 + 10 });
    const regs = [a, b, c].map(() => new MetricsRegistry({ startedAt: T0 }));
    [a, b, c].forEach((id, i) => h.msg(id, snapshotMsg(0, snap(regs[i] as MetricsRegistry, T0 + 1_000, 2, i + 1), T0, i + 1), T0 + 1_000));
    const out = h.step({ t: 'closed', runner: c, now: T0 + 1_500 });
    const lost = out.find((e) => e.t === 'event' && e.event.type === 'lost') as { event: Extract<CollectorEvent, { type: 'lost' }> } | undefined;
    expect(lost?.event.reason).toBe('connection closed');
    expect(h.sent(a, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [1, 2], index: 0 }]);
    expect(h.sent(b, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [1, 2], index: 1 }]);
    // 6 extra users, now 1:2 → 2 and 4: a had 1, b had 2.
    expect(h.sent(a, 'users').map((m) => (m as { delta: number }).delta)).toEqual([1, 1]);
    expect(h.sent(b, 'users').map((m) => (m as { delta: number }).delta)).toEqual([2, 2]);
    expect(h.events().find((e) => e.type === 'rebalanced')).toEqual({ type: 'rebalanced', weights: [1, 2], survivors: [a, b] });

    const totals = h.m.collector!.accumulator.totals();
    expect(counter(totals, 'lv_events')).toBe(15);
    expect(counter(totals, 'iterations')).toBe(6);
    // The lost runner's users no longer count; its loss is an error entry.
    expect(gauge(totals, 'users_active')).toBe(1 + 2);
    expect(totals.errors.find((e) => e.kind === 'cluster.runner_lost')?.samples[0]?.message).toMatch(/lost at 1\.5 s: connection closed; its share \(3 users\) was re-assigned to 2 surviving runners; the 1 snapshot \(2 iterations\) it reported before are kept/);
    expect(h.m.summary().runners.map((r) => [r.id, r.lost])).toEqual([
      [a, false],
      [b, false],
      [c, true],
    ]);
  });

  it('runner loss with an iteration budget: the survivors get what the run still owes, on top of what each has done', () => {
    const h = harness();
    const [a, b, c] = h.running([1, 1, 2], planOf({ users: 4, iterations: 100 })) as [string, string, string];
    const regs = [a, b, c].map(() => new MetricsRegistry({ startedAt: T0 }));
    [10, 12, 30].forEach((n, i) => h.msg([a, b, c][i] as string, snapshotMsg(0, snap(regs[i] as MetricsRegistry, T0 + 1_000, n, 1)), T0 + 1_000));
    h.step({ t: 'closed', runner: b, now: T0 + 1_200 });
    // 100 − 52 reported = 48 still owed, dealt 1:2 → 16 and 32 on top of 10 and 30.
    expect(h.sent(a, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [1, 2], index: 0, iterations: 26 }]);
    expect(h.sent(c, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [1, 2], index: 1, iterations: 62 }]);
  });

  it('--on-runner-loss continue: nobody is re-sliced and the summary says the run fell short; losing everyone says so', () => {
    const h = harness();
    const [a, b] = h.running([1, 1], undefined, 'continue') as [string, string];
    h.step({ t: 'closed', runner: b, now: T0 + 100 });
    expect(h.sent(a, 'reslice')).toEqual([]);
    expect(h.m.summary().interrupted).toBe(`${b} lost; the run continued without its share`);
    h.step({ t: 'send-failed', runner: a, error: 'EPIPE', now: T0 + 200 });
    expect(h.m.runners()[0]?.lostReason).toBe('send failed: EPIPE');
    expect(h.m.summary().interrupted).toMatch(/^all runners were lost; /);
  });

  it('late snapshots: after done and after loss they are ignored, never merged twice, never an error', () => {
    const h = harness();
    const [a, b] = h.running([1, 1]) as [string, string];
    const ra = new MetricsRegistry({ startedAt: T0 });
    const rb = new MetricsRegistry({ startedAt: T0 });
    h.msg(a, snapshotMsg(0, snap(ra, T0 + 1_000, 1, 1)), T0 + 1_000);
    h.msg(b, snapshotMsg(0, snap(rb, T0 + 1_000, 1, 1)), T0 + 1_000);
    h.msg(a, { v: 1, t: 'done', lastSeq: 0, outcome: { iterations: 1, errors: 0, dropped: 0 }, health: HEALTH, versions: { chromium: '1' } }, T0 + 1_100);
    h.step({ t: 'closed', runner: b, now: T0 + 1_200 });
    const before = h.effects.length;
    expect(h.msg(a, snapshotMsg(1, snap(ra, T0 + 2_000, 1, 1)), T0 + 2_000)).toEqual([]);
    expect(h.msg(b, snapshotMsg(1, snap(rb, T0 + 2_000, 1, 1)), T0 + 2_000)).toEqual([]);
    expect(h.effects.length).toBe(before);
    expect(counter(h.m.collector!.accumulator.totals(), 'iterations')).toBe(2);
    expect(h.m.runners().map((r) => [r.state, r.snapshots])).toEqual([
      ['done', 1],
      ['lost', 1],
    ]);
    // done: the runner's versions and health are in the summary; bye goes to the one still connected.
    h.step({ t: 'finish', now: T0 + 3_000 });
    expect(h.sent(a, 'bye')).toHaveLength(1);
    expect(h.sent(b, 'bye')).toHaveLength(0);
    expect(h.m.summary().versions.chromium).toBe('1');
  });

  it('bad messages: out-of-order or undecodable snapshots, ready while running, and garbage frames lose that runner only', () => {
    const h = harness();
    const [a, b, c, d] = h.running([1, 1, 1, 1]) as [string, string, string, string];
    const r = new MetricsRegistry({ startedAt: T0 });
    h.msg(a, snapshotMsg(3, snap(r, T0 + 1_000, 1, 1)), T0 + 1_000);
    const broken = snap(r, T0 + 1_000, 1, 1);
    h.msg(b, snapshotMsg(0, { ...broken, histograms: [{ name: 'lv_event_rtt_ms', labels: {}, hdr: 'not-an-hdr' }] }), T0 + 1_000);
    h.msg(c, { v: 1, t: 'ready' }, T0 + 1_000);
    h.step({ t: 'bad-frame', runner: d, error: 'frame is not JSON: Unexpected token', closeCode: 1003, now: T0 + 1_000 });
    expect(h.m.runners().map((x) => x.lostReason)).toEqual([
      'protocol error: snapshot #3 out of order (expected #0)',
      expect.stringMatching(/^protocol error: snapshot #0 refused: /),
      'protocol error: ready while running',
      'protocol error: frame is not JSON: Unexpected token',
    ]);
    expect(h.effects).toContainEqual({ t: 'close', runner: d, code: 1003, reason: 'frame is not JSON: Unexpected token' });
    // A refused snapshot changed nothing.
    expect(counter(h.m.collector!.accumulator.totals(), 'iterations')).toBe(0);
  });

  it('re-bases each runner clock on the collector start and keeps lite parts of a runner as their own gauge sources', () => {
    const h = harness();
    const [a] = h.running([1]) as [string];
    // The runner's clock is 7 s ahead; its lite worker reports as part `lite-0`.
    const skew = 7_000;
    const browser = new MetricsRegistry({ startedAt: T0 + skew });
    const lite = new MetricsRegistry({ startedAt: T0 + skew });
    h.msg(a, snapshotMsg(0, snap(browser, T0 + skew + 1_000, 1, 2), T0 + skew), T0 + 1_000);
    h.msg(a, { ...(snapshotMsg(1, snap(lite, T0 + skew + 1_000, 1, 5), T0 + skew) as Extract<RunnerMessage, { t: 'snapshot' }>), part: 'lite-0' }, T0 + 1_000);
    const acc = h.m.collector!.accumulator;
    expect(acc.intervalCount).toBe(1);
    expect(gauge(acc.totals(), 'users_active')).toBe(7);
    expect(h.m.collector!.sourcesOf(a).sort()).toEqual([a, `${a}/lite-0`]);
    // Lost: both parts' gauges drop to 0.
    h.step({ t: 'closed', runner: a, now: T0 + 1_500 });
    expect(gauge(acc.totals(), 'users_active')).toBe(0);
  });

  it('done timeout: runners still running are lost; progress sums the runners and reads the runner count', () => {
    const h = harness();
    const [a, b] = h.running([1, 3]) as [string, string];
    h.msg(a, snapshotMsg(0, snap(new MetricsRegistry({ startedAt: T0 }), T0 + 1_000, 1, 1), T0, 1), T0 + 1_000);
    h.msg(b, snapshotMsg(0, snap(new MetricsRegistry({ startedAt: T0 }), T0 + 1_000, 1, 3), T0, 3), T0 + 1_000);
    const p = h.m.progress(T0 + 1_600); // interval 0 is shown half an interval after it ends
    expect(p).toMatchObject({ active: 4, target: 4, runners: { live: 2, total: 2 } });
    expect(counter(p!.interval!, 'lv_events')).toBe(10);
    h.msg(a, { v: 1, t: 'done', lastSeq: 0, outcome: { iterations: 1, errors: 0, dropped: 0 }, health: HEALTH, versions: {} }, T0 + 3_000);
    h.step({ t: 'done-timeout', timeoutMs: 20_000, now: T0 + 50_000 });
    expect(h.m.runners().map((r) => [r.state, r.lostReason])).toEqual([
      ['done', undefined],
      ['lost', 'did not finish within 20 s of the planned end'],
    ]);
  });
});

describe('collector machine: browser and lite users', () => {
  /** Two runners (browser capacity 1 and 3; lite capacity 300 on 2 workers and 100 on 1), started on `plan`. */
  const mixed = (plan: AssignPlan, onRunnerLoss: 'rebalance' | 'continue' = 'rebalance') => {
    const h = harness();
    const a = h.join(1, T0, TOKEN, { capacity: 300, workers: 2 }).runner as string;
    const b = h.join(3, T0, TOKEN, { capacity: 100, workers: 1 }).runner as string;
    h.step({ t: 'assign', plan, now: T0 });
    for (const id of [a, b]) h.msg(id, { v: 1, t: 'ready' }, T0);
    h.step({ t: 'start', startDelayMs: 0, onRunnerLoss, now: T0 });
    return { h, a, b };
  };
  /** Two runners alike (browser capacity 1, lite capacity 100 on 1 worker), started on `plan`. */
  const twoAlike = (plan: AssignPlan) => {
    const h = harness();
    const a = h.join(1, T0, TOKEN, { capacity: 100, workers: 1 }).runner as string;
    const b = h.join(1, T0, TOKEN, { capacity: 100, workers: 1 }).runner as string;
    h.step({ t: 'assign', plan, now: T0 });
    for (const id of [a, b]) h.msg(id, { v: 1, t: 'ready' }, T0);
    h.step({ t: 'start', startDelayMs: 0, onRunnerLoss: 'rebalance', now: T0 });
    return { h, a, b };
  };
  const plan404 = { ...planOf({ users: 404, duration: '30s' }), mix: { browserWeight: 4, liteWeight: 400, workers: 2, usersPerWorker: 200 } };

  it('deals browser users by browser capacity and lite users by lite capacity; users added at run time are dealt over every part', () => {
    const { h, a, b } = mixed(plan404);
    // Browser 4 over 1:3 → 1, 3; lite 400 over 300:100 → 300 (2 workers: 150 + 150), 100.
    expect(h.sent(a, 'start')).toEqual([{ v: 1, t: 'start', inMs: 0, weights: [1, 150, 150, 3, 100], index: 0, extraUsers: 0, parts: { browser: 0, lite: [1, 2] } }]);
    expect(h.sent(b, 'start')).toEqual([{ v: 1, t: 'start', inMs: 0, weights: [1, 150, 150, 3, 100], index: 3, extraUsers: 0, parts: { browser: 3, lite: [4] } }]);
    // 404 more users: one whole period of the weights, so each part gets exactly its weight.
    h.step({ t: 'add-users', delta: 404, now: T0 + 10 });
    expect(h.sent(a, 'users')).toEqual([{ v: 1, t: 'users', delta: 1, lite: [150, 150] }]);
    expect(h.sent(b, 'users')).toEqual([{ v: 1, t: 'users', delta: 3, lite: [100] }]);
    expect(h.m.extraPerRunner()).toEqual({ [a]: 301, [b]: 103 });
    h.step({ t: 'add-users', delta: -404, now: T0 + 20 });
    expect(h.sent(b, 'users')[1]).toEqual({ v: 1, t: 'users', delta: -3, lite: [-100] });
  });

  it('a lost runner’s browser and lite users (and extra users) are re-dealt to the survivor’s parts; what it reported is kept', () => {
    const { h, a, b } = mixed(plan404);
    h.step({ t: 'add-users', delta: 404, now: T0 + 10 });
    const reg = new MetricsRegistry({ startedAt: T0 });
    h.msg(b, { ...(snapshotMsg(0, snap(reg, T0 + 1_000, 7, 103), T0, 103) as Extract<RunnerMessage, { t: 'snapshot' }>), part: 'lite-0' }, T0 + 1_000);
    h.step({ t: 'closed', runner: b, now: T0 + 1_500 });
    // a keeps its browser part and its 2 workers: browser 4 → 4, lite 400 → 200 + 200.
    expect(h.sent(a, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [4, 200, 200], index: 0, parts: { browser: { index: 0 }, lite: [{ index: 1 }, { index: 2 }] } }]);
    // Its 404 extra users are now its own: 3 more browser users, 50 more per worker.
    expect(h.sent(a, 'users')[1]).toEqual({ v: 1, t: 'users', delta: 3, lite: [50, 50] });
    expect(h.events().find((e) => e.type === 'rebalanced')).toEqual({ type: 'rebalanced', weights: [4, 200, 200], survivors: [a] });
    expect(counter(h.m.collector!.accumulator.totals(), 'iterations')).toBe(7);
    expect(h.m.summary().interrupted).toBeUndefined();
  });

  it('with an iteration budget each surviving part gets its share of what the run still owes, on top of what it did', () => {
    const { h, a, b } = twoAlike({ ...planOf({ users: 10, iterations: 100 }), mix: { browserWeight: 2, liteWeight: 8, workers: 1, usersPerWorker: 200 } });
    expect(h.sent(a, 'start')[0]).toMatchObject({ weights: [1, 4, 1, 4], parts: { browser: 0, lite: [1] } });
    const regs = [0, 1, 2, 3].map(() => new MetricsRegistry({ startedAt: T0 }));
    const report = (runner: string, seq: number, n: number, reg: MetricsRegistry, part?: string) =>
      h.msg(runner, { ...(snapshotMsg(seq, snap(reg, T0 + 1_000, n, 1)) as Extract<RunnerMessage, { t: 'snapshot' }>), ...(part ? { part } : {}) }, T0 + 1_000);
    report(a, 0, 5, regs[0]!);
    report(a, 1, 20, regs[1]!, 'lite-0');
    report(b, 0, 6, regs[2]!);
    report(b, 1, 30, regs[3]!, 'lite-0');
    h.step({ t: 'closed', runner: b, now: T0 + 1_200 });
    // 100 − 61 = 39 still owed, dealt 2:8 → 8 and 31, on top of 5 (browser) and 20 (its lite worker).
    expect(h.sent(a, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [2, 8], index: 0, parts: { browser: { index: 0, iterations: 13 }, lite: [{ index: 1, iterations: 51 }] } }]);
  });

  it('with an iteration budget an unowned part keeps its share of what is owed: the other kind does not take it over', () => {
    const { h, a, b } = twoAlike({ ...planOf({ users: 11, iterations: 110 }), mix: { browserWeight: 1, liteWeight: 10, workers: 1, usersPerWorker: 200 } });
    expect(h.sent(b, 'start')[0]).toMatchObject({ weights: [1, 5, 5], parts: { browser: null, lite: [2] } });
    const regs = [0, 1, 2].map(() => new MetricsRegistry({ startedAt: T0 }));
    const report = (runner: string, seq: number, n: number, reg: MetricsRegistry, part?: string) =>
      h.msg(runner, { ...(snapshotMsg(seq, snap(reg, T0 + 1_000, n, 1)) as Extract<RunnerMessage, { t: 'snapshot' }>), ...(part ? { part } : {}) }, T0 + 1_000);
    report(a, 0, 4, regs[0]!);
    report(a, 1, 22, regs[1]!, 'lite-0');
    report(b, 0, 18, regs[2]!, 'lite-0');
    h.step({ t: 'closed', runner: a, now: T0 + 1_200 });
    // 110 − 44 = 66 still owed, 10:1 between b's lite part and the unowned browser part → 60 and 6: b runs 18 + 60,
    // not all 66 (the browser users' 6 stay unrun with them).
    expect(h.sent(b, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [10, 1], index: 0, parts: { browser: null, lite: [{ index: 0, iterations: 78 }] } }]);
  });

  it('when no survivor runs browser users, theirs stay unrun (an unowned part) and the summary says so; continue re-deals nothing', () => {
    const { h, a, b } = twoAlike({ ...planOf({ users: 11, duration: '30s' }), mix: { browserWeight: 1, liteWeight: 10, workers: 1, usersPerWorker: 200 } });
    // The one browser user went to a; b runs lite users only.
    expect(h.sent(b, 'start')[0]).toMatchObject({ weights: [1, 5, 5], parts: { browser: null, lite: [2] } });
    h.step({ t: 'closed', runner: a, now: T0 + 1_000 });
    expect(h.sent(b, 'reslice')).toEqual([{ v: 1, t: 'reslice', weights: [10, 1], index: 0, parts: { browser: null, lite: [{ index: 0 }] } }]);
    expect(h.m.summary().interrupted).toBe(`${a} lost; no runner left runs browser users, so its browser users were not replaced`);
    // The loss's message says what was done: not a plain "re-assigned".
    const lost = h.m.collector!.accumulator.totals().errors.find((e) => e.kind === 'cluster.runner_lost')?.samples[0]?.message;
    expect(lost).toMatch(/was re-assigned to 1 surviving runner, except its browser users: no runner left runs browser users; the 0 snapshots/);

    const c = mixed(plan404, 'continue');
    c.h.step({ t: 'closed', runner: c.b, now: T0 + 1_000 });
    expect(c.h.sent(c.a, 'reslice')).toEqual([]);
    expect(c.h.m.summary().interrupted).toBe(`${c.b} lost; the run continued without its share`);
  });
});
