/**
 * HTML writer: one self-contained report file per run (and per comparison), readable offline from disk.
 * Sections are small functions returning escaped fragments; charts are specs drawn by the page script.
 */
import { COUNTERS, HISTOGRAMS, unitOf } from '../metrics/catalog.js';
import type { Labels, MetricSummary, Results } from '../metrics/model.js';
import { allSpecs, buildReportCharts, percentileCurves, type ChartSpec, type ReportCharts } from './chart-specs.js';
import { compareVariants, variantsOf, type Comparison, type MetricComparison } from './compare.js';
import { sortEntries } from './console.js';
import { decodeDistribution, mergeDistributions, meanOf, valueAtPercentile, type Distribution } from './distribution.js';
import {
  formatCount,
  formatDelta,
  formatDuration,
  formatLabels,
  formatP,
  formatPercentChange,
  formatPlain,
  formatRate,
  formatValue,
  metricKey,
  withoutLabel,
} from './format.js';
import { html, safeRelativeUrl, type SafeHtml } from './html-escape.js';
import { chartCard, renderPage } from './html-page.js';
import { serverBlock, serverComparisonBlock, variantModeNote } from './html-server.js';
import { excludedLines, STEADY_ORDER, steadyHeadline, steadyRows } from './steady.js';

export interface HtmlOptions {
  /** Page title (default: `Rookery · <scenario>`). */
  title?: string;
}

const LABEL_ORDER = ['action', 'event', 'view', 'variant', 'step'];

function labelColumns(labelSets: readonly Labels[], omit: readonly string[] = []): string[] {
  const keys = new Set<string>();
  for (const l of labelSets) for (const k of Object.keys(l)) if (!omit.includes(k)) keys.add(k);
  return [...keys].sort((a, b) => {
    const ra = LABEL_ORDER.indexOf(a);
    const rb = LABEL_ORDER.indexOf(b);
    return (ra === -1 ? 99 : ra) - (rb === -1 ? 99 : rb) || (a < b ? -1 : 1);
  });
}

function decodeOrNull(m: MetricSummary): Distribution | null {
  try {
    return decodeDistribution(m.hdr, m.unit);
  } catch {
    return null;
  }
}

/** One metric merged over all its label sets (exact: HDR buckets add). */
function merged(results: Results, name: string): Distribution | null {
  const parts = results.metrics.filter((m) => m.name === name && m.count > 0);
  if (parts.length === 0) return null;
  const dists = parts.map(decodeOrNull).filter((d): d is Distribution => d !== null);
  if (dists.length === 0) return null;
  return mergeDistributions(dists, parts[0]!.unit);
}

function counterTotal(results: Results, name: string): number | undefined {
  const entries = results.counters.filter((c) => c.name === name);
  return entries.length === 0 ? undefined : entries.reduce((s, c) => s + c.value, 0);
}

function peakGauge(results: Results, name: string): number | undefined {
  const entries = results.series.gauges.filter((g) => g.name === name);
  if (entries.length === 0) return undefined;
  let peak = 0;
  for (let i = 0; i < results.series.t.length; i++) {
    const sum = entries.reduce((s, g) => s + (g.values[i] ?? 0), 0);
    peak = Math.max(peak, sum);
  }
  return peak;
}

function errorTotal(results: Results): number {
  return results.errors.reduce((s, e) => s + e.count, 0);
}

// ---------------------------------------------------------------------------------------------- header, KPIs

function statusPills(results: Results): SafeHtml {
  const t = results.thresholds;
  const failed = t.filter((x) => !x.pass).length;
  const errors = errorTotal(results);
  const pills: SafeHtml[] = [];
  if (t.length === 0) pills.push(html`<span class="pill neutral">No thresholds set</span>`);
  else if (failed === 0) pills.push(html`<span class="pill ok" data-status="thresholds-pass">✓ All ${t.length} thresholds passed</span>`);
  else pills.push(html`<span class="pill bad" data-status="thresholds-fail">✗ ${failed} of ${t.length} thresholds failed</span>`);
  pills.push(
    results.health.saturated
      ? html`<span class="pill bad" data-status="harness-saturated">Harness saturated — results suspect</span>`
      : html`<span class="pill ok" data-status="harness-ok">Harness healthy</span>`,
  );
  pills.push(errors === 0 ? html`<span class="pill ok">No errors</span>` : html`<span class="pill bad">${formatCount(errors)} errors</span>`);
  if (results.meta.interrupted) pills.push(html`<span class="pill warn">Interrupted: ${results.meta.interrupted} — partial results</span>`);
  if (results.meta.variants && results.meta.variants.length > 0) {
    pills.push(html`<span class="pill info">Variants: ${results.meta.variants.join(' vs ')}</span>`);
  }
  return html`<div class="pills">${pills}</div>`;
}

function hero(results: Results): SafeHtml {
  const m = results.meta;
  const started = new Date(m.startedAt);
  const when = Number.isNaN(started.getTime()) ? m.startedAt : started.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return html`<header class="hero" id="summary">
  <h1>${m.scenario}</h1>
  <div class="sub"><span class="target">${m.target}</span></div>
  <div class="sub"><span><b>Load</b> ${m.load.description}</span><span><b>Duration</b> ${formatDuration(m.durationMs)}</span><span><b>Started</b> ${when}</span><span><b>Machine</b> ${m.machine.cpus} × ${m.machine.cpuModel}</span></div>
  ${statusPills(results)}
</header>`;
}

/** `raw`: the unformatted figure, kept in `data-value` so tools (and tests) read exactly what was shown. */
function kpi(label: string, value: string, hint: string, tone = '', labelClass = '', raw?: number | null): SafeHtml {
  const data = raw === undefined || raw === null ? '' : String(raw);
  return html`<div class="card kpi ${tone}"><div class="label ${labelClass}">${label}</div><div class="value" data-value="${data}">${value}</div><div class="hint">${hint}</div></div>`;
}

function kpis(results: Results): SafeHtml {
  const cards: SafeHtml[] = [];
  const seconds = Math.max(results.meta.durationMs, 1) / 1000;
  const users = peakGauge(results, 'users_active');
  if (users !== undefined) cards.push(kpi('Peak users', formatCount(users), `target ${formatCount(peakGauge(results, 'users_target') ?? users)}`));
  const events = counterTotal(results, 'lv_events');
  if (events !== undefined) cards.push(kpi('LiveView events', formatCount(events), `${formatRate(events / seconds, 'count')} average`));
  for (const [name, label] of [
    ['lv_event_rtt_ms', 'Event round trip p95'],
    ['lv_patch_ms', 'Click → patch p95'],
    ['lv_mount_ms', 'Mount p95'],
  ] as const) {
    const d = merged(results, name);
    const steady = results.steady ? merged({ ...results, metrics: results.steady.metrics }, name) : null;
    const steadyHint = steady && steady.total > 0 ? ` · steady p95 ${formatValue(valueAtPercentile(steady, 95), 'ms')}` : '';
    if (d) cards.push(kpi(label, formatValue(valueAtPercentile(d, 95), 'ms'), `p50 ${formatValue(valueAtPercentile(d, 50), 'ms')} · p99 ${formatValue(valueAtPercentile(d, 99), 'ms')}${steadyHint}`));
  }
  const diff = merged(results, 'lv_diff_bytes');
  if (diff) {
    const mean = meanOf(diff);
    cards.push(kpi('Mean diff size', formatValue(mean, 'bytes'), `p95 ${formatValue(valueAtPercentile(diff, 95), 'bytes')} per event reply`, '', '', mean));
  }
  const errors = errorTotal(results);
  const iterations = counterTotal(results, 'iterations');
  cards.push(kpi('Errors', formatCount(errors), iterations !== undefined ? `${formatCount(iterations)} iterations` : 'across all users', errors > 0 ? 'bad' : 'ok'));
  return html`<div class="grid kpis">${cards}</div>`;
}

/** Whole run beside the steady state (hold phase, harness not saturated), and the intervals left out. */
function steadyCard(results: Results): SafeHtml {
  const headline = steadyHeadline(results);
  if (headline === undefined) return html``;
  const rows = steadyRows(results, STEADY_ORDER);
  const excluded = excludedLines(results.steady?.excluded ?? [], 50);
  const cell = (m: MetricSummary | undefined, f: 'p50' | 'p95' | 'p99'): SafeHtml => (m && m.count > 0 ? num(m[f], 'ms') : html`<td class="num muted">—</td>`);
  return html`<div class="card span-all" id="steady"><div class="card-head"><h3>Steady state</h3><span class="note">${headline}</span></div>
<div class="table-wrap"><table id="steady-table"><thead><tr><th>Timing</th><th class="num">whole p50</th><th class="num">whole p95</th><th class="num">whole p99</th><th class="num">steady n</th><th class="num">steady p50</th><th class="num">steady p95</th><th class="num">steady p99</th></tr></thead><tbody>
${rows.map((r) => html`<tr data-key="${r.key}"><td class="metric">${r.key}</td>${cell(r.whole, 'p50')}${cell(r.whole, 'p95')}${cell(r.whole, 'p99')}<td class="num">${formatCount(r.steady?.count ?? 0)}</td>${cell(r.steady, 'p50')}${cell(r.steady, 'p95')}${cell(r.steady, 'p99')}</tr>`)}
</tbody></table></div>
${excluded.length > 0 ? html`<div class="note" id="steady-excluded" data-excluded="${String(results.steady?.excludedIntervals ?? 0)}"><b>Left out:</b><ul>${excluded.map((l) => html`<li>${l}</li>`)}</ul></div>` : ''}</div>`;
}

function thresholdsCard(results: Results): SafeHtml {
  const t = results.thresholds;
  const body =
    t.length === 0
      ? html`<div class="empty">No thresholds were set for this run (use <code>--threshold</code> or scenario options).</div>`
      : html`<div class="table-wrap"><table id="thresholds-table"><thead><tr><th></th><th>Threshold</th><th class="num">Actual</th><th>Detail</th></tr></thead><tbody>
${t.map((x) => html`<tr><td>${x.pass ? html`<span class="tag ok">pass</span>` : html`<span class="tag bad">fail</span>`}</td><td class="metric">${x.expr}</td><td class="num">${x.actual === undefined ? 'no data' : formatPlain(x.actual)}</td><td>${x.detail}</td></tr>`)}
</tbody></table></div>`;
  return html`<div class="card" id="thresholds"><div class="card-head"><h3>Thresholds</h3></div>${body}</div>`;
}

function healthCard(results: Results): SafeHtml {
  const h = results.health;
  const cpu = Object.entries(h.cpuPeakPercent);
  const rss = Object.entries(h.rssPeakBytes);
  const verdict = h.saturated
    ? html`<div class="verdict bad" data-verdict="saturated"><span class="dot"></span><div><b>The load generator was saturated — treat these results as suspect.</b>
      ${h.reasons.length > 0 ? html`<ul>${h.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}</div></div>`
    : html`<div class="verdict ok" data-verdict="ok"><span class="dot"></span><div><b>The harness kept up: latencies reflect the app, not the load generator.</b>
      ${h.reasons.length > 0 ? html`<ul>${h.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}</div></div>`;
  const notes = h.notes && h.notes.length > 0 ? html`<ul class="notes" data-notes="${String(h.notes.length)}">${h.notes.map((n) => html`<li>${n}</li>`)}</ul>` : '';
  return html`<div class="card" id="health"><div class="card-head"><h3>Harness health</h3></div>${verdict}${notes}
  <div class="facts">
    <div>Event-loop lag p99<b>${formatValue(h.eventLoopLagP99Ms, 'ms')}</b></div>
    <div>Event-loop lag max<b>${formatValue(h.eventLoopLagMaxMs, 'ms')}</b></div>
    ${cpu.map(([proc, pct]) => html`<div>CPU peak · ${proc}<b>${formatValue(pct, 'percent')}</b></div>`)}
    ${rss.map(([proc, bytes]) => html`<div>Memory peak · ${proc}<b>${formatValue(bytes, 'bytes')}</b></div>`)}
    <div>Cores<b>${formatCount(h.cores)}</b></div>
  </div></div>`;
}

// ---------------------------------------------------------------------------------------------- tables

interface Row {
  key: string;
  labels: Labels;
}

function rowsOf(results: Results, names: readonly string[]): Row[] {
  const rows = new Map<string, { labels: Labels; weight: number }>();
  for (const m of results.metrics) {
    if (!names.includes(m.name)) continue;
    const key = formatLabels(m.labels);
    const prev = rows.get(key);
    rows.set(key, { labels: m.labels, weight: Math.max(prev?.weight ?? 0, m.count) });
  }
  return [...rows.entries()].sort((a, b) => b[1].weight - a[1].weight).map(([key, v]) => ({ key, labels: v.labels }));
}

function find(results: Results, name: string, key: string): MetricSummary | undefined {
  return results.metrics.find((m) => m.name === name && formatLabels(m.labels) === key);
}

/** A figure cell; `data-value` keeps the unformatted number. */
function num(value: number | null | undefined, unit: string): SafeHtml {
  return html`<td class="num" data-value="${value === null || value === undefined ? '' : String(value)}">${formatValue(value, unit)}</td>`;
}

type ColumnSpec = [header: string, metric: string, field: 'count' | 'p50' | 'p95' | 'p99' | 'max' | 'mean'];

function metricTable(id: string, results: Results, rows: Row[], columns: readonly ColumnSpec[]): SafeHtml {
  const labelCols = labelColumns(rows.map((r) => r.labels));
  return html`<div class="table-wrap"><table id="${id}"><thead><tr>${labelCols.map((k) => html`<th>${k}</th>`)}${columns.map(([h]) => html`<th class="num">${h}</th>`)}</tr></thead><tbody>
${rows.map(
  (r) => html`<tr data-key="${r.key}">${labelCols.map((k) => html`<td class="label" title="${r.labels[k] ?? ''}">${r.labels[k] ?? '—'}</td>`)}${columns.map(([, name, field]) => {
    const m = find(results, name, r.key);
    if (!m || m.count === 0) return html`<td class="num muted">—</td>`;
    return field === 'count' ? html`<td class="num">${formatCount(m.count)}</td>` : num(m[field], m.unit);
  })}</tr>`,
)}
</tbody></table></div>`;
}

const VIEW_COLUMNS: readonly ColumnSpec[] = [
  ['mounts', 'lv_mount_ms', 'count'],
  ['mount p50', 'lv_mount_ms', 'p50'],
  ['mount p95', 'lv_mount_ms', 'p95'],
  ['mount p99', 'lv_mount_ms', 'p99'],
  ['mount max', 'lv_mount_ms', 'max'],
  ['join p95', 'lv_join_ms', 'p95'],
  ['document p95', 'http_document_ms', 'p95'],
  ['join bytes', 'lv_join_bytes', 'mean'],
  ['push bytes', 'lv_push_bytes', 'mean'],
];

const EVENT_COLUMNS: readonly ColumnSpec[] = [
  ['count', 'lv_event_rtt_ms', 'count'],
  ['rtt p50', 'lv_event_rtt_ms', 'p50'],
  ['rtt p95', 'lv_event_rtt_ms', 'p95'],
  ['rtt p99', 'lv_event_rtt_ms', 'p99'],
  ['rtt max', 'lv_event_rtt_ms', 'max'],
  ['patch p95', 'lv_patch_ms', 'p95'],
  ['diff bytes', 'lv_diff_bytes', 'mean'],
  ['statics', 'lv_diff_static_bytes', 'mean'],
  ['components', 'lv_diff_components', 'mean'],
  ['stream ops', 'lv_stream_ops', 'mean'],
];

function viewsCard(results: Results): SafeHtml {
  const rows = rowsOf(results, ['lv_mount_ms', 'lv_join_ms', 'http_document_ms', 'lv_join_bytes', 'lv_push_bytes']);
  const body = rows.length === 0 ? html`<div class="empty">No LiveView mounted in this run.</div>` : metricTable('views-table', results, rows, VIEW_COLUMNS);
  return html`<div class="card span-all" id="views"><div class="card-head"><h3>Per view</h3><span class="note">mount = navigation start → LiveView connected and rendered; bytes are means</span></div>${body}</div>`;
}

function eventsCard(results: Results): SafeHtml {
  const rows = rowsOf(results, ['lv_event_rtt_ms', 'lv_patch_ms', 'lv_diff_bytes']);
  const body = rows.length === 0 ? html`<div class="empty">No LiveView events in this run.</div>` : metricTable('events-table', results, rows, EVENT_COLUMNS);
  return html`<div class="card span-all" id="events"><div class="card-head"><h3>Per event</h3><span class="note">rtt = push → reply on the wire; patch = user action → DOM patched; bytes, components and stream ops are means per diff</span></div>${body}</div>`;
}

function errorsBlock(results: Results): SafeHtml {
  const errors = [...results.errors].sort((a, b) => b.count - a.count);
  if (errors.length === 0 || errorTotal(results) === 0) {
    return html`<div class="card"><div class="empty">No errors were recorded.</div></div>`;
  }
  return html`<div class="card"><div class="table-wrap"><table id="errors-table"><thead><tr><th>Kind</th><th class="num">Count</th><th>Samples</th></tr></thead><tbody>
${errors.map(
  (e) => html`<tr><td class="label">${e.kind}</td><td class="num">${formatCount(e.count)}</td><td>${
    e.samples.length === 0
      ? html`<span class="muted">no samples kept</span>`
      : e.samples.slice(0, 5).map(
          (s) => html`<div style="margin-bottom:8px"><pre class="msg">${s.message}</pre><div class="ctx">${new Date(s.at).toISOString()}${
            s.context ? html` · ${Object.entries(s.context).map(([k, v]) => `${k}=${v}`).join(' · ')}` : ''
          }</div></div>`,
        )
  }</td></tr>`,
)}
</tbody></table></div></div>`;
}

function allMetricsCard(results: Results): SafeHtml {
  const metrics = sortEntries(results.metrics, Object.keys(HISTOGRAMS));
  const counters = sortEntries(results.counters, Object.keys(COUNTERS));
  const seconds = Math.max(results.meta.durationMs, 1) / 1000;
  return html`<div class="card span-all" id="all-metrics"><details><summary>All metrics (${metrics.length}) and counters (${counters.length})</summary>
<div class="table-wrap" style="margin-top:10px"><table id="metrics-table"><thead><tr><th>Metric</th><th>Labels</th><th class="num">count</th><th class="num">min</th><th class="num">mean</th><th class="num">p50</th><th class="num">p90</th><th class="num">p95</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th></tr></thead><tbody>
${metrics.map(
  (m) => html`<tr><td class="metric">${m.name}</td><td class="label">${formatLabels(m.labels)}</td><td class="num">${formatCount(m.count)}</td>${num(m.min, m.unit)}${num(m.mean, m.unit)}${num(m.p50, m.unit)}${num(m.p90, m.unit)}${num(m.p95, m.unit)}${num(m.p99, m.unit)}${num(m.p999, m.unit)}${num(m.max, m.unit)}</tr>`,
)}
</tbody></table></div>
<div class="table-wrap" style="margin-top:14px"><table id="counters-table"><thead><tr><th>Counter</th><th>Labels</th><th class="num">total</th><th class="num">per second</th></tr></thead><tbody>
${counters.map(
  (c) => html`<tr><td class="metric">${c.name}</td><td class="label">${formatLabels(c.labels)}</td>${num(c.value, unitOf(c.name) ?? 'count')}<td class="num">${formatRate(c.value / seconds, unitOf(c.name) ?? 'count')}</td></tr>`,
)}
</tbody></table></div></details></div>`;
}

/** One visual_*_ms metric of one checkpoint, variants merged (exact: HDR buckets add). */
function checkpointTiming(results: Results, name: string, checkpoint: string): Distribution | null {
  const dists = results.metrics
    .filter((m) => m.name === name && m.labels.checkpoint === checkpoint && m.count > 0)
    .map(decodeOrNull)
    .filter((d): d is Distribution => d !== null);
  return dists.length === 0 ? null : mergeDistributions(dists, 'ms');
}

/** Total ms spent in a visual_*_ms metric over the run (mean × count per series). */
function totalMs(results: Results, name: string): number {
  return results.metrics.filter((m) => m.name === name).reduce((s, m) => s + m.mean * m.count, 0);
}

function visualBlock(results: Results): SafeHtml {
  const v = results.visual;
  if (!v || v.checkpoints.length === 0) {
    return html`<div class="card" data-visual="empty"><div class="empty">No visual checkpoints in this run. Add <code>await u.snapshot(name)</code> to a scenario to compare what users saw against baselines.</div></div>`;
  }
  const img = (path: string, caption: string, alt: string): SafeHtml => {
    const src = safeRelativeUrl(path);
    return src ? html`<figure><a href="${src}" target="_blank" rel="noopener"><img loading="lazy" src="${src}" alt="${alt}"></a><figcaption>${caption}</figcaption></figure>` : html``;
  };
  const p50 = (name: string, checkpoint: string): SafeHtml => {
    const d = checkpointTiming(results, name, checkpoint);
    return num(d ? valueAtPercentile(d, 50) : null, 'ms');
  };
  const missing = results.errors.find((e) => e.kind === 'visual.no_baseline');
  const snapshots = v.checkpoints.reduce((n, c) => n + c.snapshots, 0);
  const captureMs = totalMs(results, 'visual_capture_ms');
  const compareMs = totalMs(results, 'visual_compare_ms');
  return html`<div class="card" data-visual="present">
${missing ? html`<p class="tag warn" data-visual-missing style="display:block;padding:8px 10px;margin:0 0 10px">${formatCount(missing.count)} sampled snapshot${missing.count === 1 ? '' : 's'} had no baseline and were skipped: ${missing.samples[0]?.message ?? ''}</p>` : ''}
<div class="table-wrap"><table id="visual-table"><thead><tr><th>Checkpoint</th><th class="num">Snapshots</th><th class="num">Mismatches</th><th class="num">Worst diff</th><th class="num" title="settle wait + screenshot, inside the user's iteration">Capture p50</th><th class="num" title="PNG decode + pixelmatch, on the harness CPU">Compare p50</th></tr></thead><tbody>
${v.checkpoints.map(
  (c) => html`<tr><td class="label">${c.name}</td><td class="num">${formatCount(c.snapshots)}</td><td class="num">${c.mismatches > 0 ? html`<span class="tag bad">${formatCount(c.mismatches)}</span>` : html`<span class="tag ok">0</span>`}</td><td class="num">${c.worst ? `${formatCount(c.worst.diffPixels)} px (${(c.worst.ratio * 100).toFixed(2)} %)` : '—'}</td>${p50('visual_capture_ms', c.name)}${p50('visual_compare_ms', c.name)}</tr>`,
)}
</tbody></table></div>
<p class="muted" id="visual-overhead" style="font-size:12px;margin:8px 0 0">Overhead: ${formatCount(snapshots)} snapshot${snapshots === 1 ? '' : 's'} spent ${formatValue(captureMs, 'ms')} capturing (inside users’ iterations) and ${formatValue(compareMs, 'ms')} comparing (harness CPU). Only sampled iterations capture.</p>
${v.checkpoints
  .filter((c) => c.worst && c.mismatches > 0)
  .map(
    (c) => html`<div class="visual-case" data-checkpoint="${c.name}"><h3 style="margin-top:16px">${c.name} <span class="tag bad">${formatCount(c.mismatches)} of ${formatCount(c.snapshots)} differ</span> <span class="muted" style="font-size:12px;font-weight:400">worst: ${formatCount(c.worst!.diffPixels)} px, ${(c.worst!.ratio * 100).toFixed(2)} % of the page</span></h3>
<div class="visual-imgs">${img(c.worst!.baseline, 'Baseline', 'baseline')}${img(c.worst!.actual, 'Actual (worst sample)', 'actual')}${img(c.worst!.diff, 'Diff: red = different, yellow = anti-aliasing (ignored)', 'diff')}</div></div>`,
  )}
</div>`;
}

// ---------------------------------------------------------------------------------------------- comparison

function verdictTag(mc: MetricComparison): SafeHtml {
  return mc.verdict.direction === 'none'
    ? html`<span class="tag none" title="${mc.verdict.detail}">${mc.verdict.text}</span>`
    : html`<span class="tag diff" title="${mc.verdict.detail}">${mc.verdict.text}</span>`;
}

/** The A/B table shared by the run report's variant section and the compare report. */
export function comparisonTable(c: Comparison, id = 'comparison-table'): SafeHtml {
  if (c.metrics.length === 0) return html`<div class="empty">No metric is present on both sides.</div>`;
  const arrow = (a: number, b: number, unit: string): SafeHtml =>
    html`<td class="num">${formatValue(a, unit)} <span class="muted">→</span> ${formatValue(b, unit)}</td>`;
  const testLine = (m: MetricComparison): string =>
    m.test ? `δ=${m.test.cliffsDelta.toFixed(2)} · ${formatP(m.test.p)}` : m.verdict.detail;
  const ciTitle = (m: MetricComparison): string =>
    m.test?.medianDiffCi
      ? `${m.verdict.detail}; median difference (B − A), 95% bootstrap CI [${formatDelta(m.test.medianDiffCi[0], m.unit)}, ${formatDelta(m.test.medianDiffCi[1], m.unit)}]`
      : m.verdict.detail;
  return html`<div class="table-wrap"><table id="${id}" class="compare"><thead><tr><th>Metric</th><th class="num">n ${c.a.name} / ${c.b.name}</th>
<th class="num">p50 ${c.a.name} → ${c.b.name}</th><th class="num">Δ p50</th><th class="num">p95 ${c.a.name} → ${c.b.name}</th><th class="num">Δ p95</th><th>Verdict</th></tr></thead><tbody>
${[...c.metrics]
  .sort((x, y) => Number(y.verdict.direction !== 'none') - Number(x.verdict.direction !== 'none'))
  .map(
  (m) => html`<tr data-key="${m.key}" data-direction="${m.verdict.direction}" class="${m.verdict.direction === 'none' ? '' : 'differs'}">
<td><div class="metric">${m.name}</div><div class="ctx">${formatLabels(m.labels)}</div></td>
<td class="num">${formatCount(m.a.count)} / ${formatCount(m.b.count)}</td>${arrow(m.a.p50, m.b.p50, m.unit)}
<td class="num">${formatDelta(m.diff.p50.abs, m.unit)}<div class="ctx">${formatPercentChange(m.diff.p50.pct)}</div></td>${arrow(m.a.p95, m.b.p95, m.unit)}
<td class="num">${formatDelta(m.diff.p95.abs, m.unit)}<div class="ctx">${formatPercentChange(m.diff.p95.pct)}</div></td>
<td class="verdict-cell" title="${ciTitle(m)}">${verdictTag(m)}<div class="ctx">${testLine(m)}</div></td></tr>`,
)}
</tbody></table></div>`;
}

function criteriaNote(c: Comparison): SafeHtml {
  const k = c.criteria;
  return html`<p class="muted" style="font-size:12px;margin:10px 0 0">A difference is called only when it is both statistically significant (Mann–Whitney U on the HDR distributions, ties handled, p &lt; ${k.alpha}) and practically relevant (|Cliff's δ| ≥ ${k.minCliffsDelta}, median change ≥ ${k.minChangePct} %${k.minAbsDiff.ms ? `, ≥ ${k.minAbsDiff.ms} ms for timings` : ''}, ≥ ${k.minSamples} samples per side). Otherwise: “no clear difference”. Samples within a run are correlated in time, so the p-value alone would overstate certainty.</p>`;
}

function variantsBlock(results: Results, charts: ReportCharts): SafeHtml {
  const variants = variantsOf(results);
  if (variants.length < 2) return html``;
  const baseline = variants[0]!;
  const tables = variants.slice(1).map((other) => {
    const c = compareVariants(results, { a: baseline, b: other });
    const clear = c.metrics.filter((m) => m.verdict.direction !== 'none');
    return html`<div class="card span-all"><div class="card-head"><h3>${baseline} vs ${other}</h3><span class="note">${clear.length === 0 ? 'no clear difference in any metric' : `${clear.length} clear difference${clear.length === 1 ? '' : 's'} of ${c.metrics.length} metrics`}</span></div>
${comparisonTable(c, `variants-table-${other}`)}${criteriaNote(c)}</div>${serverComparisonBlock(c)}`;
  });
  return html`<section class="block" id="variants"><div class="block-head"><h2>Variants</h2><p id="variant-mode" data-mode="${results.meta.variantMode ?? 'interleaved'}">${variantModeNote(results) ?? ''}</p></div>
<div class="grid">${chartCard(charts.variants, 'Distribution per variant', 'merged over events and views', 'span-all')}${tables}</div></section>`;
}

/** Bytes composition first and full width (it has a bar per event and per join), then sizes and counts. */
function diffCharts(charts: ReportCharts): SafeHtml[] {
  const [bytes, counts] = charts.composition;
  return [
    chartCard(bytes, bytes?.datasets[0]?.name ?? '', 'means per reply; joins carry the templates', 'span-all'),
    chartCard(charts.sizePercentiles, 'Diff size distribution'),
    chartCard(counts, counts?.datasets[0]?.name ?? ''),
    chartCard(charts.sizeOverTime, 'Diff size over time', undefined, 'span-all'),
  ];
}

function section(id: string, title: string, intro: string, body: SafeHtml): SafeHtml {
  return html`<section class="block" id="${id}"><div class="block-head"><h2>${title}</h2><p>${intro}</p></div>${body}</section>`;
}

function footer(results: Results): SafeHtml {
  const m = results.meta;
  const versions = Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(' · ');
  return html`<div>Generated by Rookery ${m.tool.version} from <code>rookery/results@1</code> · ${m.startedAt} → ${m.endedAt}</div>
<div>${versions}</div>
<div>${m.machine.hostname} · ${m.machine.platform}/${m.machine.arch} · ${m.machine.cpus} × ${m.machine.cpuModel} · ${formatValue(m.machine.memoryBytes, 'bytes')} RAM · Node ${m.machine.node}</div>`;
}

/** The run report: one self-contained HTML document. */
export function renderHtml(results: Results, opts: HtmlOptions = {}): string {
  const variants = variantsOf(results);
  const charts = buildReportCharts(results, variants);
  const hasDiffs = charts.sizeOverTime || charts.sizePercentiles || charts.composition.length > 0;
  const body = html`${hero(results)}
${kpis(results)}
<section class="block"><div class="grid">${thresholdsCard(results)}${healthCard(results)}${steadyCard(results)}</div></section>
${section(
  'over-time',
  'Load and latency over time',
  'Per interval: latency percentiles of the selected metric, next to the users running and the throughput they produced. Shaded bands: intervals in which the harness itself was saturated.',
  html`<div class="grid">${chartCard(charts.latencyOverTime, 'Latency over time', 'p50 / p95 / p99 per interval', 'span-all')}${chartCard(charts.users, 'Active users')}${chartCard(charts.throughput, 'Throughput')}</div>`,
)}
${section(
  'distributions',
  'Latency distribution',
  'Full percentile curves from the HDR histograms: the right of the chart is what your slowest users saw.',
  html`<div class="grid">${chartCard(charts.latencyPercentiles, 'Percentiles', 'one curve per label set', 'span-all')}</div>`,
)}
${section('views-events', 'Views and events', 'What each LiveView and each event cost, end to end and on the wire.', html`<div class="grid">${viewsCard(results)}${eventsCard(results)}</div>`)}
${hasDiffs
  ? section(
      'diffs',
      'Diffs',
      'How big the server’s replies were and what they were made of: statics are sent once per template, dynamics every time.',
      html`<div class="grid">${diffCharts(charts)}</div>`,
    )
  : ''}
${variantsBlock(results, charts)}
${serverBlock(results)}
${section('errors', 'Errors', 'Grouped by kind, with the first samples kept.', errorsBlock(results))}
${section(
  'harness',
  'Harness',
  'The load generator’s own CPU, memory and event-loop lag. If these saturate, latencies measure the harness, not the app.',
  html`<div class="grid three">${chartCard(charts.harnessCpu, 'CPU', '% of one core')}${chartCard(charts.harnessLag, 'Event-loop lag')}${chartCard(charts.harnessMemory, 'Memory')}</div>`,
)}
${section('visual', 'Visual checks', 'Snapshots compared against committed baselines.', visualBlock(results))}
<section class="block">${allMetricsCard(results)}</section>`;

  const nav: Array<[string, string]> = [
    ['summary', 'Summary'],
    ['over-time', 'Over time'],
    ['distributions', 'Distribution'],
    ['views-events', 'Views & events'],
  ];
  if (hasDiffs) nav.push(['diffs', 'Diffs']);
  if (variants.length >= 2) nav.push(['variants', 'Variants']);
  if (results.server) nav.push(['server', 'Server']);
  nav.push(['errors', 'Errors'], ['harness', 'Harness'], ['visual', 'Visual']);

  return renderPage({
    title: opts.title ?? `Rookery · ${results.meta.scenario}`,
    nav,
    body,
    charts: allSpecs(charts),
    data: results,
    footer: footer(results),
  });
}

// ---------------------------------------------------------------------------------------------- compare page

/** Overlaid percentile curves of A and B for the compared metrics (differences first), needs both runs' HDR. */
function compareCharts(c: Comparison, runs: { a: Results; b: Results } | undefined, variants: boolean): ChartSpec | undefined {
  if (!runs) return undefined;
  const findSide = (r: Results, mc: MetricComparison, side: string): MetricSummary | undefined =>
    r.metrics.find((m) => {
      if (m.name !== mc.name) return false;
      const labels = variants ? (m.labels.variant === side ? withoutLabel(m.labels, 'variant') : undefined) : m.labels;
      return labels !== undefined && metricKey(m.name, labels) === mc.key;
    });
  const ordered = [...c.metrics].sort((x, y) => Number(y.verdict.direction !== 'none') - Number(x.verdict.direction !== 'none') || y.a.count - x.a.count);
  const datasets = ordered
    .slice(0, 40)
    .map((mc) => {
      const ma = findSide(runs.a, mc, c.a.name);
      const mb = findSide(runs.b, mc, c.b.name);
      const da = ma ? decodeOrNull(ma) : null;
      const db = mb ? decodeOrNull(mb) : null;
      if (!da || !db || da.total === 0 || db.total === 0) return undefined;
      const ds = percentileCurves(`${mc.name} · ${formatLabels(mc.labels)} — ${mc.verdict.text}`, [
        { label: c.a.name, dist: da },
        { label: c.b.name, dist: db },
      ]);
      return ds;
    })
    .filter((d): d is NonNullable<typeof d> => d !== undefined);
  if (datasets.length === 0) return undefined;
  return { id: 'chart-compare-percentiles', x: 'percentile', datasets };
}

export interface CompareHtmlOptions extends HtmlOptions {
  /** The two runs (for percentile overlays); for a variant comparison pass the same run twice. */
  runs?: { a: Results; b: Results };
  /** True when the comparison is between variants of one run (labels carry `variant`). */
  variants?: boolean;
}

export function renderCompareHtml(c: Comparison, opts: CompareHtmlOptions = {}): string {
  const clear = c.metrics.filter((m) => m.verdict.direction !== 'none');
  const chart = compareCharts(c, opts.runs, opts.variants ?? false);
  const side = (label: string, s: Comparison['a']): SafeHtml =>
    html`<div class="card"><div class="label muted" style="font-size:12px;text-transform:uppercase;letter-spacing:.05em;font-weight:600">${label}</div><h3 style="font-size:16px;color:var(--ink)">${s.name}</h3>
<div class="sub" style="margin-top:4px"><span>${s.scenario}</span><span class="target">${s.target}</span></div><div class="sub"><span>${s.load}</span><span>${formatDuration(s.durationMs)}</span><span>${s.startedAt}</span></div></div>`;
  const body = html`<header class="hero" id="summary"><h1>${c.a.name} vs ${c.b.name}</h1>
<div class="pills">${clear.length === 0 ? html`<span class="pill neutral" data-status="no-difference">No clear difference in any of ${c.metrics.length} metrics</span>` : html`<span class="pill info" data-status="differences">${clear.length} clear difference${clear.length === 1 ? '' : 's'} of ${c.metrics.length} metrics</span>`}
<span class="pill ${c.errors.a + c.errors.b > 0 ? 'warn' : 'ok'}">errors: ${formatCount(c.errors.a)} vs ${formatCount(c.errors.b)}</span></div></header>
<section class="block"><div class="grid">${side('A', c.a)}${side('B', c.b)}</div></section>
${clear.length > 0
  ? html`<section class="block"><div class="grid kpis">${clear.slice(0, 8).map((m) => kpi(m.name, m.verdict.text, `${formatLabels(m.labels)} · p50 ${formatValue(m.a.p50, m.unit)} → ${formatValue(m.b.p50, m.unit)} (${formatPercentChange(m.diff.p50.pct)})`, '', 'mono'))}</div></section>`
  : ''}
${section('comparison', 'Per metric', 'Side by side, with the difference and a significance call.', html`<div class="card">${comparisonTable(c)}${criteriaNote(c)}</div>`)}
${serverComparisonBlock(c)}
${chart ? section('distributions', 'Distributions', 'Percentile curves of both sides; pick a metric.', html`<div class="grid">${chartCard(chart, `${c.a.name} vs ${c.b.name}`, 'percentile curves', 'span-all')}</div>`) : ''}
${c.onlyInA.length + c.onlyInB.length > 0
  ? html`<section class="block"><div class="card"><h3>Not compared</h3><p class="muted">Only in ${c.a.name}: ${c.onlyInA.join(', ') || '—'}<br>Only in ${c.b.name}: ${c.onlyInB.join(', ') || '—'}</p></div></section>`
  : ''}`;
  return renderPage({
    title: opts.title ?? `Rookery compare · ${c.a.name} vs ${c.b.name}`,
    nav: [
      ['summary', 'Summary'],
      ['comparison', 'Per metric'],
      ...(chart ? ([['distributions', 'Distributions']] as Array<[string, string]>) : []),
    ],
    body,
    kind: 'LiveView load comparison',
    charts: chart ? [chart] : [],
    data: c,
    footer: html`<div>Generated by Rookery from two <code>rookery/results@1</code> files.</div>`,
  });
}
