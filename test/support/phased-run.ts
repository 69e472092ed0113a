/**
 * A recorded run with known phases and saturation, through the real registry → accumulator → results pipeline:
 * 12 one-second intervals; the load starts 1 s after the run (browser launch), ramps 3 s, holds 8 s. Interval i
 * records i+1 RTTs of 10·(i+1) ms and one heartbeat of 2 ms; interval 6 carries the sampler's saturation flag and
 * interval 7 an event-loop lag of 120 ms.
 */
import { Accumulator } from '../../src/metrics/accumulator.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { assembleResults } from '../../src/load/run-results.js';
import type { LoadProfile } from '../../src/load/profile.js';
import type { HealthSummary, Results, Interval } from '../../src/metrics/model.js';

export const PHASED_START = 1_700_000_000_000;
export const constantProfile = (users: number, rampMs: number, durationMs: number): LoadProfile => ({ kind: 'constant', users, rampMs, durationMs, gracefulStopMs: 0 });
export const QUIET_HEALTH: HealthSummary = { saturated: false, reasons: [], eventLoopLagP99Ms: 1, eventLoopLagMaxMs: 2, cpuPeakPercent: {}, rssPeakBytes: {}, cores: 2 };

export function recordPhasedRun(): { intervals: Interval[]; acc: Accumulator; rtts: (i: number) => number[] } {
  const reg = new MetricsRegistry({ startedAt: PHASED_START });
  const acc = new Accumulator({ startedAt: PHASED_START, intervalMs: 1000 });
  const rtts = (i: number): number[] => Array.from({ length: i + 1 }, () => 10 * (i + 1));
  for (let i = 0; i < 12; i++) {
    for (const v of rtts(i)) reg.record('lv_event_rtt_ms', { event: 'inc', view: '/c' }, v);
    reg.count('lv_events', { event: 'inc', view: '/c' }, i + 1);
    reg.record('ws_heartbeat_rtt_ms', {}, 2);
    reg.gauge('harness_saturated', {}, i === 6 ? 1 : 0);
    reg.record('harness_event_loop_lag_ms', {}, i === 7 ? 120 : 2);
    acc.add(reg.takeInterval(PHASED_START + (i + 1) * 1000));
  }
  return { intervals: acc.intervals(), acc, rtts };
}

export function phasedResults(thresholds: string[] = []): Results {
  const { acc } = recordPhasedRun();
  return assembleResults({
    scenario: 'phased',
    target: 'http://127.0.0.1:1',
    profile: constantProfile(5, 3000, 8000),
    startedAt: PHASED_START,
    endedAt: PHASED_START + 12_000,
    loadStartedAt: PHASED_START + 1000,
    accumulator: acc,
    health: QUIET_HEALTH,
    versions: {},
    thresholds,
  });
}
