/**
 * The collector side of metrics: takes intervals from one or many sources (the in-process runner, or
 * remote runners) and keeps, exactly, the run totals and one merged snapshot per interval for the time series.
 *
 * Intervals are fixed buckets of `intervalMs` from `startedAt`; a snapshot lands in the bucket that contains the
 * middle of its interval (runners tick on their own schedules and clocks, so buckets are the common grid). Gauges are kept per source as the
 * source's last reading in the bucket and summed across sources (users across runners). Memory stays bounded on
 * long runs: recent buckets stay decoded so several sources merge cheaply; older ones are kept encoded; and when
 * there would be more than `maxIntervals` buckets, adjacent pairs merge exactly and the interval doubles.
 */
import { IntervalMerger, decodeEntries } from './merge.js';
import { compareSeries, seriesKey } from './labels.js';
import type { CounterEntry, Interval } from './model.js';

export interface AccumulatorOptions {
  /** Epoch ms the run started: bucket 0 is [startedAt, startedAt + intervalMs). */
  startedAt: number;
  /** Default 1000. */
  intervalMs?: number;
  /** Buckets kept before pairs are merged (the interval doubles). Default 1200 (20 min at 1 s). */
  maxIntervals?: number;
  /** Buckets this far behind the newest are encoded; snapshots arriving later still merge, just slower. Default 3. */
  lateIntervals?: number;
  /** Error samples kept per kind. Default 5. */
  maxErrorSamples?: number;
}

/** Snapshots claiming an interval further than this from the run start are refused (a broken clock). */
const MAX_RUN_SPAN_MS = 31 * 24 * 3600 * 1000;

interface Reading {
  to: number;
  entries: readonly CounterEntry[];
}
interface Bucket {
  /** Decoded while recent (cheap to merge more sources into). */
  open: IntervalMerger | undefined;
  /** Encoded once older than `lateIntervals`. Gauges live in `readings`, not here. */
  sealed: Interval | undefined;
  /** Last gauge reading per source. */
  readings: Map<string, Reading>;
}

export class Accumulator {
  readonly startedAt: number;
  private width: number;
  private readonly maxIntervals: number;
  private readonly late: number;
  private readonly maxErrorSamples: number;
  private readonly total: IntervalMerger;
  private readonly latestReadings = new Map<string, Reading>();
  private buckets: (Bucket | undefined)[] = [];
  private newest = -1;
  private sealedThrough = -1;

  constructor(options: AccumulatorOptions) {
    this.startedAt = options.startedAt;
    this.width = options.intervalMs ?? 1000;
    this.maxIntervals = options.maxIntervals ?? 1200;
    this.late = options.lateIntervals ?? 3;
    this.maxErrorSamples = options.maxErrorSamples ?? 5;
    if (!(this.width > 0) || !Number.isInteger(this.width)) throw new Error(`intervalMs must be a positive integer, got ${this.width}`);
    if (!Number.isInteger(this.maxIntervals) || this.maxIntervals < 2) throw new Error(`maxIntervals must be an integer ≥ 2, got ${this.maxIntervals}`);
    this.total = this.merger();
  }

  /** Current bucket width (doubles each time long runs are compacted). */
  get intervalMs(): number {
    return this.width;
  }

  /** Number of buckets from the run start to the newest one that received data. */
  get intervalCount(): number {
    return this.newest + 1;
  }

  /**
   * Merges one snapshot from `source`. Throws, without changing anything, when a histogram does not decode or the
   * interval is implausible.
   */
  add(s: Interval, source = 'local'): void {
    if (!(s.to >= s.from) || Math.abs(s.to - this.startedAt) > MAX_RUN_SPAN_MS) {
      throw new Error(`snapshot interval ${s.from}..${s.to} is not plausible for a run started at ${this.startedAt}`);
    }
    const decoded = decodeEntries(s.histograms);
    const body: Interval = { ...s, gauges: [] };
    this.total.addDecoded(body, decoded);
    keepLatest(this.latestReadings, source, s.to, s.gauges);

    while (this.indexOf(s) >= this.maxIntervals) this.compact();
    const idx = this.indexOf(s);
    const bucket = (this.buckets[idx] ??= { open: undefined, sealed: undefined, readings: new Map() });
    if (bucket.sealed !== undefined) {
      bucket.open = this.merger().add(bucket.sealed);
      bucket.sealed = undefined;
    }
    (bucket.open ??= this.merger()).addDecoded(body, decoded);
    keepLatest(bucket.readings, source, s.to, s.gauges);
    this.newest = Math.max(this.newest, idx);
    if (idx <= this.sealedThrough) this.seal(bucket);
    while (this.sealedThrough < this.newest - this.late) {
      this.sealedThrough += 1;
      const b = this.buckets[this.sealedThrough];
      if (b !== undefined) this.seal(b);
    }
  }

  /** Run totals: histograms and counters over everything; gauges are the sum of each source's latest reading. */
  totals(): Interval {
    const body = this.total.result();
    const empty = this.total.empty;
    return { ...body, from: empty ? this.startedAt : body.from, to: empty ? this.startedAt : body.to, gauges: sumReadings(this.latestReadings) };
  }

  /** One merged snapshot per bucket, contiguous from the run start (empty buckets included), `to` = bucket end. */
  intervals(): Interval[] {
    const out: Interval[] = [];
    for (let i = 0; i <= this.newest; i++) out.push(this.interval(i));
    return out;
  }

  /** The merged snapshot of bucket `index` (0 = first interval). */
  interval(index: number): Interval {
    const b = this.buckets[index];
    const from = this.startedAt + index * this.width;
    const body = b?.sealed ?? b?.open?.result();
    return {
      schema: 'rookery/snapshot@1',
      from,
      to: from + this.width,
      histograms: body?.histograms ?? [],
      counters: body?.counters ?? [],
      gauges: b === undefined ? [] : sumReadings(b.readings),
      errors: body?.errors ?? [],
    };
  }

  private merger(): IntervalMerger {
    return new IntervalMerger({ gauges: 'sum', maxErrorSamples: this.maxErrorSamples });
  }

  /** The bucket holding the snapshot's midpoint: robust to runners whose ticks are offset from ours by < ½ interval. */
  private indexOf(s: Interval): number {
    return Math.max(0, Math.floor(((s.from + s.to) / 2 - this.startedAt) / this.width));
  }

  private seal(b: Bucket): void {
    if (b.open === undefined) return;
    b.sealed = b.open.result();
    b.open = undefined;
  }

  /** Merges bucket pairs (2j, 2j+1) into j: exact for histograms, counters and errors; gauges keep the later reading. */
  private compact(): void {
    const next: (Bucket | undefined)[] = [];
    const newSealedThrough = Math.floor((this.sealedThrough - 1) / 2);
    for (let j = 0; 2 * j < this.buckets.length; j++) {
      const pair = [this.buckets[2 * j], this.buckets[2 * j + 1]].filter((b): b is Bucket => b !== undefined);
      if (pair.length === 0) continue;
      const merged = this.merger();
      const readings = new Map<string, Reading>();
      for (const b of pair) {
        const body = b.sealed ?? b.open?.result();
        if (body !== undefined) merged.add(body);
        for (const [source, r] of b.readings) keepLatest(readings, source, r.to, r.entries);
      }
      const bucket: Bucket = { open: merged, sealed: undefined, readings };
      if (j <= newSealedThrough) this.seal(bucket);
      next[j] = bucket;
    }
    this.buckets = next;
    this.width *= 2;
    this.newest = Math.floor(this.newest / 2);
    this.sealedThrough = newSealedThrough;
  }
}

function keepLatest(map: Map<string, Reading>, source: string, to: number, entries: readonly CounterEntry[]): void {
  const prev = map.get(source);
  if (prev === undefined || to >= prev.to) map.set(source, { to, entries });
}

function sumReadings(readings: ReadonlyMap<string, Reading>): CounterEntry[] {
  const sums = new Map<string, CounterEntry>();
  for (const r of readings.values()) {
    for (const g of r.entries) {
      const key = seriesKey(g.name, g.labels);
      const prev = sums.get(key);
      sums.set(key, { name: g.name, labels: g.labels, value: (prev?.value ?? 0) + g.value });
    }
  }
  return [...sums.values()].sort(compareSeries);
}
