/**
 * Pure: the numbers of a time window of a run, from its intervals (exact HDR merges, not averages of
 * per-second percentiles). A density step is judged on its hold window (all users on, ramp over), and on the
 * whole run for errors.
 */
import type { Interval } from '../../src/metrics/model.js';
import { createHistogram, decodeHistogram, scaleOf } from '../../src/metrics/hdr.js';
import { histogramStats } from '../../src/metrics/summary.js';

export interface TimedInterval {
  /** Engine time at the end of the interval, ms since the run started. */
  elapsedMs: number;
  snapshot: Interval;
}

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface WindowMeasure {
  fromMs: number;
  toMs: number;
  intervals: number;
  patch: LatencyStats;
  rtt: LatencyStats;
  mount: LatencyStats;
  /** Whole iterations (from the scheduled start in the open model). */
  iteration: LatencyStats;
  lag: LatencyStats;
  iterationsOk: number;
  iterationsError: number;
  /** Iterations cut short by the graceful stop (`iterations{result=aborted}`): their click may or may not have happened. */
  iterationsAborted: number;
  dropped: number;
  /** Matched event round trips (lv_events), all labels. */
  events: number;
  /** `lv_events` whose reply the probe could not pair with a push (label event=unmatched). */
  unmatched: number;
  /** Errors of every kind (user errors and LiveView errors), with counts. */
  errors: Record<string, number>;
  errorSamples: string[];
  usersActiveMin: number;
  usersActiveMax: number;
}

const EMPTY: LatencyStats = { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };

function latency(snaps: readonly Interval[], name: string, filter: (labels: Readonly<Record<string, string>>) => boolean = () => true): LatencyStats {
  const h = createHistogram();
  for (const s of snaps) for (const e of s.histograms) if (e.name === name && filter(e.labels)) h.add(decodeHistogram(e.hdr));
  if (h.totalCount === 0) return EMPTY;
  const st = histogramStats(h, scaleOf(name));
  return { count: st.count, p50: st.p50, p95: st.p95, p99: st.p99, max: st.max };
}

function counter(snaps: readonly Interval[], name: string, filter: (labels: Readonly<Record<string, string>>) => boolean = () => true): number {
  let n = 0;
  for (const s of snaps) for (const c of s.counters) if (c.name === name && filter(c.labels)) n += c.value;
  return n;
}

/** Snapshots whose interval ends in (fromMs, toMs]. */
export function measureWindow(all: readonly TimedInterval[], fromMs: number, toMs: number): WindowMeasure {
  const picked = all.filter((t) => t.elapsedMs > fromMs && t.elapsedMs <= toMs);
  const snaps = picked.map((t) => t.snapshot);
  const errors: Record<string, number> = {};
  const errorSamples: string[] = [];
  for (const s of snaps) {
    for (const e of s.errors) {
      errors[e.kind] = (errors[e.kind] ?? 0) + e.count;
      for (const sample of e.samples) if (errorSamples.length < 5) errorSamples.push(`${e.kind}: ${sample.message}`);
    }
  }
  const active = snaps.flatMap((s) => s.gauges.filter((g) => g.name === 'users_active').map((g) => g.value));
  return {
    fromMs,
    toMs,
    intervals: picked.length,
    patch: latency(snaps, 'lv_patch_ms', (l) => l.event !== 'navigate'),
    rtt: latency(snaps, 'lv_event_rtt_ms'),
    mount: latency(snaps, 'lv_mount_ms'),
    iteration: latency(snaps, 'iteration_ms'),
    lag: latency(snaps, 'harness_event_loop_lag_ms'),
    iterationsOk: counter(snaps, 'iterations', (l) => l.result === 'ok'),
    iterationsError: counter(snaps, 'iterations', (l) => l.result === 'error'),
    iterationsAborted: counter(snaps, 'iterations', (l) => l.result === 'aborted'),
    dropped: counter(snaps, 'iterations', (l) => l.result === 'dropped'),
    events: counter(snaps, 'lv_events'),
    unmatched: counter(snaps, 'lv_events', (l) => l.event === 'unmatched'),
    errors,
    errorSamples,
    usersActiveMin: active.length > 0 ? Math.min(...active) : 0,
    usersActiveMax: active.length > 0 ? Math.max(...active) : 0,
  };
}

export function errorTotal(m: WindowMeasure): number {
  return Object.values(m.errors).reduce((a, b) => a + b, 0);
}

/**
 * Clicks lost between the harness and the app, for workloads where one iteration is exactly one click: clicks
 * done (iterations), server-handled (the fixture's ground truth) and probe-matched round trips must all agree.
 *
 * An iteration cut short by the graceful stop (`iterations{result=aborted}`) is neither ok nor an error, and its
 * click may be in any state: never sent; handled by the server with the reply unrecorded (the given-up iteration
 * is muted); or handled and matched before the cut (it was in its think time). So up to `aborted` server clicks
 * beyond the ok iterations are those cut-short clicks, not losses, and so are matched replies beyond the ok
 * iterations up to that many; counting them as lost called a saturated run's clean stop a loss. An ok click
 * waited for its reply, so the server handled every one: a server count below the ok iterations is a real loss,
 * and no cut-short click can hide it.
 */
export function lostClicks(whole: WindowMeasure, serverClicks: number): { lost: number; detail: string } {
  const matched = whole.events - whole.unmatched;
  const ok = whole.iterationsOk;
  // The server clicks that came from cut-short iterations (at most one each), and those of the ok iterations.
  const cutSeen = Math.min(Math.max(serverClicks - ok, 0), whole.iterationsAborted);
  const okSeen = serverClicks - cutSeen;
  const lost = Math.abs(ok - okSeen) + Math.max(okSeen - matched, 0) + Math.max(matched - serverClicks, 0) + whole.unmatched;
  const cut = whole.iterationsAborted > 0 ? `, cut short ${whole.iterationsAborted} of which the server saw ${cutSeen}` : '';
  return { lost, detail: `${lost} lost click(s) (iterations ${ok}, server ${serverClicks}, matched ${matched}${cut})` };
}

/** One source's reading of a gauge: the middle of its interval (epoch ms) and the value. */
export interface GaugeReading {
  source: string;
  atMs: number;
  value: number;
}

/**
 * A gauge summed over sources per bucket, each source carrying its last reading into buckets it skipped. Several
 * processes tick on their own timers, so a one-second bucket can miss one source's snapshot while the next holds
 * two; summing only the readings inside each bucket then shows a worker's users vanishing for a second. A source
 * counts from its first reading until one bucket after its last. Returns one sum per bucket `[start + i·w, +w)`.
 */
export function carriedGaugeSums(readings: readonly GaugeReading[], startMs: number, widthMs: number, buckets: number): number[] {
  const bySource = new Map<string, GaugeReading[]>();
  for (const r of readings) {
    let list = bySource.get(r.source);
    if (!list) bySource.set(r.source, (list = []));
    list.push(r);
  }
  for (const list of bySource.values()) list.sort((a, b) => a.atMs - b.atMs);
  const out: number[] = [];
  for (let i = 0; i < buckets; i++) {
    const end = startMs + (i + 1) * widthMs;
    let sum = 0;
    for (const list of bySource.values()) {
      const last = list[list.length - 1]!;
      if (list[0]!.atMs >= end || last.atMs < end - 2 * widthMs) continue;
      let value = 0;
      for (const r of list) {
        if (r.atMs >= end) break;
        value = r.value;
      }
      sum += value;
    }
    out.push(sum);
  }
  return out;
}
