/**
 * The report's server side: what was scraped (targets, failures), where each event's and mount's time went
 * (server handle time | network + queueing | client patch), and server bytes per connected LiveView.
 */
import type { Results } from '../metrics/model.js';
import { memoryPerLiveView, serverAttributable, timeSplit, type MemoryEstimate, type SplitRow, type Stat } from '../server-metrics/analysis.js';
import type { ServerComparison } from '../server-metrics/analysis.js';
import type { Comparison } from './compare.js';
import { formatCount, formatValue } from './format.js';
import { html, type SafeHtml } from './html-escape.js';

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : formatValue(v, 'ms'));

/** What the variant mode means, for the report and the console. */
export function variantModeNote(results: Results): string | undefined {
  if ((results.meta.variants?.length ?? 0) < 2) return undefined;
  if (results.meta.variantMode === 'sequential') {
    return 'Sequential variants: each variant ran alone with the same load shape (ramp, hold, ramp-down, settle gap), one after the other, so server metrics and memory per LiveView are attributed to each variant by time. Client figures of different segments ran at different moments: a machine that got busier in between shows up as a difference.';
  }
  return 'Interleaved variants: users split evenly and ran at the same time on the same machine, the fair comparison of client figures. The server’s own metrics cover all variants together and are not split between them (use --variant-mode sequential for that).';
}

function statCell(s: Stat | undefined): SafeHtml {
  if (!s) return html`<td class="num muted">–</td>`;
  return html`<td class="num">${ms(s.mean)}<div class="ctx">p50 ${ms(s.p50)} · n ${formatCount(s.count)}</div></td>`;
}

function splitBar(r: SplitRow): SafeHtml {
  const parts: Array<[string, number | undefined, string]> = [
    ['server', r.split.serverMs, '#4c78a8'],
    ['network + queueing', r.split.networkMs, '#f58518'],
    ['client', r.split.clientMs, '#54a24b'],
  ];
  const shown = parts.filter(([, v]) => v !== undefined && v > 0) as Array<[string, number, string]>;
  const total = shown.reduce((s, [, v]) => s + v, 0);
  if (total <= 0) return html`<td class="muted">–</td>`;
  return html`<td><div class="split-bar" style="display:flex;height:12px;min-width:160px;border-radius:3px;overflow:hidden">${shown.map(
    ([name, v, color]) => html`<span title="${name}: ${ms(v)}" style="width:${((v / total) * 100).toFixed(1)}%;background:${color}"></span>`,
  )}</div><div class="ctx">${parts.map(([name, v]) => `${name} ${ms(v)}`).join(' · ')}</div></td>`;
}

function splitTable(rows: readonly SplitRow[], id: string): SafeHtml {
  if (rows.length === 0) return html`<div class="empty">No events or mounts were measured.</div>`;
  const withVariant = rows.some((r) => r.variant !== undefined);
  return html`<div class="table-wrap"><table id="${id}"><thead><tr>${withVariant ? html`<th>variant</th>` : ''}<th>what</th><th class="num">server (telemetry)</th><th class="num">round trip</th><th class="num">until patched</th><th>split of the mean (server | network + queueing | client)</th></tr></thead><tbody>
${rows.map(
  (r) => html`<tr data-kind="${r.kind}" data-action="${r.action}" data-variant="${r.variant ?? ''}">${withVariant ? html`<td>${r.variant ?? ''}</td>` : ''}
<td><div class="metric">${r.kind === 'mount' ? `mount ${r.action}` : r.action}</div><div class="ctx">${r.kind === 'event' ? `events ${r.events.join(', ')} · ${r.views.join(', ')}` : 'join RTT · navigation → mounted'}${r.shared ? ' · server figure shared with other views' : ''}</div></td>
${statCell(r.server)}${statCell(r.rtt)}${statCell(r.patch)}${splitBar(r)}</tr>`,
)}
</tbody></table></div>`;
}

function memoryText(m: MemoryEstimate | undefined): string {
  const f = m?.fit;
  if (!f) return m?.reason ?? '–';
  return `${formatValue(f.bytesPerLiveView, 'bytes')} ± ${formatValue(f.ci95[1] - f.bytesPerLiveView, 'bytes')}`;
}

function memoryTable(estimates: readonly MemoryEstimate[]): SafeHtml {
  return html`<div class="table-wrap"><table id="memory-per-liveview"><thead><tr><th>variant</th><th class="num">bytes per connected LiveView (95 % interval)</th><th class="num">server memory with none connected</th><th class="num">R²</th><th class="num">points</th><th class="num" title="scrapes taken while a page was navigating, joining or being released: the server could count its LiveViews differently, so they are left out">scrapes left out</th><th class="num">connected LiveViews</th><th>series</th></tr></thead><tbody>
${estimates.map((m) => {
  const f = m.fit;
  return f
    ? html`<tr data-variant="${m.variant ?? ''}" data-bytes-per-lv="${f.bytesPerLiveView.toFixed(0)}"><td>${m.variant ?? 'whole run'}</td><td class="num">${memoryText(m)}<div class="ctx">[${formatValue(f.ci95[0], 'bytes')}, ${formatValue(f.ci95[1], 'bytes')}]</div></td><td class="num">${formatValue(f.baseBytes, 'bytes')}</td><td class="num">${f.r2.toFixed(3)}</td><td class="num">${formatCount(f.n)}</td><td class="num" data-excluded="${m.excluded}">${formatCount(m.excluded)}</td><td class="num">${formatCount(f.minConnected)}–${formatCount(f.maxConnected)}</td><td class="ctx">${f.metric}</td></tr>`
    : html`<tr data-variant="${m.variant ?? ''}"><td>${m.variant ?? 'whole run'}</td><td colspan="7" class="muted">${m.reason ?? 'no estimate'}</td></tr>`;
})}
</tbody></table></div>`;
}

/** The run report's server section (empty when the run scraped nothing). */
export function serverBlock(results: Results): SafeHtml {
  const server = results.server;
  if (!server) return html``;
  const failures = server.targets.reduce((n, t) => n + t.failures, 0);
  const targets = html`<div class="table-wrap"><table id="server-targets"><thead><tr><th>endpoint</th><th class="num">scrapes</th><th class="num">failures</th><th>last error</th><th class="num">families not mapped</th></tr></thead><tbody>
${server.targets.map((t) => html`<tr class="${t.failures > 0 ? 'differs' : ''}"><td><code>${t.url}</code></td><td class="num">${formatCount(t.scrapes)}</td><td class="num">${formatCount(t.failures)}</td><td class="ctx">${t.lastError ?? ''}</td><td class="num">${formatCount(t.unmappedFamilies)}</td></tr>`)}
</tbody></table></div>`;
  const attribution = serverAttributable(results)
    ? (results.meta.segments?.length ? 'Per variant: each variant’s figures come from its own segment of the run.' : 'Over the whole run.')
    : 'Variants ran interleaved: server figures cover all variants together (same event name on several views: shared).';
  return html`<section class="block" id="server"><div class="block-head"><h2>Server</h2><p>Scraped by the ${server.scrapedBy === 'collector' ? 'collector' : 'harness'} every ${formatValue(server.intervalMs, 'ms')} from the app’s Prometheus endpoint${server.targets.length === 1 ? '' : 's'} (${failures === 0 ? 'no failed scrape' : `${formatCount(failures)} failed scrape${failures === 1 ? '' : 's'}, shown below; never fatal`}). ${attribution}</p></div>
<div class="grid">
<div class="card span-all" id="time-split"><div class="card-head"><h3>Where the time goes</h3><span class="note">means; network + queueing = round trip − server, client = until patched − round trip</span></div>${splitTable(timeSplit(results), 'time-split-table')}</div>
<div class="card span-all" id="memory"><div class="card-head"><h3>Memory per LiveView</h3><span class="note">least-squares fit of server memory against LiveViews held connected, over the load (ramp, hold, ramp-down)</span></div>${memoryTable(memoryPerLiveView(results))}<p class="muted" style="font-size:12px;margin:10px 0 0">The interval assumes independent residuals; consecutive scrapes are correlated (garbage collection, caches), so treat it as a lower bound on the uncertainty. A scrape is paired with the LiveViews held connected at that instant, and left out when a page was navigating, joining or being released then (the server’s count could differ).</p></div>
<div class="card span-all"><div class="card-head"><h3>Endpoints</h3></div>${targets}</div>
</div></section>`;
}

/** Server figures of a comparison (run report variant section and compare report). */
export function serverComparisonBlock(c: Comparison): SafeHtml {
  const s: ServerComparison | undefined = c.server;
  if (!s) return html``;
  if (!s.attributable) return html`<p class="muted" id="server-compare-note">${s.note}</p>`;
  const row = (r: ServerComparison['rows'][number]): SafeHtml =>
    html`<tr data-action="${r.action}" data-kind="${r.kind}"><td><div class="metric">${r.kind === 'mount' ? `mount ${r.action}` : r.action}</div></td>
<td class="num">${ms(r.a?.server?.mean)} <span class="muted">→</span> ${ms(r.b?.server?.mean)}</td>
<td class="num">${ms(r.a?.split.networkMs)} <span class="muted">→</span> ${ms(r.b?.split.networkMs)}</td>
<td class="num">${ms(r.a?.split.clientMs)} <span class="muted">→</span> ${ms(r.b?.split.clientMs)}</td></tr>`;
  return html`<div class="card span-all" id="server-compare"><div class="card-head"><h3>Server side: ${c.a.name} vs ${c.b.name}</h3><span class="note">${s.note}</span></div>
<div class="table-wrap"><table id="server-compare-table"><thead><tr><th>what</th><th class="num">server handle (mean)</th><th class="num">network + queueing</th><th class="num">client</th></tr></thead><tbody>${s.rows.map(row)}</tbody></table></div>
<p id="memory-compare" data-verdict="${s.memory.verdict}">Memory per LiveView: ${c.a.name} ${memoryText(s.memory.a)} · ${c.b.name} ${memoryText(s.memory.b)} → <strong>${s.memory.verdict}</strong> (called when the 95 % intervals do not overlap)</p></div>`;
}
