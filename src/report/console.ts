/**
 * Console writer: the end-of-run summary and the compare table, readable on a terminal and in CI logs (ANSI
 * colour only when asked for — see `shouldColor`).
 */
import { COUNTERS, HISTOGRAMS, unitOf } from '../metrics/catalog.js';
import type { CounterEntry, MetricSummary, Results } from '../metrics/model.js';
import { serverComparisonText, serverSummaryText } from './console-server.js';
import type { Comparison } from './compare.js';
import {
  formatCount,
  formatDelta,
  formatDuration,
  formatLabels,
  formatPercentChange,
  formatPlain,
  formatRate,
  formatValue,
  metricKey,
} from './format.js';
import { paint, renderTable, type Cell } from './text-table.js';
import { excludedLines, STEADY_ORDER, steadyHeadline, steadyRows } from './steady.js';

export interface ConsoleOptions {
  /** ANSI colours (default false: the caller decides, see `shouldColor`). */
  color?: boolean;
  /** Maximum line width (default 120). */
  width?: number;
}

/** Colour when writing to a terminal, honouring NO_COLOR and FORCE_COLOR. */
export function shouldColor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return stream.isTTY === true;
}

function catalogRank(order: readonly string[]): (name: string) => number {
  const map = new Map(order.map((n, i) => [n, i]));
  return (name) => map.get(name) ?? Number.MAX_SAFE_INTEGER;
}

/** Stable order: catalogue order of names, then labels. Exported for the other writers. */
export function sortEntries<T extends { name: string; labels: Readonly<Record<string, string>> }>(entries: readonly T[], order: readonly string[]): T[] {
  const rank = catalogRank(order);
  return [...entries].sort((x, y) => {
    const d = rank(x.name) - rank(y.name);
    if (d !== 0) return d;
    const kx = metricKey(x.name, x.labels);
    const ky = metricKey(y.name, y.labels);
    return kx < ky ? -1 : kx > ky ? 1 : 0;
  });
}

/** Rows grouped under a metric-name heading when a name has several label sets. */
function groupedRows<T extends { name: string; labels: Readonly<Record<string, string>> }>(
  entries: readonly T[],
  cells: (entry: T) => Cell[],
): Cell[][] {
  const rows: Cell[][] = [];
  const byName = new Map<string, T[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  for (const [name, group] of byName) {
    const only = group.length === 1 ? group[0] : undefined;
    if (only && Object.keys(only.labels).length === 0) {
      rows.push([{ text: name, style: 'cyan' }, ...cells(only)]);
      continue;
    }
    rows.push([{ text: name, style: 'cyan' }]);
    for (const e of group) rows.push([`  ${formatLabels(e.labels)}`, ...cells(e)]);
  }
  return rows;
}

function metricsSection(metrics: readonly MetricSummary[], color: boolean, width: number): string {
  if (metrics.length === 0) return paint('No timings or sizes were recorded.', 'yellow', color);
  const sorted = sortEntries(metrics, Object.keys(HISTOGRAMS));
  const rows = groupedRows(sorted, (m) => [
    formatCount(m.count),
    formatValue(m.p50, m.unit),
    formatValue(m.p95, m.unit),
    formatValue(m.p99, m.unit),
    formatValue(m.max, m.unit),
  ]);
  return renderTable(
    [{ header: 'Timings and sizes' }, { header: 'count' }, { header: 'p50' }, { header: 'p95' }, { header: 'p99' }, { header: 'max' }],
    rows,
    { color, maxWidth: width },
  );
}

/** Whole run beside steady state (hold phase, harness not saturated) for the timings, and what was left out. */
function steadySection(results: Results, color: boolean, width: number): string {
  const headline = steadyHeadline(results);
  if (headline === undefined) return '';
  const rows: Cell[][] = steadyRows(results, STEADY_ORDER).map((r) => [
    { text: r.key, style: 'cyan' },
    formatValue(r.whole.p50, 'ms'),
    formatValue(r.whole.p95, 'ms'),
    formatValue(r.whole.p99, 'ms'),
    r.steady ? formatCount(r.steady.count) : '0',
    formatValue(r.steady?.p50, 'ms'),
    formatValue(r.steady?.p95, 'ms'),
    formatValue(r.steady?.p99, 'ms'),
  ]);
  const table = rows.length === 0
    ? ''
    : renderTable(
        [{ header: 'Whole run vs steady state' }, { header: 'p50' }, { header: 'p95' }, { header: 'p99' }, { header: 'steady n' }, { header: 'p50' }, { header: 'p95' }, { header: 'p99' }],
        rows,
        { color, maxWidth: width },
      );
  const excluded = excludedLines(results.steady?.excluded ?? []).map((l) => `  ${oneLine(`left out: ${l}`, width - 2)}`);
  const head = results.steady && results.steady.excludedIntervals > 0 ? paint(headline, 'yellow', color) : headline;
  return [head, table, ...excluded].filter((s) => s !== '').join('\n');
}

function countersSection(counters: readonly CounterEntry[], durationMs: number, color: boolean, width: number): string {
  if (counters.length === 0) return '';
  const seconds = Math.max(durationMs, 1) / 1000;
  const sorted = sortEntries(counters, Object.keys(COUNTERS));
  const rows = groupedRows(sorted, (c) => {
    const unit = unitOf(c.name) ?? 'count';
    return [formatValue(c.value, unit), formatRate(c.value / seconds, unit)];
  });
  return renderTable([{ header: 'Counters' }, { header: 'total' }, { header: 'rate' }], rows, { color, maxWidth: width });
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function errorsSection(results: Results, color: boolean, width: number): string {
  const total = results.errors.reduce((s, e) => s + e.count, 0);
  if (total === 0) return paint('Errors: none', 'green', color);
  const lines = [paint(`Errors: ${formatCount(total)}`, 'red', color)];
  for (const e of [...results.errors].sort((x, y) => y.count - x.count)) {
    const first = e.samples[0];
    const where = first?.context ? Object.entries(first.context).map(([k, v]) => `${k}=${v}`).join(' ') : '';
    const sample = first ? ` — first: "${oneLine(first.message, 200)}"${where ? ` (${where})` : ''}` : '';
    lines.push(oneLine(`  ${e.kind} ×${formatCount(e.count)}${sample}`, width));
  }
  return lines.join('\n');
}

function thresholdsSection(results: Results, color: boolean, width: number): string {
  if (results.thresholds.length === 0) return '';
  const failed = results.thresholds.filter((t) => !t.pass).length;
  const head = failed === 0
    ? paint(`Thresholds: all ${results.thresholds.length} passed`, 'green', color)
    : paint(`Thresholds: ${failed} of ${results.thresholds.length} FAILED`, 'red', color);
  const lines = [head];
  for (const t of results.thresholds) {
    const mark = t.pass ? paint('✓', 'green', color) : paint('✗', 'red', color);
    const actual = t.actual === undefined ? 'no data' : formatPlain(t.actual);
    lines.push(oneLine(`  ${mark} ${t.expr}  actual ${actual}${t.detail ? ` — ${t.detail}` : ''}`, width + (color ? 10 : 0)));
  }
  return lines.join('\n');
}

/** The harness verdict in one line (plus reasons when saturated). */
export function healthLine(results: Results, color = false): string {
  const h = results.health;
  const cpu = Object.entries(h.cpuPeakPercent)
    .map(([proc, pct]) => `${proc} ${Math.round(pct)} %`)
    .join(', ');
  const facts = `event-loop lag p99 ${formatValue(h.eventLoopLagP99Ms, 'ms')} (max ${formatValue(h.eventLoopLagMaxMs, 'ms')})${cpu ? `, CPU peak ${cpu}` : ''} of ${h.cores} cores`;
  const notes = (h.notes ?? []).map((n) => `\n  ${n}`).join('');
  if (!h.saturated) return `${paint('Harness: OK', 'green', color)} — ${facts}${notes}`;
  const reasons = h.reasons.length > 0 ? `: ${h.reasons.join('; ')}` : '';
  return `${paint('Harness: SATURATED — results are suspect', 'red', color)}${reasons}\n  ${facts}${notes}`;
}

/** The end-of-run summary printed by `rookery run` and `rookery demo`. */
export function formatSummary(results: Results, opts: ConsoleOptions = {}): string {
  const color = opts.color ?? false;
  const width = Math.max(60, opts.width ?? 120);
  const m = results.meta;
  const head = [
    paint(`Rookery · ${m.scenario} → ${m.target}`, 'bold', color),
    `  ${m.load.description} · ${formatDuration(m.durationMs)} · started ${m.startedAt}`,
  ];
  if (m.variants && m.variants.length > 0) head.push(`  variants: ${m.variants.join(', ')}${m.variantMode === 'sequential' ? ' (sequential: one after the other)' : ''}`);
  if (m.interrupted) head.push(paint(`  Interrupted (${m.interrupted}): results are partial.`, 'yellow', color));
  const sections = [
    head.join('\n'),
    metricsSection(results.metrics, color, width),
    steadySection(results, color, width),
    countersSection(results.counters, m.durationMs, color, width),
    errorsSection(results, color, width),
    thresholdsSection(results, color, width),
    serverSummaryText(results),
    healthLine(results, color),
  ];
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

/** `rookery compare` default output: one row per metric+labels with the verdict. */
export function formatComparison(c: Comparison, opts: ConsoleOptions = {}): string {
  const color = opts.color ?? false;
  const width = Math.max(60, opts.width ?? 140);
  const [na, nb] = [c.a.name, c.b.name];
  const head = [
    paint(`Rookery compare · A = ${na} (${c.a.scenario}, ${formatDuration(c.a.durationMs)}) · B = ${nb} (${c.b.scenario}, ${formatDuration(c.b.durationMs)})`, 'bold', color),
  ];
  const rows = groupedRows(c.metrics, (mc) => {
    const differs = mc.verdict.direction !== 'none';
    return [
      `${formatCount(mc.a.count)} / ${formatCount(mc.b.count)}`,
      formatValue(mc.a.p50, mc.unit),
      formatValue(mc.b.p50, mc.unit),
      formatPercentChange(mc.diff.p50.pct),
      formatValue(mc.a.p95, mc.unit),
      formatValue(mc.b.p95, mc.unit),
      formatPercentChange(mc.diff.p95.pct),
      { text: mc.verdict.text, style: differs ? 'yellow' : 'dim' },
    ];
  });
  const table = c.metrics.length === 0
    ? paint('No metric is present in both runs.', 'yellow', color)
    : renderTable(
        [
          { header: 'Metric' },
          { header: 'n A / B' },
          { header: `p50 A` },
          { header: `p50 B` },
          { header: 'Δ p50' },
          { header: `p95 A` },
          { header: `p95 B` },
          { header: 'Δ p95' },
          { header: 'verdict', align: 'left' },
        ],
        rows,
        { color, maxWidth: width },
      );
  const differing = c.metrics.filter((mc) => mc.verdict.direction !== 'none');
  const notes = differing.map((mc) => `  ${metricKey(mc.name, mc.labels)}: ${mc.verdict.text} — ${mc.verdict.detail}; p50 ${formatDelta(mc.diff.p50.abs, mc.unit)}`);
  const summary = differing.length === 0
    ? paint('No clear difference in any metric.', 'green', color)
    : [paint(`Clear differences (${differing.length} of ${c.metrics.length}):`, 'bold', color), ...notes].join('\n');
  const crit = c.criteria;
  const method = paint(
    `A difference is called only when significant (Mann–Whitney U, p < ${crit.alpha}) AND practical (|Cliff's δ| ≥ ${crit.minCliffsDelta}, median change ≥ ${crit.minChangePct} %${crit.minAbsDiff.ms ? `, ≥ ${crit.minAbsDiff.ms} ms for timings` : ''}).`,
    'dim',
    color,
  );
  const extra: string[] = [];
  if (c.onlyInA.length > 0) extra.push(`Only in A (not compared): ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length > 0) extra.push(`Only in B (not compared): ${c.onlyInB.join(', ')}`);
  extra.push(`Errors: A ${formatCount(c.errors.a)} · B ${formatCount(c.errors.b)}`);
  const server = serverComparisonText(c.server, [na, nb]);
  return `${[head.join('\n'), table, summary, ...(server ? [server] : []), extra.join('\n'), method].join('\n\n')}\n`;
}
