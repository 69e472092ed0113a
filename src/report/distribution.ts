/**
 * Distributions re-derived from a metric's encoded HDR histogram. Reports read `hdr` directly (not the metrics
 * engine) so that compare and percentile plots work on any results file, from any runner.
 *
 * Storage convention: `_ms` metrics are recorded in microseconds (integer HDR values keep sub-ms resolution);
 * bytes and counts are recorded as is. Everything returned here is in the metric's unit.
 */
import { decodeFromCompressedBase64, JsHistogram, type Histogram } from 'hdr-histogram-js';

/** One HDR bucket: every sample in it is reported as `value` (the bucket's highest equivalent value). */
export interface Bucket {
  value: number;
  count: number;
}

export interface Distribution {
  unit: string;
  /** Ascending by value; zero-count buckets omitted. */
  buckets: Bucket[];
  total: number;
}

/** Recorded-value units per metric unit. */
export function hdrScale(unit: string): number {
  return unit === 'ms' ? 1000 : 1;
}

function decodeHistogram(encoded: string): Histogram {
  try {
    return decodeFromCompressedBase64(encoded);
  } catch (err) {
    throw new Error(`undecodable HDR histogram: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Decode an encoded histogram into buckets in the metric's unit. Empty input gives an empty distribution. */
export function decodeDistribution(encoded: string, unit: string): Distribution {
  if (encoded === '') return { unit, buckets: [], total: 0 };
  const histogram = decodeHistogram(encoded);
  const scale = hdrScale(unit);
  const buckets: Bucket[] = [];
  let total = 0;
  if (histogram instanceof JsHistogram) {
    const it = histogram.recordedValuesIterator;
    it.reset();
    // Bounded by the number of non-empty buckets (hasNext turns false once all counts are visited).
    while (it.hasNext()) {
      const v = it.next();
      const count = v.countAtValueIteratedTo;
      if (count > 0) {
        buckets.push({ value: v.valueIteratedTo / scale, count });
        total += count;
      }
    }
  }
  histogram.destroy();
  return { unit, buckets, total };
}

/** Exact merge of distributions of the same metric (e.g. across labels): bucket counts add. */
export function mergeDistributions(parts: readonly Distribution[], unit: string): Distribution {
  const byValue = new Map<number, number>();
  for (const part of parts) for (const b of part.buckets) byValue.set(b.value, (byValue.get(b.value) ?? 0) + b.count);
  const buckets = [...byValue.entries()].sort((x, y) => x[0] - y[0]).map(([value, count]) => ({ value, count }));
  return { unit, buckets, total: buckets.reduce((s, b) => s + b.count, 0) };
}

/**
 * Value at a percentile (0–100): the smallest bucket value whose cumulative count reaches the percentile —
 * the same convention as HdrHistogram's getValueAtPercentile, so it agrees with the summary's p50/p95/p99.
 */
export function valueAtPercentile(dist: Distribution, percentile: number): number | null {
  if (dist.total === 0) return null;
  const p = Math.min(100, Math.max(0, percentile));
  const exact = (p / 100) * dist.total;
  // Guard against the product landing one ulp above an integer (HdrHistogram does the same).
  const target = Math.max(1, Math.ceil(exact - exact * Number.EPSILON));
  let cumulative = 0;
  for (const b of dist.buckets) {
    cumulative += b.count;
    if (cumulative >= target) return b.value;
  }
  return dist.buckets[dist.buckets.length - 1]?.value ?? null;
}

export function meanOf(dist: Distribution): number | null {
  if (dist.total === 0) return null;
  let sum = 0;
  for (const b of dist.buckets) sum += b.value * b.count;
  return sum / dist.total;
}

/** Percentile grid for HDR-style plots: x = 1/(1−p), so 90 %, 99 %, 99.9 % are evenly spaced on a log axis. */
export interface PercentilePoints {
  /** Percentiles (0–100), ascending, shared by every distribution plotted together. */
  percentiles: number[];
}

/**
 * Percentiles 0, 50, 75, 87.5, … (four points per halving of the tail) up to the resolution that `maxCount`
 * samples can support (beyond 1/(1−p) > n a percentile is just the maximum), capped at 99.999.
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
