/**
 * Client and server figures side by side, from a results document: where an event's time goes (server handle
 * time from telemetry, network + queueing, client patch), the same for mounts, and server bytes per connected
 * LiveView. Pure functions of Results; the report, console and compare call them.
 *
 * Attribution: server metrics describe the whole app. In `sequential` variant mode each variant ran alone, so
 * the server series inside its segment belong to it. In interleaved mode (or without variants) the server
 * figures cover the whole run, and an event name exported by several views is shared between them (flagged).
 */
import { createHistogram, decodeHistogram } from '../metrics/hdr.js';
import { histogramStats } from '../metrics/summary.js';
import { scaleOfUnit } from '../metrics/hdr.js';
import type { Labels, Results, VariantSegment } from '../metrics/model.js';
import { bucketQuantile } from './derive.js';
import type { ServerHistogramSeries, ServerMetricsResults } from '../metrics/server-results.js';

export interface Stat {
  count: number;
  mean: number;
  p50: number | null;
  p95: number | null;
}

export interface SplitRow {
  variant: string | undefined;
  /** The action (or, for mounts, the view). */
  action: string;
  kind: 'event' | 'mount';
  /** LiveView event names behind the action (server telemetry is labelled by event). */
  events: string[];
  views: string[];
  /** Server telemetry (handle_event / mount callback), ms. */
  server: Stat | undefined;
  /** Client round trip: event RTT (events) or join RTT (mounts), ms. */
  rtt: Stat | undefined;
  /** Client end: action → DOM patched (events) or navigation start → mounted (mounts), ms. */
  patch: Stat | undefined;
  /** The mean split, ms: server | network + queueing (rtt − server) | client (patch − rtt). */
  split: { serverMs: number | undefined; networkMs: number | undefined; clientMs: number | undefined };
  /** The server figure also covers other views or variants (interleaved run, same event name). */
  shared: boolean;
}

export interface MemoryFit {
  variant: string | undefined;
  /** Memory series used (role and exported name). */
  metric: string;
  /** Estimated server bytes per connected LiveView (the fit's slope). */
  bytesPerLiveView: number;
  /** Standard error of the slope, and a 95 % interval. */
  stderr: number;
  ci95: [number, number];
  /** Bytes with no LiveView connected (the intercept). */
  baseBytes: number;
  r2: number;
  /** Points fitted, and the range of connected LiveViews they cover. */
  n: number;
  minConnected: number;
  maxConnected: number;
}

export interface MemoryEstimate {
  fit: MemoryFit | undefined;
  variant: string | undefined;
  /** Why there is no fit (no memory series, too few points, connected count never changed, …). */
  reason?: string;
  /**
   * Scrapes in the fitted window left out because the connected count was in transition when they were taken
   * (a page navigating, joining or being released: the server's count could differ from the harness's), or,
   * in sequential mode, because another variant's views were still connected.
   */
  excluded: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Least squares.

/** Two-sided 95 % Student t quantile for `df` degrees of freedom. */
export function t95(df: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];
  if (df < 1) return NaN;
  if (df <= table.length) return table[df - 1]!;
  return 1.96 + 2.5 / df; // within 0.3 % of the exact quantile above df = 20
}

export interface LineFit {
  slope: number;
  intercept: number;
  stderr: number;
  r2: number;
  n: number;
}

/** Ordinary least squares y = a + b·x. Undefined with < 3 points or no spread in x. */
export function fitLine(points: ReadonlyArray<{ x: number; y: number }>): LineFit | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssr = Math.max(0, syy - slope * sxy);
  const stderr = Math.sqrt(ssr / (n - 2) / sxx);
  return { slope, intercept, stderr, r2: syy > 0 ? 1 - ssr / syy : 1, n };
}

// ---------------------------------------------------------------------------------------------------------------
// Windows.

interface Window {
  fromMs: number;
  toMs: number;
}

/**
 * Where a variant's server figures live: its segment (sequential) or the whole run.
 * - `fit` (memory readings, instants): a sequential segment from its ramp to its settle gap (where its views have
 *   left); otherwise every scrape.
 * - `all` (per-interval figures): the rounds that *start* in the window. A sequential run takes one round at
 *   each segment's end, after the segment's users were stopped and before the next variant's start (scraper.ts),
 *   so the rounds starting in a segment hold its activity, its users' last pushes included, and none of the next.
 */
function windowOf(results: Results, variant: string | undefined, part: 'all' | 'fit'): Window {
  const segments = results.meta.segments ?? [];
  const k = variant === undefined ? -1 : segments.findIndex((s) => s.variant === variant);
  const seg = segments[k];
  if (seg && part === 'fit') return { fromMs: seg.startMs, toMs: seg.endMs };
  if (seg) {
    return {
      fromMs: k === 0 ? -Infinity : seg.startMs,
      toMs: k === segments.length - 1 ? Infinity : seg.endMs,
    };
  }
  // The whole run: every scrape (before the load and after it the count is 0, which the fit may use too).
  return { fromMs: -Infinity, toMs: Infinity };
}

/** Whether server figures can be given per variant. */
export function serverAttributable(results: Results): boolean {
  return results.meta.variantMode === 'sequential' || (results.meta.variants?.length ?? 0) < 2;
}

/** Segments of a sequential run, in order (empty otherwise). */
export function segmentsOf(results: Results): VariantSegment[] {
  return results.meta.segments ?? [];
}

// ---------------------------------------------------------------------------------------------------------------
// Server histograms over a window.

function serverStat(server: ServerMetricsResults, hists: readonly ServerHistogramSeries[], w: Window): Stat | undefined {
  let count = 0;
  let sum = 0;
  // Buckets only add when bounds agree; percentiles come from the first bound set (the usual case: one).
  const le = hists[0]?.le;
  let buckets: number[] | undefined;
  for (const h of hists) {
    const same = le !== undefined && h.le.length === le.length && h.le.every((b, i) => b === le[i]);
    server.t.forEach((t, i) => {
      // A point covers the interval since the previous round: it belongs to the window that interval starts in.
      const start = i > 0 ? server.t[i - 1]! : t - server.intervalMs;
      if (start < w.fromMs || start >= w.toMs) return;
      count += h.count[i] ?? 0;
      sum += h.sum[i] ?? 0;
      if (same) {
        buckets ??= new Array<number>(le.length + 1).fill(0);
        const b = h.buckets[i] ?? [];
        for (let j = 0; j < buckets.length; j++) buckets[j]! += b[j] ?? 0;
      }
    });
  }
  if (count === 0) return undefined;
  return {
    count,
    mean: sum / count,
    p50: le && buckets ? bucketQuantile(le, buckets, 0.5) : null,
    p95: le && buckets ? bucketQuantile(le, buckets, 0.95) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Client histograms merged over labels.

function clientStat(results: Results, name: string, match: (l: Labels) => boolean): Stat | undefined {
  const parts = results.metrics.filter((m) => m.name === name && match(m.labels));
  if (parts.length === 0) return undefined;
  const h = createHistogram();
  for (const p of parts) h.add(decodeHistogram(p.hdr));
  if (h.totalCount === 0) return undefined;
  const s = histogramStats(h, scaleOfUnit('ms'));
  return { count: s.count, mean: s.mean, p50: s.p50, p95: s.p95 };
}

function diff(a: Stat | undefined, b: Stat | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a.mean - b.mean;
}

function variantList(results: Results): Array<string | undefined> {
  const vs = results.meta.variants ?? [];
  return vs.length > 0 ? vs : [undefined];
}

/** Where the time goes, per action (events) and per view (mounts), per variant. */
export function timeSplit(results: Results): SplitRow[] {
  const server = results.server;
  const rows: SplitRow[] = [];
  const attributable = serverAttributable(results);
  for (const variant of variantList(results)) {
    const inVariant = (l: Labels): boolean => l.variant === variant;
    const w = windowOf(results, attributable ? variant : undefined, 'all');
    // Events, by action.
    const actions = new Map<string, { events: Set<string>; views: Set<string> }>();
    for (const m of results.metrics) {
      if (m.name !== 'lv_event_rtt_ms' || !inVariant(m.labels)) continue;
      const action = m.labels.action ?? m.labels.event ?? '';
      const a = actions.get(action) ?? { events: new Set(), views: new Set() };
      if (m.labels.event) a.events.add(m.labels.event);
      if (m.labels.view) a.views.add(m.labels.view);
      actions.set(action, a);
    }
    for (const [action, { events, views }] of [...actions].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
      const byAction = (l: Labels): boolean => inVariant(l) && (l.action ?? l.event) === action;
      const rtt = clientStat(results, 'lv_event_rtt_ms', byAction);
      const patch = clientStat(results, 'lv_patch_ms', byAction);
      const hists = server?.histograms.filter((h) => HANDLE_ROLES.includes(h.role) && h.labels.event !== undefined && events.has(h.labels.event)) ?? [];
      const srv = server ? serverStat(server, hists, w) : undefined;
      const otherUsers = results.metrics.some(
        (m) => m.name === 'lv_event_rtt_ms' && m.labels.event !== undefined && events.has(m.labels.event) && (!inVariant(m.labels) ? !attributable : !views.has(m.labels.view ?? '')),
      );
      rows.push({
        variant, action, kind: 'event', events: [...events].sort(), views: [...views].sort(), server: srv, rtt, patch,
        split: { serverMs: srv?.mean, networkMs: diff(rtt, srv), clientMs: diff(patch, rtt) },
        shared: srv !== undefined && otherUsers,
      });
    }
    // Mounts, by view.
    const views = new Set(results.metrics.filter((m) => m.name === 'lv_join_ms' && inVariant(m.labels)).map((m) => m.labels.view ?? ''));
    const mountHists = server?.histograms.filter((h) => h.role === 'lv_mount_ms') ?? [];
    const srv = server ? serverStat(server, mountHists, w) : undefined;
    const allViews = new Set(results.metrics.filter((m) => m.name === 'lv_join_ms').map((m) => `${m.labels.variant ?? ''}|${m.labels.view ?? ''}`));
    for (const view of [...views].sort()) {
      const byView = (l: Labels): boolean => inVariant(l) && (l.view ?? '') === view;
      const join = clientStat(results, 'lv_join_ms', byView);
      const mount = clientStat(results, 'lv_mount_ms', byView);
      const sharedMount = srv !== undefined && (attributable ? views.size > 1 : allViews.size > 1);
      rows.push({
        variant, action: view, kind: 'mount', events: ['mount'], views: [view], server: srv, rtt: join, patch: mount,
        split: { serverMs: srv?.mean, networkMs: diff(join, srv), clientMs: diff(mount, join) },
        shared: sharedMount,
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory per LiveView.

const MEMORY_ROLES = ['memory_bytes', 'memory_processes_bytes'];
/** A LiveComponent's handle_event is the server time of an event sent to it (phx-target). */
const HANDLE_ROLES = ['lv_handle_event_ms', 'lv_component_handle_event_ms'];

/** Connected LiveViews of `variant` (all when undefined) at run time `t`, interpolated between interval points. */
function connectedAt(results: Results, variant: string | undefined, t: number): number | undefined {
  const series = results.series.gauges.filter((g) => g.name === 'lv_connected' && (variant === undefined || g.labels.variant === variant));
  if (series.length === 0) return undefined;
  const ts = results.series.t;
  let i = ts.findIndex((x) => x >= t);
  if (i < 0) return undefined;
  // A view's gauge starts when it is first connected: before that (null) nothing of it was connected.
  const value = (j: number): number => series.reduce((total, s) => total + (s.values[j] ?? 0), 0);
  const v1 = value(i);
  if (i === 0) return t >= (ts[0] ?? 0) - results.series.intervalMs ? v1 : undefined;
  const v0 = value(i - 1);
  const t0 = ts[i - 1]!;
  const t1 = ts[i]!;
  return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}

/** Connected count sampled at scrape `i`; undefined when it was in transition then (not usable, see pairedCounts). */
function sampledAt(series: ReadonlyArray<{ values: (number | null)[] }>, i: number): number | undefined {
  let total = 0;
  for (const s of series) {
    const v = s.values[i];
    if (v === null || v === undefined) return undefined;
    total += v;
  }
  return total;
}

/** Server bytes per connected LiveView, per variant (sequential) or for the whole run. */
function hasLiteUsers(results: Results): boolean {
  return results.metrics.some((m) => m.labels.client === 'lite' && m.count > 0);
}

export function memoryPerLiveView(results: Results): MemoryEstimate[] {
  const server = results.server;
  const variants: Array<string | undefined> = serverAttributable(results) ? variantList(results) : [undefined];
  return variants.map((variant) => {
    if (!server) return { fit: undefined, variant, reason: 'no server metrics (run with --server-metrics)', excluded: 0 };
    // Lite users' views live in worker processes and are not counted at the scrape instants: a fit would be wrong.
    if (hasLiteUsers(results)) return { fit: undefined, variant, reason: 'not estimated: the run had lite users, whose LiveViews are not counted at the scrape instants (measure memory per LiveView with browser users only)', excluded: 0 };
    const role = MEMORY_ROLES.find((r) => server.series.some((s) => s.role === r && s.kind === 'gauge'));
    if (!role) return { fit: undefined, variant, reason: `no server memory series (none of ${MEMORY_ROLES.join(', ')} was exported; see the README for the names recognised)`, excluded: 0 };
    const mem = server.series.filter((s) => s.role === role && s.kind === 'gauge');
    const w = windowOf(results, variant, 'fit');
    // Counted at the instant of each scrape when the run could (single machine), else interpolated.
    const sampled = server.connected?.filter((c) => variant === undefined || c.labels.variant === variant);
    // A sequential variant's reading is its own only when no view of another variant was still connected.
    const others = variant === undefined ? [] : (server.connected ?? []).filter((c) => c.labels.variant !== variant);
    const points: Array<{ x: number; y: number }> = [];
    let excluded = 0;
    server.t.forEach((t, i) => {
      if (t < w.fromMs || t > w.toMs) return;
      let y = 0;
      for (const s of mem) {
        const v = s.values[i];
        if (v === null || v === undefined) return;
        y += v;
      }
      const x = sampled ? sampledAt(sampled, i) : connectedAt(results, variant, t);
      if (x === undefined || others.some((c) => (c.values[i] ?? 0) > 0)) {
        if (sampled) excluded++;
        return;
      }
      points.push({ x, y });
    });
    const fit = fitLine(points);
    if (!fit) {
      const why = points.length < 3 ? `${points.length} usable point(s) in the run's load` : 'the number of connected LiveViews never changed';
      return { fit: undefined, variant, reason: `cannot fit: ${why}${excluded > 0 ? ` (${excluded} scrape(s) left out: taken while pages were navigating, joining or being released)` : ''}`, excluded };
    }
    const half = t95(fit.n - 2) * fit.stderr;
    return {
      variant,
      excluded,
      fit: {
        variant,
        metric: `${role} (${[...new Set(mem.map((s) => s.metric))].join(', ')})`,
        bytesPerLiveView: fit.slope,
        stderr: fit.stderr,
        ci95: [fit.slope - half, fit.slope + half],
        baseBytes: fit.intercept,
        r2: fit.r2,
        n: fit.n,
        minConnected: Math.min(...points.map((p) => p.x)),
        maxConnected: Math.max(...points.map((p) => p.x)),
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Two sides (two runs, or two variants of one run).

export interface ServerSidePair<T> {
  a: T | undefined;
  b: T | undefined;
}

export interface ServerComparison {
  /** False for interleaved variants: the server's figures cover both, so they are not compared per variant. */
  attributable: boolean;
  note: string;
  /** Server / network / client split per action (events) and per mount, side by side. */
  rows: Array<{ kind: 'event' | 'mount'; action: string } & ServerSidePair<SplitRow>>;
  memory: ServerSidePair<MemoryEstimate> & {
    /**
     * `A smaller` / `B smaller` when the 95 % intervals do not overlap and the estimates differ by at least
     * MEMORY_PRACTICAL (as compare asks a median change of ≥ 5 %), else `no clear difference`.
     */
    verdict: string;
  };
}

/** The smallest relative difference of two memory estimates called a difference (exact fits have no interval). */
const MEMORY_PRACTICAL = 0.05;

export function memoryVerdict(a: MemoryEstimate | undefined, b: MemoryEstimate | undefined, names: [string, string]): string {
  const fa = a?.fit;
  const fb = b?.fit;
  if (!fa || !fb) return 'not compared (no estimate on one side)';
  const larger = Math.max(Math.abs(fa.bytesPerLiveView), Math.abs(fb.bytesPerLiveView));
  if (Math.abs(fa.bytesPerLiveView - fb.bytesPerLiveView) < MEMORY_PRACTICAL * larger) return 'no clear difference';
  if (fa.ci95[1] < fb.ci95[0]) return `${names[0]} smaller`;
  if (fb.ci95[1] < fa.ci95[0]) return `${names[1]} smaller`;
  return 'no clear difference';
}

function pairRows(a: readonly SplitRow[], b: readonly SplitRow[], key: (r: SplitRow) => string): ServerComparison['rows'] {
  const keys = [...new Set([...a.map(key), ...b.map(key)])];
  return keys.map((k) => {
    const ra = a.find((r) => key(r) === k);
    const rb = b.find((r) => key(r) === k);
    const base = (ra ?? rb)!;
    return { kind: base.kind, action: base.kind === 'mount' && ra && rb && ra.action !== rb.action ? `${ra.action} / ${rb.action}` : base.action, a: ra, b: rb };
  });
}

/** Two variants of one run: attributable only when they ran sequentially (or the run has one variant). */
export function compareServerVariants(results: Results, va: string, vb: string): ServerComparison | undefined {
  if (!results.server) return undefined;
  const attributable = serverAttributable(results);
  if (!attributable) {
    return {
      attributable,
      note: 'Variants ran interleaved on one server: its figures cover both variants and cannot be split between them. Run with --variant-mode sequential to attribute them.',
      rows: [],
      memory: { a: undefined, b: undefined, verdict: 'not attributable (interleaved variants)' },
    };
  }
  const split = timeSplit(results);
  const of = (v: string) => split.filter((r) => r.variant === v);
  const mountsA = of(va).filter((r) => r.kind === 'mount');
  const mountsB = of(vb).filter((r) => r.kind === 'mount');
  // Variants on different routes: their single mount rows are the same thing (the page's mount).
  const key = (r: SplitRow): string => (r.kind === 'mount' && mountsA.length === 1 && mountsB.length === 1 ? 'mount|' : `${r.kind}|${r.action}`);
  const mem = memoryPerLiveView(results);
  const ma = mem.find((m) => m.variant === va);
  const mb = mem.find((m) => m.variant === vb);
  return {
    attributable,
    note: 'Variants ran one after the other (sequential): each variant’s server figures are those of its own segment.',
    rows: pairRows(of(va), of(vb), key),
    memory: { a: ma, b: mb, verdict: memoryVerdict(ma, mb, [va, vb]) },
  };
}

/** Two runs: each run's server figures (whole run, or per variant when attributable), paired by action. */
export function compareServerRuns(a: Results, b: Results, names: [string, string]): ServerComparison | undefined {
  if (!a.server && !b.server) return undefined;
  const key = (r: SplitRow): string => `${r.kind}|${r.variant ?? ''}|${r.action}`;
  const whole = (r: Results): MemoryEstimate | undefined => {
    const all = memoryPerLiveView(r);
    return all.length === 1 ? all[0] : undefined;
  };
  const ma = whole(a);
  const mb = whole(b);
  return {
    attributable: true,
    note: 'Each run’s server figures over the whole run.',
    rows: pairRows(a.server ? timeSplit(a) : [], b.server ? timeSplit(b) : [], key),
    memory: { a: ma, b: mb, verdict: memoryVerdict(ma, mb, names) },
  };
}
