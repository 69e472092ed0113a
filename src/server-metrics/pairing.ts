/**
 * Pairing server scrapes with the LiveViews the harness holds connected (memory per LiveView). A single machine
 * reads its count just before and after each scrape (`pairedCounts`). In distributed runs the pages live on the
 * runners and the collector scrapes the app, so no process can read both at one instant. Each runner records when its count of connected views was
 * settled and constant (`ConnectedSpanRecorder`, fed by polling the engine), ships the spans in its snapshots, and
 * the collector pairs each scrape with the runners' spans that cover it (`countsFromSpans`): the same rule as a
 * single-machine run's pairedCounts, on timelines instead of instant readings. Pure: no clock of its own.
 */
import type { ConnectedSpan, Labels } from '../metrics/model.js';

export type { ConnectedSpan };

/**
 * The LiveViews the harness holds connected at one instant (single-machine runs), and whether the server's own
 * count can differ from it right now. The server joins a view before its reply reaches the page and closes an
 * old document's socket some time after the page has let it go, so around navigations, joins and releases the
 * two counts disagree; a scrape taken then would pair memory with the wrong count.
 */
export interface ConnectedSample {
  counts: ReadonlyArray<{ labels: Labels; value: number }>;
  /** Pages whose count is in transition now: navigating, a main join or leave unanswered, being released. */
  unsettled: number;
  /** ms since the last change of any page's connected view or transition state. */
  quietMs: number;
  /** Such changes so far (monotonic): equal numbers at two instants mean nothing changed in between. */
  changes: number;
}

/**
 * A quiet spell shorter than this before a scrape may still hide a close the server has not processed yet (the
 * page let its socket go first). When the scrape itself takes longer (a slow server loop), that is the guard.
 */
export const CONNECTED_GUARD_MS = 100;

/**
 * The counts to pair with a scrape taken between `before` and `after` (`scrapeMs` apart): the counts when they
 * held, settled, for the whole scrape and a guard before it; else null (the scrape is left out of the memory
 * fit, and the report counts it as excluded).
 */
export function pairedCounts(before: ConnectedSample, after: ConnectedSample, scrapeMs: number): Array<{ labels: Labels; value: number | null }> {
  const usable = before.unsettled === 0 && after.unsettled === 0 && before.changes === after.changes && before.quietMs >= Math.max(CONNECTED_GUARD_MS, scrapeMs);
  return after.counts.map((c) => ({ labels: c.labels, value: usable ? c.value : null }));
}

/** Whether a scrape now could be paired (no page in transition, quiet for the guard). */
export function isQuiet(s: ConnectedSample): boolean {
  return s.unsettled === 0 && s.quietMs >= CONNECTED_GUARD_MS;
}

/**
 * Slack for the runners' clocks: the collector shifts their times by the start barrier's offset, which leaves
 * that message's network delay (milliseconds on a LAN) as error.
 */
export const SPAN_CLOCK_SLACK_MS = 50;

export class ConnectedSpanRecorder {
  private open: (ConnectedSpan & { changes: number }) | undefined;
  private done: ConnectedSpan[] = [];

  /**
   * One reading of the engine at epoch ms `now`. A settled reading opens a span at the moment of the last change
   * (`now − quietMs`, exact); later readings with the same change count extend it to their time (so a span ends
   * at the last reading that saw it, never later).
   */
  observe(sample: ConnectedSample, now: number): void {
    const open = this.open;
    if (open && (sample.unsettled > 0 || sample.changes !== open.changes)) {
      this.close();
    }
    if (sample.unsettled > 0) return;
    if (this.open) {
      this.open.to = now;
      return;
    }
    this.open = { from: now - sample.quietMs, to: now, counts: sample.counts.map((c) => ({ labels: c.labels, value: c.value })), changes: sample.changes };
  }

  /** The spans seen since the last call; an open span is handed on up to now and continues from there. */
  take(): ConnectedSpan[] {
    const out = this.done;
    this.done = [];
    if (this.open && this.open.to > this.open.from) {
      const { changes, ...span } = this.open;
      out.push({ ...span, counts: span.counts.map((c) => ({ ...c })) });
      this.open = { ...this.open, from: this.open.to, changes };
    }
    return out;
  }

  private close(): void {
    if (!this.open) return;
    const { changes: _, ...span } = this.open;
    if (span.to > span.from) this.done.push(span);
    this.open = undefined;
  }
}


/**
 * The counts to pair with a scrape taken from `before` to `after` (collector epoch ms), or undefined when some
 * runner's count was in transition then (or its spans do not reach that far). A runner whose spans all ended
 * before the scrape counts 0 if its last span did; otherwise (a lost runner still holding views) it is unknown.
 */
export function countsFromSpans(
  byRunner: ReadonlyMap<string, readonly ConnectedSpan[]>,
  before: number,
  after: number,
): Array<{ labels: Labels; value: number }> | undefined {
  const guard = Math.max(CONNECTED_GUARD_MS, after - before);
  const total = new Map<string, { labels: Labels; value: number }>();
  for (const spans of byRunner.values()) {
    // Adjacent spans with the same counts (one per snapshot) are one settled stretch.
    let covering: ConnectedSpan | undefined;
    let from = Infinity;
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      const prev = spans[i - 1];
      from = prev && prev.to === s.from && sameCounts(prev.counts, s.counts) ? from : s.from;
      if (from <= before - guard - SPAN_CLOCK_SLACK_MS && s.to >= after + SPAN_CLOCK_SLACK_MS) {
        covering = s;
        break;
      }
    }
    const last = spans[spans.length - 1];
    if (!covering && last && last.to < before && last.counts.every((c) => c.value === 0)) covering = last;
    if (!covering) return undefined;
    for (const c of covering.counts) {
      const k = JSON.stringify(Object.entries(c.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const row = total.get(k) ?? { labels: c.labels, value: 0 };
      row.value += c.value;
      total.set(k, row);
    }
  }
  return byRunner.size === 0 ? undefined : [...total.values()];
}

function sameCounts(a: ConnectedSpan['counts'], b: ConnectedSpan['counts']): boolean {
  if (a.length !== b.length) return false;
  const key = (c: { labels: Labels; value: number }): string => `${JSON.stringify(Object.entries(c.labels).sort())}=${c.value}`;
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  return sa.every((x, i) => x === sb[i]);
}
