/**
 * Runner snapshots carry the runner's own clock. Machines' clocks disagree (by seconds, sometimes), so the
 * collector never compares them: it shifts each snapshot by (its run start − the runner's run start), both
 * taken at the start barrier, which leaves only the barrier's network delay (milliseconds) as error.
 */
import type { Snapshot } from '../metrics/model.js';

export function rebaseSnapshot(s: Snapshot, runnerStartedAt: number, collectorStartedAt: number): Snapshot {
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
export function zeroGauges(last: Snapshot | undefined, at: number): Snapshot {
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
