/**
 * The per-test LiveView summary `rookery/test` attaches to the Playwright report: what one test's page did on the
 * wire (mounts, event round trips, diff bytes, errors) from a registry snapshot, as JSON and as a few lines of
 * text. Pure: snapshot in, summary out.
 */
import type { CounterEntry, ErrorEntry, Labels, Interval } from '../metrics/model.js';
import { summarize } from '../metrics/summary.js';
import { formatBytes, formatMs } from '../report/format.js';

export interface LiveViewTestSummary {
  schema: 'rookery/lv-test-summary@1';
  /** Main-view mounts measured by lv.goto (navigation start → connected and rendered, page clock). */
  mounts: Array<{ view: string; count: number; p50Ms: number; maxMs: number }>;
  /** Event round trips (push → phx_reply, CDP clock) and their reply bytes, per event and view. */
  events: Array<{ event: string; view: string; count: number; p50Ms: number; p95Ms: number; maxMs: number; diffBytesTotal: number; diffBytesMax: number }>;
  /** Totals of the catalogue counters (lv_events, lv_joins, lv_errors, ws_frames, ws_bytes, …), summed over labels. */
  totals: Record<string, number>;
  /** Every counter series, as in results.json. */
  counters: CounterEntry[];
  errors: ErrorEntry[];
}

/** Key of an event's exact reply-byte sum in `diffBytes`. */
export const eventKey = (event: string, view: string): string => `${event}\u0001${view}`;

/**
 * `diffBytes` holds exact reply-byte sums per eventKey when the caller kept them (the lv fixture does); otherwise
 * the total is HDR mean × count, within the histogram's 0.1 % precision.
 */
export function liveViewSummary(snapshot: Interval, diffBytes?: ReadonlyMap<string, number>): LiveViewTestSummary {
  const hist = (name: string) => snapshot.histograms.filter((h) => h.name === name).map(summarize);
  const label = (labels: Labels, key: string) => labels[key] ?? '';
  const mounts = hist('lv_mount_ms').map((m) => ({ view: label(m.labels, 'view'), count: m.count, p50Ms: m.p50, maxMs: m.max }));
  const bytes = new Map(hist('lv_diff_bytes').map((b) => [eventKey(label(b.labels, 'event'), label(b.labels, 'view')), b]));
  const events = hist('lv_event_rtt_ms').map((e) => {
    const key = eventKey(label(e.labels, 'event'), label(e.labels, 'view'));
    const b = bytes.get(key);
    return {
      event: label(e.labels, 'event'),
      view: label(e.labels, 'view'),
      count: e.count,
      p50Ms: e.p50,
      p95Ms: e.p95,
      maxMs: e.max,
      diffBytesTotal: diffBytes?.get(key) ?? (b ? Math.round(b.mean * b.count) : 0),
      diffBytesMax: b ? b.max : 0,
    };
  });
  const totals: Record<string, number> = {};
  for (const c of snapshot.counters) totals[c.name] = (totals[c.name] ?? 0) + c.value;
  return { schema: 'rookery/lv-test-summary@1', mounts, events, totals, counters: snapshot.counters, errors: snapshot.errors };
}

/** A few lines a person reads in the report. */
export function formatLiveViewSummary(s: LiveViewTestSummary): string {
  const mounts = s.mounts.reduce((n, m) => n + m.count, 0);
  const events = s.totals.lv_events ?? 0;
  const errors = s.totals.lv_errors ?? 0;
  const lines = [`LiveView: ${mounts} mount${mounts === 1 ? '' : 's'}, ${events} event round trip${events === 1 ? '' : 's'}, ${errors} LiveView error${errors === 1 ? '' : 's'}`];
  for (const m of s.mounts) lines.push(`  mount ${m.view}  ${m.count}×  p50 ${formatMs(m.p50Ms)}  max ${formatMs(m.maxMs)}`);
  for (const e of s.events) {
    lines.push(`  event ${e.event} @ ${e.view}  ${e.count}×  rtt p50 ${formatMs(e.p50Ms)}  p95 ${formatMs(e.p95Ms)}  max ${formatMs(e.maxMs)}  diff ${formatBytes(e.diffBytesTotal)} total`);
  }
  for (const e of s.errors) lines.push(`  error ${e.kind} ×${e.count}: ${e.samples[0]?.message ?? ''}`);
  return lines.join('\n');
}
