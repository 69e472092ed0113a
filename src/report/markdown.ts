/**
 * Markdown writer: a comparison (or a run) as GitHub-flavoured tables, ready to paste into a pull-request
 * comment. Cells from the app (labels, event names) are escaped so they cannot break the table or inject markup.
 */
import { HISTOGRAMS } from '../metrics/catalog.js';
import type { Results } from '../metrics/model.js';
import type { Comparison } from './compare.js';
import { sortEntries } from './console.js';
import { formatCount, formatDelta, formatDuration, formatLabels, formatP, formatPercentChange, formatPlain, formatValue } from './format.js';
import { serverComparisonText } from './console-server.js';

/** Escapes a table cell: pipes, backticks, HTML-significant characters, newlines. */
export function mdCell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/\*/g, '\\*')
    .replace(/_/g, '\\_')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

function code(s: string): string {
  // Inline code cannot contain a backtick run we do not control; fall back to escaped text.
  return s.includes('`') || s.includes('|') ? mdCell(s) : `\`${s}\``;
}

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly string[][]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : ':---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function formatComparisonMarkdown(c: Comparison, opts: { title?: string } = {}): string {
  const clear = c.metrics.filter((m) => m.verdict.direction !== 'none');
  const a = mdCell(c.a.name);
  const b = mdCell(c.b.name);
  const title = opts.title ?? `Rookery compare: **${a}** vs **${b}**`;
  const headline =
    clear.length === 0
      ? `**No clear difference** in any of ${c.metrics.length} metrics.`
      : `**${clear.length} clear difference${clear.length === 1 ? '' : 's'}** of ${c.metrics.length} metrics: ${clear
          .slice(0, 5)
          .map((m) => `${code(m.name)} ${mdCell(formatLabels(m.labels))} — ${mdCell(m.verdict.text)} (p50 ${formatPercentChange(m.diff.p50.pct)})`)
          .join('; ')}${clear.length > 5 ? '; …' : ''}`;
  const rows = c.metrics.map((m) => [
    code(m.name),
    mdCell(formatLabels(m.labels)),
    `${formatCount(m.a.count)} / ${formatCount(m.b.count)}`,
    formatValue(m.a.p50, m.unit),
    formatValue(m.b.p50, m.unit),
    `${formatDelta(m.diff.p50.abs, m.unit)} (${formatPercentChange(m.diff.p50.pct)})`,
    formatValue(m.a.p95, m.unit),
    formatValue(m.b.p95, m.unit),
    formatPercentChange(m.diff.p95.pct),
    m.verdict.direction === 'none' ? mdCell(m.verdict.text) : `**${mdCell(m.verdict.text)}**`,
    m.test ? `δ=${m.test.cliffsDelta.toFixed(2)}, ${formatP(m.test.p)}` : mdCell(m.verdict.detail),
  ]);
  const k = c.criteria;
  const parts = [
    `### ${title}`,
    '',
    `A: ${a} — ${mdCell(c.a.scenario)}, ${mdCell(c.a.load)}, ${formatDuration(c.a.durationMs)}  `,
    `B: ${b} — ${mdCell(c.b.scenario)}, ${mdCell(c.b.load)}, ${formatDuration(c.b.durationMs)}`,
    '',
    headline,
    '',
    c.metrics.length === 0
      ? '_No metric is present on both sides._'
      : table(
          ['Metric', 'Labels', 'n A / B', `p50 ${a}`, `p50 ${b}`, 'Δ p50', `p95 ${a}`, `p95 ${b}`, 'Δ p95', 'Verdict', 'Test'],
          ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
          rows,
        ),
    '',
    `Errors: ${a} ${formatCount(c.errors.a)} · ${b} ${formatCount(c.errors.b)}`,
  ];
  const server = serverComparisonText(c.server, [c.a.name, c.b.name]);
  if (server) parts.push('', ...server.split('\n').map((l) => `${mdCell(l.trimStart())}  `));
  if (c.onlyInA.length + c.onlyInB.length > 0) {
    parts.push('', `Not compared (one side only): ${[...c.onlyInA, ...c.onlyInB].map(code).join(', ')}`);
  }
  parts.push(
    '',
    '<details><summary>How the verdict is made</summary>',
    '',
    `A difference is called only when it is both statistically significant (Mann–Whitney U over the HDR distributions, ties handled, p < ${k.alpha}) and practically relevant (|Cliff's δ| ≥ ${k.minCliffsDelta}, median change ≥ ${k.minChangePct} %${k.minAbsDiff.ms ? `, ≥ ${k.minAbsDiff.ms} ms for timings` : ''}, ≥ ${k.minSamples} samples per side). Otherwise the answer is "no clear difference": two runs of the same scenario always differ a little.`,
    '',
    '</details>',
    '',
  );
  return parts.join('\n');
}

/** A run as a compact Markdown summary (thresholds, health, main metrics). */
export function formatResultsMarkdown(results: Results): string {
  const m = results.meta;
  const failed = results.thresholds.filter((t) => !t.pass).length;
  const errors = results.errors.reduce((s, e) => s + e.count, 0);
  const status = [
    results.thresholds.length === 0 ? 'no thresholds' : failed === 0 ? `✅ ${results.thresholds.length} thresholds passed` : `❌ ${failed} of ${results.thresholds.length} thresholds failed`,
    results.health.saturated ? `⚠️ harness saturated (${mdCell(results.health.reasons.join('; '))})` : 'harness healthy',
    `${formatCount(errors)} errors`,
  ];
  if (m.interrupted) status.push(`interrupted: ${mdCell(m.interrupted)}`);
  const rows = sortEntries(results.metrics, Object.keys(HISTOGRAMS)).map((x) => [
    code(x.name),
    mdCell(formatLabels(x.labels)),
    formatCount(x.count),
    formatValue(x.p50, x.unit),
    formatValue(x.p95, x.unit),
    formatValue(x.p99, x.unit),
    formatValue(x.max, x.unit),
  ]);
  const parts = [
    `### Rookery: ${mdCell(m.scenario)}`,
    '',
    `${mdCell(m.target)} · ${mdCell(m.load.description)} · ${formatDuration(m.durationMs)}`,
    '',
    status.join(' · '),
    '',
    table(['Metric', 'Labels', 'count', 'p50', 'p95', 'p99', 'max'], ['l', 'l', 'r', 'r', 'r', 'r', 'r'], rows),
  ];
  if (results.thresholds.length > 0) {
    parts.push(
      '',
      table(
        ['', 'Threshold', 'Actual'],
        ['l', 'l', 'r'],
        results.thresholds.map((t) => [t.pass ? '✅' : '❌', code(t.expr), t.actual === undefined ? 'no data' : formatPlain(t.actual)]),
      ),
    );
  }
  parts.push('');
  return parts.join('\n');
}
