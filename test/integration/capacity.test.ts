/**
 * Calibration, pre-warm, the ramp governor and phase-aware results end to end, in real Chromium against the
 * fixture. Asserts what the run did (counts, phases, messages), never how fast the machine is.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { useFixture } from '../support/use-fixture.js';
import { calibrate } from '../../src/load/calibrate.js';
import { runLocal } from '../../src/load/run-local.js';
import { CALIBRATION_SCHEMA, type Calibration } from '../../src/load/capacity.js';

const SCENARIO = resolve(import.meta.dirname, '../support/scenarios/heartbeat-clicks.ts');
const fixture = useFixture();

describe('capacity', () => {
  it('calibrate measures positive costs for the scenario and a capacity from them', async () => {
    const c = await calibrate({ scenarioFile: SCENARIO, target: fixture.url, users: 2, steadyMs: 6_000 });
    expect(c.schema).toBe(CALIBRATION_SCHEMA);
    expect(c.scenario).toBe('heartbeat-clicks');
    expect(c.users).toBe(2);
    expect(c.openCpuSeconds).toBeGreaterThan(0);
    expect(c.userCpuPerSecond).toBeGreaterThan(0);
    expect(c.actions).toBeGreaterThan(0);
    expect(c.cpuPerActionMs).toBeGreaterThan(0);
    // PSS per user from a 2-user difference can read 0 on a noisy machine; capacityOf then uses the pool's default.
    expect(c.perUserBytes).toBeGreaterThanOrEqual(0);
    expect(c.capacityUsers).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('a run asked for more than the calibrated capacity warns first, pre-warms, and labels phases and the probe floor', async () => {
    const lines: string[] = [];
    const calibration: Calibration = {
      schema: CALIBRATION_SCHEMA, scenario: 'heartbeat-clicks', measuredAt: '2026-01-01T00:00:00.000Z',
      machine: { hostname: 'test', cores: 2, memoryBytes: 2 ** 34, cpuModel: 'test' }, chromium: undefined,
      users: 1, steadyMs: 1000, openCpuSeconds: 0.3, userCpuPerSecond: 0.7, actions: 1, cpuPerActionMs: 1,
      perUserBytes: 30 * 2 ** 20, browserBaseBytes: 170 * 2 ** 20, idleMachineCpuPercent: undefined, capacityUsers: 1, limitedBy: 'cpu',
    };
    const { results } = await runLocal({
      scenarioFile: SCENARIO,
      overrides: { target: fixture.url, users: 2, ramp: '2s', duration: '4s', gracefulStop: '2s' },
      log: (l) => lines.push(l),
      capacity: { prewarm: true, calibration },
    });
    const warn = lines.findIndex((l) => l.startsWith('WARNING: this machine holds ≈ 1 users of heartbeat-clicks below 70 % CPU; you asked for 2'));
    const prewarm = lines.findIndex((l) => /^prewarm: 2 contexts opened in [\d.]+ s, [\d.]+ CPU-s each$/.test(l));
    expect(warn).toBeGreaterThan(-1);
    expect(prewarm).toBeGreaterThan(warn);
    // Phases in order, every point tagged.
    const phases = results.series.phase!;
    expect(phases.length).toBe(results.series.t.length);
    const order = phases.filter((p, i) => p !== phases[i - 1]);
    expect(order.filter((p) => p !== 'mixed')).toEqual(expect.arrayContaining(['ramp', 'hold']));
    expect(order.indexOf('ramp')).toBeLessThan(order.indexOf('hold'));
    expect(results.series.saturated!.length).toBe(phases.length);
    // Steady state is a subset of the whole run, and the left-out intervals add up.
    const steady = results.steady!;
    const holdPoints = phases.filter((p) => p === 'hold').length;
    expect(steady.intervals + steady.excludedIntervals).toBe(holdPoints);
    const whole = results.metrics.find((m) => m.name === 'lv_event_rtt_ms')!;
    const inSteady = steady.metrics.filter((m) => m.name === 'lv_event_rtt_ms').reduce((n, m) => n + m.count, 0);
    expect(inSteady).toBeLessThanOrEqual(whole.count);
    // Heartbeats every 400 ms on each page: answered ones are the probe floor.
    const sent = results.counters.filter((c) => c.name === 'ws_heartbeats').reduce((n, c) => n + c.value, 0);
    const floor = results.health.probeFloorMs!;
    expect(sent).toBeGreaterThan(0);
    expect(floor.count).toBeGreaterThan(0);
    expect(floor.count).toBeLessThanOrEqual(sent);
    expect(floor.count).toBeGreaterThanOrEqual(sent - 2); // at most one unanswered per page at the end
    expect(results.health.notes?.[0]).toMatch(/^latencies include ≈ [\d.]+ ms of network \+ harness delay/);
    // Users came from pre-warmed contexts; the target and active gauges are both in the series.
    const gauge = (name: string) => results.series.gauges.find((g) => g.name === name)!.values;
    expect(Math.max(...gauge('users_target').map((v) => v ?? 0))).toBe(2);
    expect(Math.max(...gauge('users_active').map((v) => v ?? 0))).toBe(2);
  }, 60_000);
});
