/** Plain-text server figures for the end-of-run summary and `rookery compare`. */
import type { Results } from '../metrics/model.js';
import { memoryPerLiveView, timeSplit, type MemoryEstimate, type ServerComparison } from '../server-metrics/analysis.js';
import { formatCount, formatValue } from './format.js';

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : formatValue(v, 'ms'));

function memory(m: MemoryEstimate | undefined): string {
  const f = m?.fit;
  if (!m || !f) return m?.reason ?? '–';
  const left = m.excluded > 0 ? `; ${formatCount(m.excluded)} scrape(s) taken mid-navigation left out` : '';
  return `${formatValue(f.bytesPerLiveView, 'bytes')} ± ${formatValue(f.ci95[1] - f.bytesPerLiveView, 'bytes')} (95 %, ${formatCount(f.n)} points, R² ${f.r2.toFixed(2)}${left})`;
}

/** Lines for `rookery run`'s summary; '' when the run scraped no server metrics. */
export function serverSummaryText(results: Results): string {
  const server = results.server;
  if (!server) return '';
  const failures = server.targets.reduce((n, t) => n + t.failures, 0);
  const scrapes = server.targets.reduce((n, t) => n + t.scrapes, 0);
  const lines = [`Server metrics: ${formatCount(scrapes)} scrapes of ${server.targets.length} endpoint(s), ${formatCount(failures)} failed${failures > 0 ? ` (last: ${server.targets.find((t) => t.lastError)?.lastError ?? '?'})` : ''}`];
  for (const r of timeSplit(results)) {
    if (!r.server) continue;
    const who = `${r.variant ? `${r.variant} ` : ''}${r.kind === 'mount' ? `mount ${r.action}` : r.action}`;
    lines.push(`  ${who}: server ${ms(r.split.serverMs)} | network + queueing ${ms(r.split.networkMs)} | client ${ms(r.split.clientMs)} (means)${r.shared ? ' [server figure shared]' : ''}`);
  }
  for (const m of memoryPerLiveView(results)) lines.push(`  memory per LiveView${m.variant ? ` (${m.variant})` : ''}: ${memory(m)}`);
  return lines.join('\n');
}

/** Lines for `rookery compare`; '' without server metrics. */
export function serverComparisonText(s: ServerComparison | undefined, names: [string, string]): string {
  if (!s) return '';
  if (!s.attributable) return `Server: ${s.note}`;
  const lines = [`Server (${s.note})`];
  for (const r of s.rows) {
    lines.push(`  ${r.kind === 'mount' ? `mount ${r.action}` : r.action}: server handle ${ms(r.a?.server?.mean)} → ${ms(r.b?.server?.mean)}, network + queueing ${ms(r.a?.split.networkMs)} → ${ms(r.b?.split.networkMs)}, client ${ms(r.a?.split.clientMs)} → ${ms(r.b?.split.clientMs)}`);
  }
  lines.push(`  memory per LiveView: ${names[0]} ${memory(s.memory.a)} · ${names[1]} ${memory(s.memory.b)} → ${s.memory.verdict}`);
  return lines.join('\n');
}
