/**
 * Builds the results' time series from per-intervals (e.g. `Accumulator.intervals()`).
 *
 * Long runs are downsampled to at most `maxPoints` by merging runs of adjacent intervals exactly (histograms
 * added, counter deltas summed); a gauge takes the reading of the latest interval in the group, which is what a
 * gauge means ("the last reading") — peaks of harness CPU/RSS are kept separately in HealthSummary.
 * Only `_ms` histograms get latency series (p50/p95/p99 + count), to keep results files small; sizes and counts
 * are in the totals. `t` is ms since the run start at each point's interval end.
 */
import { IntervalMerger, decodeEntries } from './merge.js';
import { compareSeries, seriesKey } from './labels.js';
import { unitOf } from './catalog.js';
import { MetricHistogram, scaleOf } from './hdr.js';
import type { Labels, Series, SeriesLatency, SeriesValues, Interval } from './model.js';
import type { IntervalTag } from './windows.js';

export const DEFAULT_MAX_POINTS = 600;

export interface TimelineOptions {
  /** Epoch ms of the run start. */
  startedAt: number;
  /**
   * Width of each input interval. Default: the first interval's width (right for `Accumulator.intervals()`, whose
   * width doubles on long runs — pass `accumulator.intervalMs`, not a constant).
   */
  intervalMs?: number;
  maxPoints?: number;
  /** One tag per input interval (see windows.ts): adds `phase`, `stage` and `saturated` to every point. */
  tags?: readonly IntervalTag[];
}

/** Merges groups of ⌈n / maxPoints⌉ adjacent intervals (exact; gauges: latest reading). Input order is kept. */
export function downsampleIntervals(intervals: readonly Interval[], maxPoints: number = DEFAULT_MAX_POINTS): Interval[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new Error(`maxPoints must be a positive integer, got ${maxPoints}`);
  const factor = groupFactor(intervals.length, maxPoints);
  if (factor === 1) return [...intervals];
  const out: Interval[] = [];
  for (let i = 0; i < intervals.length; i += factor) {
    const m = new IntervalMerger({ gauges: 'last' });
    for (const s of intervals.slice(i, i + factor)) m.add(s);
    out.push(m.result());
  }
  return out;
}

export function buildSeries(intervals: readonly Interval[], options: TimelineOptions): Series {
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  const factor = groupFactor(intervals.length, maxPoints);
  const points = downsampleIntervals(intervals, maxPoints);
  const n = points.length;

  const latency = new Map<string, SeriesLatency>();
  const counters = new Map<string, SeriesValues>();
  const gauges = new Map<string, SeriesValues>();

  points.forEach((point, i) => {
    const decoded = decodeEntries(point.histograms.filter((h) => unitOf(h.name) === 'ms'));
    for (const d of decoded) {
      const row = upsert(latency, d.key, () => ({ name: d.name, labels: d.labels, count: new Array<number>(n).fill(0), p50: nulls(n), p95: nulls(n), p99: nulls(n) }));
      const h = MetricHistogram.of(d.hist, scaleOf(d.name));
      row.count[i] = h.count;
      row.p50[i] = h.percentile(50);
      row.p95[i] = h.percentile(95);
      row.p99[i] = h.percentile(99);
    }
    for (const c of point.counters) {
      // A counter that did not move in an interval moved by 0.
      upsert(counters, seriesKey(c.name, c.labels), () => values(c.name, c.labels, new Array<number | null>(n).fill(0))).values[i] = c.value;
    }
    for (const g of point.gauges) {
      upsert(gauges, seriesKey(g.name, g.labels), () => values(g.name, g.labels, nulls(n))).values[i] = g.value;
    }
  });

  const tagged = options.tags !== undefined && options.tags.length === intervals.length ? groupTags(options.tags, factor) : undefined;
  return {
    intervalMs: (options.intervalMs ?? (intervals[0] === undefined ? 1000 : intervals[0].to - intervals[0].from)) * factor,
    // A merged point ends where its last interval ends (the merger keeps the latest `to`).
    t: points.map((p) => p.to - options.startedAt),
    latency: [...latency.values()].sort(compareSeries),
    counters: [...counters.values()].sort(compareSeries),
    gauges: [...gauges.values()].sort(compareSeries),
    ...(tagged ?? {}),
  };
}

/** Tags of merged points: a saturated interval marks its whole point; phases that differ become `mixed`. */
function groupTags(tags: readonly IntervalTag[], factor: number): Required<Pick<Series, 'phase' | 'stage' | 'saturated'>> {
  const phase: string[] = [];
  const stage: (number | null)[] = [];
  const saturated: boolean[] = [];
  for (let i = 0; i < tags.length; i += factor) {
    const group = tags.slice(i, i + factor);
    const first = group[0]!;
    phase.push(group.every((t) => t.phase === first.phase) ? first.phase : 'mixed');
    stage.push(group.every((t) => t.stage === first.stage) ? first.stage : null);
    saturated.push(group.some((t) => t.saturated));
  }
  return { phase, stage, saturated };
}

function groupFactor(n: number, maxPoints: number): number {
  return Math.max(1, Math.ceil(n / maxPoints));
}

function nulls(n: number): (number | null)[] {
  return new Array<number | null>(n).fill(null);
}

function values(name: string, labels: Labels, v: (number | null)[]): SeriesValues {
  return { name, labels, values: v };
}

function upsert<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
