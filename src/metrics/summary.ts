/**
 * Turns an encoded histogram into the numbers people read, in the catalogue unit (µs → ms). The figures come from
 * the one histogram value (`MetricHistogram`, hdr.ts), so the report, compare and thresholds read the same mean
 * and percentiles as `metrics[]`.
 */
import { MetricHistogram, scaleOf, SUMMARY_PERCENTILES, type Histogram, type HistogramFigures } from './hdr.js';
import { unitOf } from './catalog.js';
import type { HistogramEntry, MetricSummary } from './model.js';

/** A MetricSummary's numbers, without its identity and encoding. */
export type HistogramStats = HistogramFigures;

/** Statistics of a decoded histogram, divided by `scale` (base units per catalogue unit). All 0 when empty. */
export function histogramStats(h: Histogram, scale: number): HistogramStats {
  return MetricHistogram.of(h, scale).figures();
}

export function summarize(entry: HistogramEntry): MetricSummary {
  const unit = unitOf(entry.name);
  if (unit === undefined) throw new Error(`cannot summarise '${entry.name}': not in the metric catalogue`);
  const figures = MetricHistogram.decode(entry.hdr, scaleOf(entry.name)).figures();
  return { name: entry.name, labels: entry.labels, unit, ...figures, hdr: entry.hdr };
}
