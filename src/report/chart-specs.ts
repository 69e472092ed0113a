/**
 * Chart data for the HTML report, prepared in Node: series over time from `results.series`, percentile curves
 * decoded from the HDR histograms, and per-event composition bars. The page script only turns these specs into
 * uPlot charts, so all the arithmetic is here, typed and testable.
 */
import type { Labels, MetricSummary, Results, SeriesValues } from '../metrics/model.js';
import { decodeDistribution, mergeDistributions, percentileGrid, valuesAtPercentiles, type Distribution } from './distribution.js';
import { formatLabels } from './format.js';

/** x axis kinds: seconds since start, percentile on a log(1/(1−p)) axis, or named categories (bars). */
export type AxisKind = 'seconds' | 'percentile' | 'category';

/** Units the page knows how to format; `per_s` is a rate. */
export type ChartUnit = 'ms' | 'bytes' | 'count' | 'percent' | 'per_s';

export interface ChartSeriesSpec {
  label: string;
  color: string;
  dash?: number[];
  /** Draw as bars; -1 / 1 place two series side by side around each category. */
  bars?: -1 | 0 | 1;
  /** Second y axis (right). */
  axis2?: boolean;
  fill?: boolean;
}

export interface ChartDataset {
  /** Shown in the chart's picker when a chart has several datasets. */
  name: string;
  unit: ChartUnit;
  unit2?: ChartUnit;
  series: ChartSeriesSpec[];
  /** data[0] is x; data[i] belongs to series[i − 1]. */
  data: (number | null)[][];
  categories?: string[];
}

export interface ChartSpec {
  id: string;
  x: AxisKind;
  datasets: ChartDataset[];
  height?: number;
  /** Time charts: [from, to] seconds of intervals in which the harness was saturated, drawn as shaded bands. */
  shade?: Array<[number, number]>;
}

/** Saturated intervals of the series as merged [from, to] spans in seconds since the start. */
export function saturatedSpans(results: Results): Array<[number, number]> {
  const flags = results.series.saturated;
  if (!flags) return [];
  const t = results.series.t;
  const widths = intervalSeconds(results);
  const spans: Array<[number, number]> = [];
  flags.forEach((sat, i) => {
    if (!sat || t[i] === undefined) return;
    const to = Math.round(t[i]!) / 1000;
    const from = Math.max(0, to - (widths[i] ?? results.series.intervalMs / 1000));
    const last = spans[spans.length - 1];
    if (last && Math.abs(last[1] - from) < 1e-6) last[1] = to;
    else spans.push([from, to]);
  });
  return spans;
}

export const PALETTE = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#475569'];
const P50 = '#10b981';
const P95 = '#f59e0b';
const P99 = '#ef4444';

/** Latency metrics in the order a reader cares about them. */
export const LATENCY_ORDER = [
  'lv_event_rtt_ms',
  'lv_patch_ms',
  'lv_mount_ms',
  'lv_join_ms',
  'http_document_ms',
  'ws_connect_ms',
  'step_ms',
  'iteration_ms',
] as const;

const SIZE_ORDER = ['lv_diff_bytes', 'lv_push_bytes', 'lv_join_bytes'] as const;

/** Most percentile curves per chart; more lines than this are unreadable. */
const MAX_CURVES = 8;

function seconds(results: Results): number[] {
  return results.series.t.map((t) => Math.round(t) / 1000);
}

function chartUnit(unit: string): ChartUnit {
  return unit === 'ms' || unit === 'bytes' || unit === 'percent' ? unit : 'count';
}

function datasetName(name: string, labels: Labels): string {
  const l = formatLabels(labels);
  return l === '—' ? name : `${name} · ${l}`;
}

function rank(order: readonly string[], name: string): number {
  const i = order.indexOf(name);
  return i === -1 ? order.length : i;
}

/** p50/p95/p99 per interval for every latency (and size) series, busiest first within a metric. */
function percentilesOverTime(results: Results, order: readonly string[], unitFilter: (name: string) => boolean): ChartDataset[] {
  const x = seconds(results);
  return results.series.latency
    .filter((s) => order.includes(s.name) && unitFilter(s.name))
    .map((s) => ({ s, total: s.count.reduce((a, b) => a + b, 0) }))
    .filter(({ total }) => total > 0)
    .sort((a, b) => rank(order, a.s.name) - rank(order, b.s.name) || b.total - a.total)
    .map(({ s }) => ({
      name: datasetName(s.name, s.labels),
      unit: chartUnit(s.name.endsWith('_ms') ? 'ms' : s.name.endsWith('_bytes') ? 'bytes' : 'count'),
      series: [
        { label: 'p50', color: P50 },
        { label: 'p95', color: P95 },
        // Dashed, so p95 stays visible where few samples make p95 = p99.
        { label: 'p99', color: P99, dash: [7, 4] },
      ],
      data: [x, s.p50, s.p95, s.p99],
    }));
}

function sumValues(entries: readonly SeriesValues[], length: number): (number | null)[] {
  if (entries.length === 0) return [];
  const out: (number | null)[] = new Array(length).fill(null);
  for (const e of entries) {
    e.values.forEach((v, i) => {
      if (v === null || i >= length) return;
      out[i] = (out[i] ?? 0) + v;
    });
  }
  return out;
}

/** Width of each interval in seconds (downsampled series have wider intervals than `intervalMs` promises). */
function intervalSeconds(results: Results): number[] {
  const t = results.series.t;
  return t.map((v, i) => {
    const prev = i === 0 ? v - results.series.intervalMs : t[i - 1]!;
    const width = v - prev;
    return (width > 0 ? width : results.series.intervalMs) / 1000;
  });
}

function usersDataset(results: Results): ChartDataset | undefined {
  const n = results.series.t.length;
  const active = sumValues(results.series.gauges.filter((g) => g.name === 'users_active'), n);
  const target = sumValues(results.series.gauges.filter((g) => g.name === 'users_target'), n);
  const series: ChartSeriesSpec[] = [];
  const data: (number | null)[][] = [seconds(results)];
  if (active.length > 0) {
    series.push({ label: 'active users', color: PALETTE[0]!, fill: true });
    data.push(active);
  }
  if (target.length > 0) {
    series.push({ label: 'target', color: '#94a3b8', dash: [6, 4] });
    data.push(target);
  }
  if (series.length === 0) return undefined;
  return { name: 'Users', unit: 'count', series, data };
}

function throughputDataset(results: Results): ChartDataset | undefined {
  const n = results.series.t.length;
  const widths = intervalSeconds(results);
  const rate = (names: readonly string[]): (number | null)[] =>
    sumValues(results.series.counters.filter((c) => names.includes(c.name)), n).map((v, i) => (v === null ? null : v / widths[i]!));
  const parts: Array<[string, readonly string[], string, boolean]> = [
    ['events/s', ['lv_events'], PALETTE[0]!, false],
    ['server pushes/s', ['lv_pushes'], PALETTE[4]!, false],
    ['iterations/s', ['iterations'], PALETTE[2]!, false],
    ['errors/s', ['lv_errors', 'user_errors'], '#dc2626', true],
  ];
  const series: ChartSeriesSpec[] = [];
  const data: (number | null)[][] = [seconds(results)];
  for (const [label, names, color, axis2] of parts) {
    const values = rate(names);
    if (values.length === 0) continue;
    // Errors are rare events on their own scale: bars read as counts, a line would draw spikes.
    series.push(axis2 ? { label, color, axis2, bars: 0 } : { label, color });
    data.push(values);
  }
  if (series.length === 0) return undefined;
  const hasAxis2 = series.some((s) => s.axis2);
  return hasAxis2 ? { name: 'Throughput', unit: 'per_s', unit2: 'per_s', series, data } : { name: 'Throughput', unit: 'per_s', series, data };
}

function decodeOrNull(m: MetricSummary): Distribution | null {
  try {
    return decodeDistribution(m.hdr, m.unit);
  } catch {
    return null;
  }
}

/** HDR percentile curves: one dataset per metric name, one curve per label set (busiest first). */
export function percentileDatasets(
  metrics: readonly MetricSummary[],
  order: readonly string[],
  curveName: (m: MetricSummary) => string = (m) => formatLabels(m.labels),
): ChartDataset[] {
  const out: ChartDataset[] = [];
  for (const name of order) {
    const group = metrics
      .filter((m) => m.name === name && m.count > 0)
      .sort((a, b) => b.count - a.count)
      .slice(0, MAX_CURVES);
    const decoded = group.map((m) => ({ m, d: decodeOrNull(m) })).filter((g): g is { m: MetricSummary; d: Distribution } => g.d !== null && g.d.total > 0);
    if (decoded.length === 0) continue;
    out.push(percentileCurves(name, decoded.map(({ m, d }) => ({ label: curveName(m), dist: d }))));
  }
  return out;
}

/** One percentile chart dataset from named distributions (shared percentile grid). */
export function percentileCurves(name: string, curves: ReadonlyArray<{ label: string; dist: Distribution }>): ChartDataset {
  const grid = percentileGrid(Math.max(...curves.map((c) => c.dist.total)));
  const x = grid.map((p) => 1 / (1 - p / 100));
  return {
    name,
    unit: chartUnit(curves[0]?.dist.unit ?? 'count'),
    series: curves.map((c, i) => ({ label: c.label === '—' ? 'all' : c.label, color: PALETTE[i % PALETTE.length]! })),
    data: [x, ...curves.map((c) => valuesAtPercentiles(c.dist, grid))],
  };
}

/** Label sets of event-scoped diff metrics, busiest first (the categories of the composition charts). */
function eventCategories(results: Results): Array<{ key: string; labels: Labels }> {
  const counts = new Map<string, { labels: Labels; count: number }>();
  for (const m of results.metrics) {
    if (m.name !== 'lv_diff_bytes' && m.name !== 'lv_diff_static_bytes' && m.name !== 'lv_diff_dynamic_bytes') continue;
    const key = formatLabels(m.labels);
    const prev = counts.get(key);
    counts.set(key, { labels: m.labels, count: Math.max(prev?.count ?? 0, m.count) });
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, 24)
    .map(([key, v]) => ({ key, labels: v.labels }));
}

/** `inc · /counter`: label values only, in the order event, view, variant, then the rest. */
function categoryName(labels: Labels): string {
  const order = ['event', 'view', 'variant'];
  const keys = Object.keys(labels).sort((a, b) => {
    const ra = order.indexOf(a);
    const rb = order.indexOf(b);
    return (ra === -1 ? 9 : ra) - (rb === -1 ? 9 : rb) || (a < b ? -1 : 1);
  });
  return keys.length === 0 ? 'all' : keys.map((k) => labels[k]).join(' · ');
}

function meanFor(results: Results, name: string, key: string): number | null {
  const m = results.metrics.find((x) => x.name === name && formatLabels(x.labels) === key);
  return m && m.count > 0 ? m.mean : null;
}

/** Mean statics vs dynamics bytes per event, and components / stream ops per diff. */
function compositionDatasets(results: Results): ChartDataset[] {
  const cats = eventCategories(results);
  if (cats.length === 0) return [];
  const x = cats.map((_, i) => i);
  const names = cats.map((c) => categoryName(c.labels));
  const statics = cats.map((c) => meanFor(results, 'lv_diff_static_bytes', c.key));
  const dynamics = cats.map((c, i) => {
    const direct = meanFor(results, 'lv_diff_dynamic_bytes', c.key);
    if (direct !== null) return direct;
    const total = meanFor(results, 'lv_diff_bytes', c.key);
    const s = statics[i];
    return total !== null && s !== null && s !== undefined ? Math.max(0, total - s) : null;
  });
  const out: ChartDataset[] = [];
  /** Two means per category as side-by-side bars (left, right); skipped when neither has a value. */
  const pair = (name: string, unit: ChartUnit, left: [string, number, (number | null)[]], right: [string, number, (number | null)[]]) => {
    if (![...left[2], ...right[2]].some((v) => v !== null)) return;
    out.push({
      name,
      unit,
      categories: names,
      series: [
        { label: left[0], color: PALETTE[left[1]]!, bars: -1 },
        { label: right[0], color: PALETTE[right[1]]!, bars: 1 },
      ],
      data: [x, left[2], right[2]],
    });
  };
  pair('Bytes per diff: statics vs dynamics', 'bytes', ['statics (mean)', 4, statics], ['dynamics (mean)', 5, dynamics]);
  const components = cats.map((c) => meanFor(results, 'lv_diff_components', c.key));
  const streamOps = cats.map((c) => meanFor(results, 'lv_stream_ops', c.key));
  pair('Per diff: components touched and stream ops', 'count', ['components (mean)', 1, components], ['stream ops (mean)', 2, streamOps]);
  return out;
}

function gaugeByLabel(results: Results, name: string, unit: ChartUnit, title: string): ChartDataset | undefined {
  const entries = results.series.gauges.filter((g) => g.name === name);
  if (entries.length === 0) return undefined;
  return {
    name: title,
    unit,
    series: entries.map((g, i) => ({ label: formatLabels(g.labels) === '—' ? name : Object.values(g.labels).join(' '), color: PALETTE[i % PALETTE.length]! })),
    data: [seconds(results), ...entries.map((g) => g.values)],
  };
}

function lagDataset(results: Results): ChartDataset | undefined {
  const lag = results.series.latency.filter((s) => s.name === 'harness_event_loop_lag_ms');
  const first = lag[0];
  if (!first) return undefined;
  return {
    name: 'Event-loop lag',
    unit: 'ms',
    series: [
      { label: 'p50', color: P50 },
      { label: 'p99', color: P99 },
    ],
    data: [seconds(results), first.p50, first.p99],
  };
}

/** Distribution of one metric per variant, merged over its other labels (exact: HDR buckets add). */
export function variantDatasets(results: Results, variants: readonly string[], names: readonly string[]): ChartDataset[] {
  const out: ChartDataset[] = [];
  for (const name of names) {
    const curves = variants
      .map((v) => {
        const parts = results.metrics
          .filter((m) => m.name === name && m.labels.variant === v)
          .map(decodeOrNull)
          .filter((d): d is Distribution => d !== null);
        const unit = results.metrics.find((m) => m.name === name)?.unit ?? 'count';
        return { label: v, dist: mergeDistributions(parts, unit) };
      })
      .filter((c) => c.dist.total > 0);
    if (curves.length >= 2) out.push(percentileCurves(name, curves));
  }
  return out;
}

export interface ReportCharts {
  latencyOverTime?: ChartSpec;
  users?: ChartSpec;
  throughput?: ChartSpec;
  latencyPercentiles?: ChartSpec;
  sizeOverTime?: ChartSpec;
  sizePercentiles?: ChartSpec;
  composition: ChartSpec[];
  harnessCpu?: ChartSpec;
  harnessLag?: ChartSpec;
  harnessMemory?: ChartSpec;
  variants?: ChartSpec;
}

/** Four significant digits: more than a chart can show, and it keeps long runs' reports small. */
function compact(d: ChartDataset): ChartDataset {
  return { ...d, data: d.data.map((col) => col.map((v) => (v === null || !Number.isFinite(v) ? null : Number(v.toPrecision(4))))) };
}

function spec(id: string, x: AxisKind, datasets: ReadonlyArray<ChartDataset | undefined>, height?: number): ChartSpec | undefined {
  const present = datasets
    .filter((d): d is ChartDataset => d !== undefined && d.series.length > 0 && (d.data[0]?.length ?? 0) > 0)
    .map(compact);
  if (present.length === 0) return undefined;
  return height === undefined ? { id, x, datasets: present } : { id, x, datasets: present, height };
}

const isMs = (name: string): boolean => name.endsWith('_ms');
const isSize = (name: string): boolean => !name.endsWith('_ms');

export function buildReportCharts(results: Results, variants: readonly string[] = []): ReportCharts {
  const composition = compositionDatasets(results)
    .map((d, i) => spec(`chart-composition-${i}`, 'category', [d], 260))
    .filter((s): s is ChartSpec => s !== undefined);
  const charts: ReportCharts = { composition };
  const assignRaw = <K extends keyof ReportCharts>(key: K, value: ReportCharts[K] | undefined): void => {
    if (value !== undefined) charts[key] = value;
  };
  const shade = saturatedSpans(results);
  const assign = <K extends keyof ReportCharts>(key: K, value: ReportCharts[K] | undefined): void => {
    // Every chart over time shades the seconds in which the harness itself was saturated.
    if (value !== undefined && !Array.isArray(value) && (value as ChartSpec).x === 'seconds' && shade.length > 0) (value as ChartSpec).shade = shade;
    assignRaw(key, value);
  };
  assign('latencyOverTime', spec('chart-latency-time', 'seconds', percentilesOverTime(results, LATENCY_ORDER, isMs)));
  assign('users', spec('chart-users', 'seconds', [usersDataset(results)], 220));
  assign('throughput', spec('chart-throughput', 'seconds', [throughputDataset(results)], 220));
  assign('latencyPercentiles', spec('chart-latency-percentiles', 'percentile', percentileDatasets(results.metrics, LATENCY_ORDER)));
  assign('sizeOverTime', spec('chart-size-time', 'seconds', percentilesOverTime(results, SIZE_ORDER, isSize), 260));
  assign('sizePercentiles', spec('chart-size-percentiles', 'percentile', percentileDatasets(results.metrics, SIZE_ORDER), 260));
  assign('harnessCpu', spec('chart-harness-cpu', 'seconds', [gaugeByLabel(results, 'harness_cpu_percent', 'percent', 'CPU (% of one core)')], 220));
  assign('harnessLag', spec('chart-harness-lag', 'seconds', [lagDataset(results)], 220));
  assign('harnessMemory', spec('chart-harness-memory', 'seconds', [gaugeByLabel(results, 'harness_rss_bytes', 'bytes', 'Resident memory')], 220));
  if (variants.length >= 2) {
    assign('variants', spec('chart-variants', 'percentile', variantDatasets(results, variants, [...LATENCY_ORDER, ...SIZE_ORDER])));
  }
  return charts;
}

/** Every spec in page order (what the page script draws). */
export function allSpecs(charts: ReportCharts): ChartSpec[] {
  const list = [
    charts.latencyOverTime,
    charts.users,
    charts.throughput,
    charts.latencyPercentiles,
    charts.sizeOverTime,
    charts.sizePercentiles,
    ...charts.composition,
    charts.variants,
    charts.harnessCpu,
    charts.harnessLag,
    charts.harnessMemory,
  ];
  return list.filter((s): s is ChartSpec => s !== undefined);
}
