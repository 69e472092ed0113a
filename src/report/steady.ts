/**
 * Steady state beside the whole run, for the console summary and the HTML report: the same timing series, once
 * over every interval and once over hold-phase intervals in which the harness was not saturated, plus what was
 * left out and why (nothing is dropped silently).
 */
import type { MetricSummary, Results } from '../metrics/model.js';
import type { ExcludedRange } from '../metrics/windows.js';
import { roundTo } from '../common/round.js';
import { formatDuration, metricKey } from './format.js';

export interface SteadyRow {
  key: string;
  name: string;
  labels: MetricSummary['labels'];
  whole: MetricSummary;
  steady: MetricSummary | undefined;
}

/** Timing series of the whole run with their steady-state counterpart (busiest first within the given order). */
export function steadyRows(results: Results, order: readonly string[]): SteadyRow[] {
  const steady = new Map((results.steady?.metrics ?? []).map((m) => [metricKey(m.name, m.labels), m]));
  const rank = (n: string): number => {
    const i = order.indexOf(n);
    return i === -1 ? order.length : i;
  };
  return results.metrics
    .filter((m) => m.unit === 'ms' && order.includes(m.name) && m.count > 0)
    .sort((a, b) => rank(a.name) - rank(b.name) || b.count - a.count)
    .map((m) => {
      const key = metricKey(m.name, m.labels);
      return { key, name: m.name, labels: m.labels, whole: m, steady: steady.get(key) };
    });
}

/** One line: what the steady state covers and what it left out. */
export function steadyHeadline(results: Results): string | undefined {
  const s = results.steady;
  if (!s) return undefined;
  const left = s.excludedIntervals === 0 ? 'none left out' : `${s.excludedIntervals} hold interval${s.excludedIntervals === 1 ? '' : 's'} left out`;
  return `Steady state (${s.selector}): ${s.intervals} interval${s.intervals === 1 ? '' : 's'} = ${formatDuration(s.durationMs)}, ${left}`;
}

/** `12–15 s hold: harness saturated` lines for the excluded ranges, at most `max` (then a count of the rest). */
export function excludedLines(ranges: readonly ExcludedRange[], max = 12): string[] {
  const out = ranges.slice(0, max).map((r) => `${trim(r.fromMs / 1000)}–${trim(r.toMs / 1000)} s ${r.phase} (${r.intervals} interval${r.intervals === 1 ? '' : 's'}): ${r.reasons.join(', ')}`);
  if (ranges.length > max) out.push(`… and ${ranges.length - max} more range${ranges.length - max === 1 ? '' : 's'} (results.steady.excluded)`);
  return out;
}

function trim(s: number): string {
  return String(roundTo(s, 1));
}

/** The timing metrics shown side by side, in reading order. */
export const STEADY_ORDER = ['ws_heartbeat_rtt_ms', 'lv_event_rtt_ms', 'lv_patch_ms', 'lv_mount_ms', 'lv_join_ms', 'http_document_ms', 'ws_connect_ms', 'step_ms', 'iteration_ms'] as const;
