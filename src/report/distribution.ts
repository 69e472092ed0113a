/**
 * Distributions re-derived from a metric's encoded HDR histogram. Reports read `hdr` directly (not the metrics
 * engine) so that compare and percentile plots work on any results file, from any runner. Every figure comes from
 * the one histogram value (`MetricHistogram`, src/metrics/hdr.ts): a distribution's mean and percentiles are the
 * ones `metrics[]` carries.
 *
 * Storage convention: `_ms` metrics are recorded in microseconds (integer HDR values keep sub-ms resolution);
 * bytes and counts are recorded as is. Everything returned here is in the metric's unit.
 */
import { MetricHistogram, scaleOfUnit, type HistogramBucket } from '../metrics/hdr.js';

/** One HDR bucket: every sample in it is reported as `value` (the bucket's highest equivalent value). */
export type Bucket = HistogramBucket;

export interface Distribution {
  unit: string;
  /** Ascending by value; zero-count buckets omitted. */
  buckets: Bucket[];
  total: number;
  /** The histogram the buckets came from: mean and percentiles are read from it. */
  histogram: MetricHistogram;
}

function distributionOf(histogram: MetricHistogram, unit: string): Distribution {
  return { unit, buckets: histogram.buckets(), total: histogram.count, histogram };
}

/** Decode an encoded histogram into buckets in the metric's unit. Empty input gives an empty distribution. */
export function decodeDistribution(encoded: string, unit: string): Distribution {
  let histogram: MetricHistogram;
  try {
    histogram = MetricHistogram.decode(encoded, scaleOfUnit(unit));
  } catch (err) {
    throw new Error(`undecodable HDR histogram: ${err instanceof Error ? err.message : String(err)}`);
  }
  return distributionOf(histogram, unit);
}

/** Exact merge of distributions of the same metric (e.g. across labels): bucket counts add. */
export function mergeDistributions(parts: readonly Distribution[], unit: string): Distribution {
  return distributionOf(
    MetricHistogram.merge(
      parts.map((p) => p.histogram),
      scaleOfUnit(unit),
    ),
    unit,
  );
}

/** Value at a percentile (0–100), HdrHistogram's convention (the summary's p50/p95/p99); null when empty. */
export function valueAtPercentile(dist: Distribution, percentile: number): number | null {
  if (dist.total === 0) return null;
  return dist.histogram.percentile(Math.min(100, Math.max(0, percentile)));
}

/** The mean, as `metrics[].mean` states it; null when empty. */
export function meanOf(dist: Distribution): number | null {
  return dist.total === 0 ? null : dist.histogram.mean;
}

/**
 * Percentiles 0, 50, 75, 87.5, … (four points per halving of the tail) up to the resolution that `maxCount`
 * samples can support (beyond 1/(1−p) > n a percentile is just the maximum), capped at 99.999.
 * Percentile grid for HDR-style plots: x = 1/(1−p), so 90 %, 99 %, 99.9 % are evenly spaced on a log axis.
 */
export function percentileGrid(maxCount: number): number[] {
  const out: number[] = [];
  const limit = Math.min(Math.max(maxCount, 2), 100_000);
  for (let i = 0; i < 200; i++) {
    const tail = Math.pow(2, -i / 4);
    if (1 / tail > limit) break;
    out.push(100 * (1 - tail));
  }
  return out;
}

/**
 * The values at each percentile of the grid; null where the distribution has too few samples for that
 * percentile to mean anything other than "the maximum".
 */
export function valuesAtPercentiles(dist: Distribution, grid: readonly number[]): (number | null)[] {
  return grid.map((p) => {
    if (dist.total === 0) return null;
    const x = 1 / (1 - p / 100);
    if (x > dist.total) return null;
    return valueAtPercentile(dist, p);
  });
}
