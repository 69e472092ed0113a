/**
 * Runner snapshots carry the runner's own clock. Machines' clocks disagree (by seconds, sometimes), so the
 * collector never compares them: it shifts each snapshot by (its run start − the runner's run start), both
 * taken at the start barrier, which leaves only the barrier's network delay (milliseconds) as error.
 */
import type { Interval } from '../metrics/model.js';

export function rebaseInterval(s: Interval, runnerStartedAt: number, collectorStartedAt: number): Interval {
  const shift = collectorStartedAt - runnerStartedAt;
  if (shift === 0) return s;
  return {
    ...s,
    from: s.from + shift,
    to: s.to + shift,
    errors: s.errors.map((e) => ({ ...e, samples: e.samples.map((sm) => ({ ...sm, at: sm.at + shift })) })),
    ...(s.connected ? { connected: s.connected.map((c) => ({ ...c, from: c.from + shift, to: c.to + shift })) } : {}),
  };
}

/** The gauges of a lost runner set to 0, so run totals stop counting its users and its processes. */
export function zeroGauges(last: Interval | undefined, at: number): Interval {
  return {
    schema: 'rookery/snapshot@1',
    from: at,
    to: at,
    histograms: [],
    counters: [],
    gauges: (last?.gauges ?? []).map((g) => ({ name: g.name, labels: g.labels, value: 0 })),
    errors: [],
  };
}
