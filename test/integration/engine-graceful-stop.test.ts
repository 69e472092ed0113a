/**
 * The engine's graceful stop against the fixture's ground truth, made deterministic by the fixture's own event
 * delay (no loaded machine needed): lite users in this process, one click per iteration.
 * - A click whose reply comes during the graceful stop is counted like any other: iteration ok, the event
 *   matched, equal to what the fixture handled.
 * - An iteration still running when the graceful stop (and the wind-down after its abort) is over counts as
 *   `iterations{result="aborted"}`, and nothing is recorded for it after the engine returned. Before, it was
 *   counted nowhere and its late results landed after the engine's last interval: the clicks the fixture
 *   handled for it looked lost. Its session's late reply (lv_events, ws_*) is not recorded either.
 * - A genuine failure during the wind-down (a failed check after the reply came) is an error, not an abort.
 */
import { describe, expect, it } from 'vitest';
import { LoadEngine } from '../../src/load/engine.js';
import { resolveProfile } from '../../src/load/profile.js';
import { loadFeeder } from '../../src/scenario/feeder.js';
import { defineScenario } from '../../src/scenario/define.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import type { Interval } from '../../src/metrics/model.js';
import { liteDriver } from '../../src/lite/driver.js';
import type { FixtureServer } from '../../fixtures/server/index.js';
import { useFixture } from '../support/use-fixture.js';

// Replies come 3 s (quick) or 6 s (slow) after each click reached the server.
const quick = useFixture({ eventDelayMs: 3_000 });
const slow = useFixture({ eventDelayMs: 6_000 });

const count = (s: Interval, name: string, labels: Record<string, string> = {}) =>
  s.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);

async function run(fx: FixtureServer, opts: { duration: string; gracefulStop: string; windDownMs: number; failAfterClick?: boolean }) {
  fx.reset();
  const registry = new MetricsRegistry();
  const acc = new Accumulator({ startedAt: Date.now() });
  const logs: string[] = [];
  let started = 0;
  const engine = new LoadEngine({
    scenario: defineScenario({
      name: 'graceful-stop',
      async user(u) {
        started++;
        await u.lv.goto('/counter');
        await u.lv.click('#inc');
        if (opts.failAfterClick && !(await u.check('after-click', false))) throw new Error('the app did not do it');
      },
    }),
    profile: resolveProfile({}, { users: 2, ramp: 0, duration: opts.duration, gracefulStop: opts.gracefulStop }),
    target: fx.url,
    driver: liteDriver(),
    registry,
    feeder: loadFeeder(undefined, process.cwd()),
    setupData: undefined,
    input: 'fast',
    actionTimeoutMs: 20_000,
    abortOnError: false,
    windDownMs: opts.windDownMs,
    onInterval: (s) => acc.add(s),
    log: (l) => logs.push(l),
  });
  await engine.run();
  return { totals: acc.totals(), registry, logs, started: () => started };
}

describe('graceful stop', () => {
  it('a click answered during the graceful stop is counted: iteration ok, event matched, equal to the fixture', async () => {
    // The schedule ends 1 s in, before any reply (3 s after its click); the grace period covers them.
    const { totals, logs, started } = await run(quick, { duration: '1s', gracefulStop: '20s', windDownMs: 5_000 });
    const handled = quick.stats().events.filter((e) => e.event === 'inc').length;
    expect(started()).toBe(2);
    expect(handled).toBe(2);
    expect(count(totals, 'iterations', { result: 'ok' })).toBe(handled);
    expect(count(totals, 'lv_events', { event: 'inc' })).toBe(handled);
    expect(count(totals, 'iterations', { result: 'aborted' })).toBe(0);
    expect(logs.filter((l) => l.startsWith('graceful stop'))).toEqual([]);
  }, 30_000);

  it('iterations still running after the graceful stop and its wind-down count as aborted, and nothing of theirs comes later', async () => {
    // Schedule 2 s, grace 0.3 s, wind-down 0.3 s: both clicks are still waiting for their 6 s replies.
    const { totals, registry, logs, started } = await run(slow, { duration: '2s', gracefulStop: '300ms', windDownMs: 300 });
    expect(started()).toBe(2);
    // Every iteration started is counted: none ok, both aborted.
    expect(count(totals, 'iterations', { result: 'ok' })).toBe(0);
    expect(count(totals, 'iterations', { result: 'aborted' })).toBe(2);
    expect(logs).toEqual(['graceful stop: 2 iteration(s) still running after 300 ms, aborting them', 'graceful stop: gave up on 2 iteration(s) still running 300 ms after the abort']);
    // The fixture answers them later; the harness records nothing for them after it returned.
    await expect.poll(() => slow.stats().events.filter((e) => e.event === 'inc').length, { timeout: 15_000, interval: 200 }).toBe(2);
    await new Promise((r) => setTimeout(r, 500));
    const late = registry.takeInterval(Date.now());
    expect(count(late, 'iterations')).toBe(0);
    // Nor does the late reply's observation (lv_events, ws_*, ...): the given-up session's recorder is muted.
    expect(count(late, 'lv_events')).toBe(0);
    expect(late.counters).toEqual([]);
    expect(late.histograms.map((h) => h.name)).toEqual([]);
    expect(late.errors).toEqual([]);
    // Ground truth: what the fixture handled equals the iterations counted ok or aborted.
    expect(count(totals, 'iterations', { result: 'ok' }) + count(totals, 'iterations', { result: 'aborted' })).toBe(slow.stats().events.filter((e) => e.event === 'inc').length);
  }, 30_000);

  it('a genuine failure during the wind-down is an error, not an abort', async () => {
    // Cut at 1.3 s; the replies come at ~3 s, within the wind-down; then each iteration fails its check.
    const { totals, logs, started } = await run(quick, { duration: '1s', gracefulStop: '300ms', windDownMs: 10_000, failAfterClick: true });
    const handled = quick.stats().events.filter((e) => e.event === 'inc').length;
    expect(started()).toBe(2);
    expect(handled).toBe(2);
    expect(logs).toEqual(['graceful stop: 2 iteration(s) still running after 300 ms, aborting them']);
    expect(count(totals, 'iterations', { result: 'aborted' })).toBe(0);
    expect(count(totals, 'iterations', { result: 'error' })).toBe(2);
    expect(count(totals, 'iterations')).toBe(2);
    expect(count(totals, 'checks', { check: 'after-click', result: 'fail' })).toBe(2);
    expect(count(totals, 'user_errors', { kind: 'scenario' })).toBe(2);
    expect(totals.errors.filter((e) => e.kind === 'user.scenario').reduce((n, e) => n + e.count, 0)).toBe(2);
  }, 30_000);
});
