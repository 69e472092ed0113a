/**
 * The one HDR histogram configuration Rookery uses, and its codec. Every histogram — in a runner's registry, in
 * the collector's totals, in a results file — has the same configuration, so adding two of them is exact: the
 * counts arrays line up bucket for bucket.
 *
 * Implementation choice: the pure-JS `Int32Histogram` of hdr-histogram-js, not the WASM one. WASM histograms
 * live in linear memory that must be freed by hand (`destroy()`), which a registry of thousands of short-lived
 * decoded histograms would leak; the JS one is synchronous (no init), and measured here it records in ~150 ns,
 * encodes a typical interval histogram in ~40 µs and decodes+adds it in ~80 µs — far below what thousands of
 * records per second need. `packed` histograms use less memory but encode/decode ~25× slower, which the collector
 * pays per runner per second. 32-bit counts per bucket are plenty: one bucket would need 2³¹ samples to overflow.
 *
 * Values are integers in base units: milliseconds are stored as microseconds (so sub-ms latencies keep their
 * precision), bytes and counts as is.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, JsHistogram, type Histogram } from 'hdr-histogram-js';
import { roundTo } from '../common/round.js';
import { unitOf } from './catalog.js';

export type { Histogram };

/** Three significant digits: values are resolved to within 0.1 %. */
export const HDR_SIGNIFICANT_DIGITS = 3;
const BIT_BUCKET_SIZE = 32;

/** Base-unit integers per unit: ms → µs (1000), anything else 1. */
export function scaleOfUnit(unit: string): number {
  return unit === 'ms' ? 1000 : 1;
}

/** Scale of a catalogue metric (1 for unknown names, so old or foreign results still decode). */
export function scaleOf(name: string): number {
  const unit = unitOf(name);
  return unit === undefined ? 1 : scaleOfUnit(unit);
}

export function createHistogram(): Histogram {
  return build({
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: HDR_SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/**
 * Decodes a compressed base64 histogram. Throws on anything that is not one (bad base64, wrong cookie, truncated
 * payload) and on histograms of another precision, which would not add exactly.
 */
export function decodeHistogram(encoded: string): Histogram {
  let h: Histogram;
  try {
    h = decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false);
  } catch (cause) {
    throw new Error(`not an HDR histogram (compressed base64): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (h.numberOfSignificantValueDigits !== HDR_SIGNIFICANT_DIGITS) {
    throw new Error(`HDR histogram has ${h.numberOfSignificantValueDigits} significant digits, expected ${HDR_SIGNIFICANT_DIGITS}`);
  }
  h.autoResize = true;
  return h;
}

/** One HDR bucket, in the metric's unit: every sample in it is reported as `value`, the bucket's top. */
export interface HistogramBucket {
  value: number;
  count: number;
}

/** The numbers a histogram summarises to (a MetricSummary without identity and encoding). All 0 when empty. */
export interface HistogramFigures {
  count: number;
  min: number;
  mean: number;
  max: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/** The percentiles a summary carries. */
export const SUMMARY_PERCENTILES = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 } as const;

/**
 * A metric's distribution as one value: the HDR convention in one place — storage in base units (ms as µs), the
 * codec, exact merging, and every figure read from it (percentiles, min/max, mean, stddev, buckets) in the
 * metric's unit. The summary in a results file (`metrics[]`), the reports and the test fakes all read figures
 * through this class, so a histogram has one mean and one p95 wherever it is shown.
 *
 * Every figure is derived from the bucket counts alone, so a histogram summarised straight from a registry and the
 * same data after any number of encode/merge round trips give identical numbers: min/max are the lower edge of
 * the lowest bucket and the upper edge of the highest (within 0.1 % of the recorded values), percentiles are
 * HdrHistogram's "highest equivalent value", mean and stddev use each bucket's median equivalent value.
 */
export class MetricHistogram {
  private constructor(
    /** The underlying histogram, in base units. Owned: do not keep it after handing the value on. */
    readonly hist: Histogram,
    /** Base units per metric unit (1000 for ms). */
    readonly scale: number,
  ) {}

  static empty(scale: number): MetricHistogram {
    return new MetricHistogram(createHistogram(), scale);
  }

  /** An encoded histogram (compressed base64; '' is empty) of a metric with this scale. Throws if undecodable. */
  static decode(encoded: string, scale: number): MetricHistogram {
    return new MetricHistogram(encoded === '' ? createHistogram() : decodeHistogram(encoded), scale);
  }

  /** Wraps a decoded histogram (base units), which the value then owns. */
  static of(hist: Histogram, scale: number): MetricHistogram {
    return new MetricHistogram(hist, scale);
  }

  /** Samples in the metric's unit, stored as the engine stores them. */
  static fromSamples(samples: readonly number[], scale: number): MetricHistogram {
    const h = MetricHistogram.empty(scale);
    for (const v of samples) h.record(v);
    return h;
  }

  /** Encoded histograms of one metric (e.g. every label set of a name in an interval), merged exactly. */
  static decodeAll(encoded: readonly string[], scale: number): MetricHistogram {
    const out = MetricHistogram.empty(scale);
    for (const e of encoded) if (e !== '') out.hist.add(decodeHistogram(e));
    return out;
  }

  /** Exact merge (bucket counts add) of histograms of one metric; the parts are not changed. */
  static merge(parts: readonly MetricHistogram[], scale: number): MetricHistogram {
    const out = MetricHistogram.empty(scale);
    for (const p of parts) out.add(p);
    return out;
  }

  /** Records one value given in the metric's unit (negative values count as 0). */
  record(value: number): this {
    this.hist.recordValue(Math.max(0, Math.round(value * this.scale)));
    return this;
  }

  add(other: MetricHistogram): this {
    if (other.scale !== this.scale) throw new Error(`cannot add a histogram of scale ${other.scale} to one of scale ${this.scale}`);
    this.hist.add(other.hist);
    return this;
  }

  encode(): string {
    return encodeHistogram(this.hist);
  }

  get count(): number {
    return this.hist.totalCount;
  }

  /** Value at a percentile (0–100) in the metric's unit; 0 when empty. */
  percentile(p: number): number {
    return this.count === 0 ? 0 : this.hist.getValueAtPercentile(p) / this.scale;
  }

  /** Mean over the buckets' median values, in the unit, to three decimals (1 µs for ms); 0 when empty. */
  get mean(): number {
    return roundTo(this.moments().mean / this.scale, 3);
  }

  get stddev(): number {
    return roundTo(this.moments().stddev / this.scale, 3);
  }

  figures(): HistogramFigures {
    if (this.count === 0) return { count: 0, min: 0, mean: 0, max: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
    // Means and deviations are not bucket edges; three decimals of the unit (1 µs for ms) is their real precision.
    const { mean, stddev } = this.moments();
    return {
      count: this.count,
      min: this.percentile(0),
      mean: roundTo(mean / this.scale, 3),
      max: this.percentile(100),
      stddev: roundTo(stddev / this.scale, 3),
      p50: this.percentile(SUMMARY_PERCENTILES.p50),
      p90: this.percentile(SUMMARY_PERCENTILES.p90),
      p95: this.percentile(SUMMARY_PERCENTILES.p95),
      p99: this.percentile(SUMMARY_PERCENTILES.p99),
      p999: this.percentile(SUMMARY_PERCENTILES.p999),
    };
  }

  /** Non-empty buckets, ascending, each at its top value in the metric's unit. */
  buckets(): HistogramBucket[] {
    const out: HistogramBucket[] = [];
    if (!(this.hist instanceof JsHistogram)) return out;
    const h = this.hist;
    const n = h.countsArrayLength;
    // One pass over the counts array (bounded by its length); the library's recorded-values iterator is far slower.
    for (let i = 0; i < n; i++) {
      const c = h.getCountAtIndex(i);
      if (c > 0) out.push({ value: h.highestEquivalentValue(h.valueFromIndex(i)) / this.scale, count: c });
    }
    return out;
  }

  /**
   * Mean and standard deviation over the buckets' median values, as HdrHistogram defines them — two plain passes
   * over the counts, because hdr-histogram-js's recorded-values iterator takes milliseconds per call.
   */
  private moments(): { mean: number; stddev: number } {
    const h = this.hist;
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
}
