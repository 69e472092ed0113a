/**
 * Live progress while a run goes: one line per second on a TTY (rewritten in place), a plain line every few
 * seconds otherwise (CI logs). Reads the latest interval plus engine status (load/progress-state.ts);
 * pure formatting.
 */
import { MetricHistogram, scaleOf } from '../metrics/hdr.js';
import type { Interval } from '../metrics/model.js';
import type { ProgressState } from '../load/progress-state.js';

/** Defined in load/ (which produces it, below report); re-exported for the readers of progress here. */
export type { ProgressState };

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** p95 of all histograms named `name` in an interval, merged exactly; ms metrics are stored in µs. */
export function intervalPercentile(snapshot: Interval | undefined, name: string, p: number): number | undefined {
  if (!snapshot) return undefined;
  const entries = snapshot.histograms.filter((h) => h.name === name);
  if (entries.length === 0) return undefined;
  const merged = MetricHistogram.decodeAll(
    entries.map((e) => e.hdr),
    scaleOf(name),
  );
  return merged.count > 0 ? merged.percentile(p) : undefined;
}

export function intervalCount(snapshot: Interval | undefined, name: string): number {
  if (!snapshot) return 0;
  let n = 0;
  for (const c of snapshot.counters) if (c.name === name) n += c.value;
  return n;
}

export function formatProgress(s: ProgressState): string {
  const span = s.interval ? Math.max(1, s.interval.to - s.interval.from) / 1000 : 1;
  const eventsPerSec = intervalCount(s.interval, 'lv_events') / span;
  const p95 = intervalPercentile(s.interval, 'lv_event_rtt_ms', 95);
  const parts = [
    `${seconds(s.elapsedMs)}/${seconds(s.totalMs)}`,
    `users ${s.active}/${s.target}${s.opening && s.opening.waiting > 0 ? ` (${s.opening.waiting} waiting, opening ${s.opening.perSecond.toFixed(1)}/s)` : ''}`,
    `iter ${s.iterations}`,
    `${eventsPerSec.toFixed(1)} ev/s`,
    `rtt p95 ${p95 === undefined ? '–' : `${p95.toFixed(1)}ms`}`,
    `errors ${s.errors}`,
  ];
  if (s.lvErrors !== undefined) parts.push(`lv_errors ${s.lvErrors}`);
  if (s.dropped > 0) parts.push(`dropped ${s.dropped}`);
  if (s.runners && !s.runners.inProcess) parts.push(`runners ${s.runners.live}/${s.runners.total}`);
  if (s.health) parts.push(s.health);
  if (s.saturated) parts.push('⚠ HARNESS SATURATED');
  return parts.join(' · ');
}
