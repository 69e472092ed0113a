/**
 * Exact merging of snapshots: histograms are decoded, added bucket by bucket and re-encoded (all share one HDR
 * configuration, see hdr.ts), counters add, error counts add and keep the earliest samples. The same code merges
 * snapshots of different sources for one interval (gauges summed: total users across runners) and adjacent
 * intervals of a time series (gauges: the latest interval's reading, since a gauge is "the last reading").
 */
import { createHistogram, decodeHistogram, encodeHistogram, type Histogram } from './hdr.js';
import { compareSeries, formatSeries, seriesKey } from './labels.js';
import type { CounterEntry, ErrorEntry, ErrorSample, HistogramEntry, Labels, Interval } from './model.js';
import { DEFAULT_ERROR_SAMPLES } from './registry.js';

export interface MergeOptions {
  /**
   * How gauges of the same series combine: `sum` for snapshots of the same interval from different sources
   * (default), `last` for adjacent intervals (the reading of the snapshot with the latest `to` wins).
   */
  gauges?: 'sum' | 'last';
  /** Error samples kept per kind (earliest first). Default 5. */
  maxErrorSamples?: number;
}

export interface DecodedHistogram {
  readonly name: string;
  readonly labels: Labels;
  readonly key: string;
  readonly hist: Histogram;
}

/** Decodes every histogram of a snapshot; throws (naming the series) before anything is merged. */
export function decodeEntries(entries: readonly HistogramEntry[]): DecodedHistogram[] {
  return entries.map((e) => {
    try {
      return { name: e.name, labels: e.labels, key: seriesKey(e.name, e.labels), hist: decodeHistogram(e.hdr) };
    } catch (cause) {
      throw new Error(`histogram ${formatSeries(e.name, e.labels)}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  });
}

interface MutableHistogram {
  name: string;
  labels: Labels;
  hist: Histogram;
}
interface MutableValue {
  name: string;
  labels: Labels;
  value: number;
  /** `to` of the snapshot the value came from (for `last` gauges). */
  to: number;
}

/** Accumulates snapshots into one; `result()` can be called any number of times. */
export class IntervalMerger {
  private readonly gaugeMode: 'sum' | 'last';
  private readonly maxSamples: number;
  private from = Infinity;
  private to = -Infinity;
  private readonly histograms = new Map<string, MutableHistogram>();
  private readonly counters = new Map<string, MutableValue>();
  private readonly gauges = new Map<string, MutableValue>();
  private readonly errors = new Map<string, { count: number; samples: ErrorSample[] }>();

  constructor(options: MergeOptions = {}) {
    this.gaugeMode = options.gauges ?? 'sum';
    this.maxSamples = options.maxErrorSamples ?? DEFAULT_ERROR_SAMPLES;
  }

  get empty(): boolean {
    return this.from === Infinity;
  }

  add(s: Interval): this {
    return this.apply(s, decodeEntries(s.histograms), true);
  }

  /**
   * Adds a snapshot whose histograms the caller already decoded (`decoded` from `decodeEntries(s.histograms)`),
   * so one decode can feed several mergers. The decoded histograms are copied, never kept.
   */
  addDecoded(s: Interval, decoded: readonly DecodedHistogram[]): this {
    return this.apply(s, decoded, false);
  }

  private apply(s: Interval, decoded: readonly DecodedHistogram[], owned: boolean): this {
    this.from = Math.min(this.from, s.from);
    this.to = Math.max(this.to, s.to);
    for (const d of decoded) {
      const mine = this.histograms.get(d.key);
      if (mine !== undefined) {
        mine.hist.add(d.hist);
      } else {
        let hist = d.hist;
        if (!owned) {
          hist = createHistogram();
          hist.add(d.hist);
        }
        this.histograms.set(d.key, { name: d.name, labels: d.labels, hist });
      }
    }
    for (const c of s.counters) {
      const key = seriesKey(c.name, c.labels);
      const mine = this.counters.get(key);
      if (mine !== undefined) mine.value += c.value;
      else this.counters.set(key, { name: c.name, labels: c.labels, value: c.value, to: s.to });
    }
    for (const g of s.gauges) {
      const key = seriesKey(g.name, g.labels);
      const mine = this.gauges.get(key);
      if (mine === undefined) {
        this.gauges.set(key, { name: g.name, labels: g.labels, value: g.value, to: s.to });
      } else if (this.gaugeMode === 'sum') {
        mine.value += g.value;
      } else if (s.to >= mine.to) {
        mine.value = g.value;
        mine.to = s.to;
      }
    }
    for (const e of s.errors) {
      const mine = this.errors.get(e.kind);
      if (mine === undefined) {
        this.errors.set(e.kind, { count: e.count, samples: earliest(e.samples, this.maxSamples) });
      } else {
        mine.count += e.count;
        mine.samples = earliest([...mine.samples, ...e.samples], this.maxSamples);
      }
    }
    return this;
  }

  result(): Interval {
    const histograms: HistogramEntry[] = [...this.histograms.values()].map((h) => ({ name: h.name, labels: h.labels, hdr: encodeHistogram(h.hist) }));
    const values = (m: Map<string, MutableValue>): CounterEntry[] => [...m.values()].map((v) => ({ name: v.name, labels: v.labels, value: v.value }));
    const counters = values(this.counters);
    const gauges = values(this.gauges);
    const errors: ErrorEntry[] = [...this.errors].map(([kind, e]) => ({ kind, count: e.count, samples: [...e.samples] }));
    histograms.sort(compareSeries);
    counters.sort(compareSeries);
    gauges.sort(compareSeries);
    errors.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
    const empty = this.empty;
    return { schema: 'rookery/snapshot@1', from: empty ? 0 : this.from, to: empty ? 0 : this.to, histograms, counters, gauges, errors };
  }
}

/** Exact merge of two snapshots (see MergeOptions for gauges). */
export function mergeIntervals(a: Interval, b: Interval, options?: MergeOptions): Interval {
  return new IntervalMerger(options).add(a).add(b).result();
}

function earliest(samples: readonly ErrorSample[], n: number): ErrorSample[] {
  if (samples.length <= 1) return samples.slice(0, n);
  // Stable and total order, so merge order never changes which samples survive.
  return [...samples]
    .sort((x, y) => x.at - y.at || (x.message < y.message ? -1 : x.message > y.message ? 1 : 0))
    .slice(0, n);
}

