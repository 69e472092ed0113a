/**
 * Which intervals of a run a figure may use. Every interval is tagged with its load phase (setup, ramp, hold,
 * ramp-down, stop; stage number) and whether the harness was saturated in it; windows of intervals are merged
 * exactly (HDR histograms added, counters summed), so "hold phase, unsaturated" is a real distribution, not an
 * average of percentiles. Nothing is dropped silently: a window says which intervals it left out and why.
 */
import { createHistogram, scaleOf } from './hdr.js';
import { IntervalMerger, decodeEntries } from './merge.js';
import { unitOf } from './catalog.js';
import { summarize } from './summary.js';
import { compareSeries } from './labels.js';
import type { CounterEntry, MetricSummary, Interval } from './model.js';

import { INTERVAL_PHASES, type ExcludedRange, type IntervalPhaseName, type WindowFigures } from '../contract/results.js';

export { INTERVAL_PHASES };
export type { ExcludedRange, IntervalPhaseName, WindowFigures };

/** Gauge the health sampler sets to 1 in an interval where the harness was saturated (summed over runners). */
export const SATURATED_GAUGE = 'harness_saturated';
export const LAG_HISTOGRAM = 'harness_event_loop_lag_ms';

export interface IntervalTag {
  /** ms since the run started, interval start and end. */
  fromMs: number;
  toMs: number;
  phase: IntervalPhaseName;
  /** 1-based stage (profile position) of the phase; null before and after the schedule. */
  stage: number | null;
  /** The interval lies entirely within its phase (false across a phase boundary). */
  whole: boolean;
  saturated: boolean;
  /** Why it is saturated (empty when it is not). */
  reasons: string[];
}

/** Saturation of one interval: the sampler's own flag, or the interval's event-loop lag p99 above `lagP99Ms`. */
export function intervalSaturation(s: Interval, lagP99Ms = 50): { saturated: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const flagged = s.gauges.filter((g) => g.name === SATURATED_GAUGE).reduce((n, g) => n + g.value, 0);
  if (flagged > 0) reasons.push(flagged === 1 ? 'harness saturated' : `harness saturated on ${flagged} runners`);
  const lag = s.histograms.filter((h) => h.name === LAG_HISTOGRAM);
  if (lag.length > 0) {
    const h = createHistogram();
    for (const d of decodeEntries(lag)) h.add(d.hist);
    const p99 = h.getValueAtPercentile(99) / scaleOf(LAG_HISTOGRAM);
    if (p99 > lagP99Ms) reasons.push(`event-loop lag p99 ${Math.round(p99)} ms`);
  }
  return { saturated: reasons.length > 0, reasons };
}

/** Which intervals a window takes. `phase` or `stage` without `saturated` excludes saturated intervals. */
export interface IntervalSelector {
  phase?: IntervalPhaseName;
  stage?: number;
  /** true: only saturated intervals; false: only unsaturated ones; 'any': both. */
  saturated?: boolean | 'any';
}

export interface WindowSelection {
  included: number[];
  /** Intervals of the selected phase/stage left out (saturated, or straddling a phase boundary), as ranges. */
  excluded: ExcludedRange[];
}

export function selectIntervals(tags: readonly IntervalTag[], sel: IntervalSelector): WindowSelection {
  const saturated = sel.saturated ?? (sel.phase !== undefined || sel.stage !== undefined ? false : 'any');
  const included: number[] = [];
  const left: Array<{ tag: IntervalTag; reasons: string[] }> = [];
  tags.forEach((tag, i) => {
    if (sel.phase !== undefined && tag.phase !== sel.phase) return;
    if (sel.stage !== undefined && tag.stage !== sel.stage) return;
    const reasons: string[] = [];
    if ((sel.phase !== undefined || sel.stage !== undefined) && !tag.whole) reasons.push('phase boundary');
    if (saturated === false && tag.saturated) reasons.push(...tag.reasons);
    if (saturated === true && !tag.saturated) reasons.push('not saturated');
    if (reasons.length === 0) included.push(i);
    else left.push({ tag, reasons });
  });
  return { included, excluded: ranges(left) };
}

/** Consecutive excluded intervals with the same phase and reasons become one range (bounded output). */
function ranges(left: ReadonlyArray<{ tag: IntervalTag; reasons: string[] }>): ExcludedRange[] {
  const out: ExcludedRange[] = [];
  for (const { tag, reasons } of left) {
    const kind = reasons.map((r) => r.replace(/\d+ ms$/, '')).join('|');
    const last = out[out.length - 1];
    const lastKind = last?.reasons.map((r) => r.replace(/\d+ ms$/, '')).join('|');
    if (last && last.toMs === tag.fromMs && last.phase === tag.phase && lastKind === kind) {
      last.toMs = tag.toMs;
      last.intervals++;
      // Keep the worst lag figure of the range.
      last.reasons = last.reasons.map((r, i) => worse(r, reasons[i] ?? r));
    } else out.push({ fromMs: tag.fromMs, toMs: tag.toMs, intervals: 1, phase: tag.phase, reasons: [...reasons] });
  }
  return out;
}

function worse(a: string, b: string): string {
  const na = Number(/(\d+) ms$/.exec(a)?.[1]);
  const nb = Number(/(\d+) ms$/.exec(b)?.[1]);
  return Number.isFinite(nb) && (!Number.isFinite(na) || nb > na) ? b : a;
}

/** The figures of a window (`WindowFigures`, declared in the contract): merged distributions of its intervals and its counters. */
export function windowFigures(intervals: readonly Interval[], tags: readonly IntervalTag[], sel: IntervalSelector, opts: { onlyTimings?: boolean } = {}): WindowFigures {
  const { included, excluded } = selectIntervals(tags, sel);
  const m = new IntervalMerger({ gauges: 'last' });
  let durationMs = 0;
  for (const i of included) {
    const s = intervals[i];
    if (!s) continue;
    m.add(s);
    durationMs += s.to - s.from;
  }
  const body = m.result();
  const histograms = opts.onlyTimings ? body.histograms.filter((h) => unitOf(h.name) === 'ms') : body.histograms;
  return {
    selector: describeSelector(sel),
    intervals: included.length,
    durationMs,
    excludedIntervals: excluded.reduce((n, r) => n + r.intervals, 0),
    excluded,
    metrics: histograms.map(summarize).sort(compareSeries),
    counters: body.counters.map((c) => ({ name: c.name, labels: c.labels, value: c.value })).sort(compareSeries),
  };
}

export function describeSelector(sel: IntervalSelector): string {
  const saturated = sel.saturated ?? (sel.phase !== undefined || sel.stage !== undefined ? false : 'any');
  const parts: string[] = [];
  if (sel.phase !== undefined) parts.push(`phase=${sel.phase}`);
  if (sel.stage !== undefined) parts.push(`stage=${sel.stage}`);
  if (saturated === false) parts.push('not saturated');
  else if (saturated === true) parts.push('saturated only');
  return parts.length === 0 ? 'whole run' : parts.join(', ');
}

/** The steady state: hold phase, whole intervals, harness not saturated. */
export const STEADY: Readonly<IntervalSelector> = Object.freeze({ phase: 'hold' });
