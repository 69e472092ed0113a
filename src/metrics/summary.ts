/**
 * Turns an encoded histogram into the numbers people read, in the catalogue unit (µs → ms).
 *
 * Every statistic is derived from the bucket counts alone, so a histogram summarised straight from a registry and
 * the same data after any number of encode/merge round trips give identical numbers. Hence min/max are the HDR
 * equivalents of the extremes (min: the lower edge of the lowest bucket, max: the upper edge of the highest one),
 * within 0.1 % of the recorded values, and percentiles are HDR's "highest equivalent value".
 */
import { JsHistogram } from 'hdr-histogram-js';
import { decodeHistogram, scaleOf, type Histogram } from './hdr.js';
import { unitOf } from './catalog.js';
import type { HistogramEntry, MetricSummary } from './model.js';

export const SUMMARY_PERCENTILES = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 } as const;

/** A MetricSummary's numbers, without its identity and encoding. */
export type HistogramStats = Omit<MetricSummary, 'name' | 'labels' | 'unit' | 'hdr'>;

/** Statistics of a decoded histogram, divided by `scale` (base units per catalogue unit). All 0 when empty. */
export function histogramStats(h: Histogram, scale: number): HistogramStats {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: 0, max: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const at = (p: number): number => h.getValueAtPercentile(p) / scale;
  const { mean, stddev } = moments(h);
  return {
    count,
    min: at(0),
    mean: round3(mean / scale),
    max: at(100),
    stddev: round3(stddev / scale),
    p50: at(SUMMARY_PERCENTILES.p50),
    p90: at(SUMMARY_PERCENTILES.p90),
    p95: at(SUMMARY_PERCENTILES.p95),
    p99: at(SUMMARY_PERCENTILES.p99),
    p999: at(SUMMARY_PERCENTILES.p999),
  };
}

export function summarize(entry: HistogramEntry): MetricSummary {
  const unit = unitOf(entry.name);
  if (unit === undefined) throw new Error(`cannot summarise '${entry.name}': not in the metric catalogue`);
  const stats = histogramStats(decodeHistogram(entry.hdr), scaleOf(entry.name));
  return { name: entry.name, labels: entry.labels, unit, ...stats, hdr: entry.hdr };
}

/**
 * Mean and standard deviation over the buckets' median values, as HdrHistogram defines them — computed with two
 * plain passes over the counts, because hdr-histogram-js's recorded-values iterator takes milliseconds per call.
 */
function moments(h: Histogram): { mean: number; stddev: number } {
  if (!(h instanceof JsHistogram)) return { mean: h.mean, stddev: h.stdDeviation };
  const n = h.countsArrayLength;
  let total = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0) {
      total += c;
      sum += h.medianEquivalentValue(h.valueFromIndex(i)) * c;
    }
  }
  if (total === 0) return { mean: 0, stddev: 0 };
  const mean = sum / total;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0) {
      const d = h.medianEquivalentValue(h.valueFromIndex(i)) - mean;
      squares += d * d * c;
    }
  }
  return { mean, stddev: Math.sqrt(squares / total) };
}

/** Means and deviations are not bucket edges; three decimals of the unit (1 µs for ms) is their real precision. */
function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
