/**
 * Folds the self-health of worker processes (lite users, src/lite) into a run's health verdict, as Chromium's is:
 * their event-loop lag (exact, from the merged `harness_event_loop_lag_ms{client=…}` histograms), and peak CPU and
 * RSS summed over the workers per interval (`harness_cpu_percent{process=…}`, `harness_rss_bytes{process=…}`).
 * A worker whose event loop lags is a harness bottleneck just like a lagging parent: the run is flagged.
 */
import type { HealthSummary, Interval } from '../metrics/model.js';
import { decodeEntries } from '../metrics/merge.js';
import { createHistogram, scaleOf } from '../metrics/hdr.js';
import { histogramStats } from '../metrics/summary.js';
import { DEFAULT_HEALTH_THRESHOLDS } from './verdict.js';

export function foldWorkerHealth(
  summary: HealthSummary,
  totals: Interval,
  intervals: readonly Interval[],
  group: { client: string; process: string },
  lagP99Ms = DEFAULT_HEALTH_THRESHOLDS.lagP99Ms,
): HealthSummary {
  const lag = createHistogram();
  for (const d of decodeEntries(totals.histograms.filter((h) => h.name === 'harness_event_loop_lag_ms' && h.labels.client === group.client))) lag.add(d.hist);
  if (lag.totalCount === 0) return summary;
  const st = histogramStats(lag, scaleOf('harness_event_loop_lag_ms'));
  const peak = (name: string): number =>
    Math.max(0, ...intervals.map((s) => s.gauges.filter((g) => g.name === name && g.labels.process === group.process).reduce((n, g) => n + g.value, 0)));
  const reasons = [...summary.reasons];
  if (st.p99 > lagP99Ms) {
    reasons.push(`${group.process} worker event-loop lag p99 ${st.p99.toFixed(1)} ms > ${lagP99Ms} ms (max ${st.max.toFixed(1)} ms): those users acted late; run fewer per worker or more workers`);
  }
  return {
    ...summary,
    saturated: summary.saturated || st.p99 > lagP99Ms,
    reasons,
    cpuPeakPercent: { ...summary.cpuPeakPercent, [group.process]: peak('harness_cpu_percent') },
    rssPeakBytes: { ...summary.rssPeakBytes, [group.process]: peak('harness_rss_bytes') },
  };
}
