/**
 * The self-contained page around the report sections: inline CSS, the inlined uPlot library (read from
 * node_modules at render time — no CDN, the file works offline from disk), the data blocks and the page script.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChartSpec } from './chart-specs.js';
import { drawReportCharts } from './html-client.js';
import { html, jsonForScript, scriptText, trusted, type SafeHtml } from './html-escape.js';

interface Assets {
  uplotJs: string;
  uplotCss: string;
}

let cachedAssets: Assets | undefined;

/** uPlot's browser build and stylesheet, resolved from wherever the package is installed. */
export function loadAssets(): Assets {
  if (cachedAssets) return cachedAssets;
  const require = createRequire(import.meta.url);
  const read = (spec: string): string => {
    try {
      return readFileSync(require.resolve(spec), 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${spec} for the HTML report (is the uplot package installed?): ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  cachedAssets = { uplotJs: read('uplot/dist/uPlot.iife.min.js'), uplotCss: read('uplot/dist/uPlot.min.css') };
  return cachedAssets;
}

const CSS = `
:root {
  --bg: #f5f7fa; --card: #ffffff; --ink: #0f172a; --ink-2: #334155; --muted: #64748b; --line: #e2e8f0;
  --line-2: #f1f5f9; --accent: #2563eb; --ok: #15803d; --ok-bg: #dcfce7; --bad: #b91c1c; --bad-bg: #fee2e2;
  --warn: #a16207; --warn-bg: #fef9c3; --info-bg: #e0e7ff; --info: #3730a3;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, "Noto Sans", sans-serif; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
.topbar { background: #0f172a; color: #e2e8f0; }
.topbar .wrap { display: flex; align-items: center; gap: 12px; padding-top: 10px; padding-bottom: 10px; }
.brand { font-weight: 700; letter-spacing: .02em; color: #fff; }
.brand-mark { display: inline-block; width: 10px; height: 10px; border-radius: 3px; background: linear-gradient(135deg,#60a5fa,#a78bfa); margin-right: 8px; }
.topbar .kind { color: #94a3b8; font-size: 13px; }
.topbar nav { margin-left: auto; display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; }
.topbar nav a { color: #cbd5e1; text-decoration: none; }
.topbar nav a:hover { color: #fff; }
.wrap { max-width: 1320px; margin: 0 auto; padding: 0 24px; }
header.hero { padding: 28px 0 8px; }
h1 { font-size: 26px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -.01em; }
h2 { font-size: 18px; margin: 0; letter-spacing: -.005em; }
h3 { font-size: 14px; margin: 0; color: var(--ink-2); font-weight: 600; }
.sub { color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 18px; }
.sub b { color: var(--ink-2); font-weight: 600; }
.target { font-family: var(--mono); font-size: 13px; color: var(--ink-2); word-break: break-all; }
.pills { display: flex; flex-wrap: wrap; gap: 8px; margin: 14px 0 4px; }
.pill { display: inline-flex; align-items: center; gap: 6px; padding: 4px 10px; border-radius: 999px; font-size: 13px; font-weight: 600; border: 1px solid transparent; }
.pill.ok { background: var(--ok-bg); color: var(--ok); }
.pill.bad { background: var(--bad-bg); color: var(--bad); }
.pill.warn { background: var(--warn-bg); color: var(--warn); }
.pill.info { background: var(--info-bg); color: var(--info); }
.pill.neutral { background: #fff; color: var(--ink-2); border-color: var(--line); }
section.block { margin: 26px 0; }
.block-head { display: flex; align-items: baseline; gap: 12px; margin-bottom: 12px; }
.block-head p { margin: 0; color: var(--muted); font-size: 13px; }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
.grid.kpis { grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.grid.three { grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); }
.span-all { grid-column: 1 / -1; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; box-shadow: 0 1px 2px rgba(15,23,42,.04); min-width: 0; }
.card-head { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; flex-wrap: wrap; }
.card-head .note { color: var(--muted); font-size: 12px; }
.kpi { padding: 14px 16px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; font-weight: 600; }
.kpi .value { font-size: 24px; font-weight: 700; margin-top: 2px; letter-spacing: -.01em; }
.kpi .label.mono { text-transform: none; letter-spacing: 0; font-family: var(--mono); }
.kpi .hint { color: var(--muted); font-size: 12px; }
.kpi.bad .value { color: var(--bad); }
.kpi.ok .value { color: var(--ok); }
.chart { position: relative; }
.chart-plot { width: 100%; min-height: 120px; }
.chart-picker { margin-left: auto; max-width: 60%; font: inherit; font-size: 12px; padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink-2); }
.uplot { font-family: inherit; width: 100%; }
.u-legend { font-size: 12px; color: var(--ink-2); text-align: left; margin: 6px 0 0; }
.u-legend .u-marker { border-radius: 2px; }
.u-series > * { padding: 2px 4px; }
.u-inline tr { margin-right: 10px; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line-2); text-align: left; vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:hover { background: #f8fafc; }
td.label { font-family: var(--mono); font-size: 12.5px; color: var(--ink); white-space: nowrap; max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
td.metric, div.metric { font-family: var(--mono); font-size: 12.5px; }
table.compare tr.differs { background: #f5f7ff; }
table.compare td.verdict-cell { white-space: nowrap; min-width: 170px; }
.muted { color: var(--muted); }
.tag { display: inline-block; padding: 1px 7px; border-radius: 5px; font-size: 12px; font-weight: 600; }
.tag.ok { background: var(--ok-bg); color: var(--ok); }
.tag.bad { background: var(--bad-bg); color: var(--bad); }
.tag.warn { background: var(--warn-bg); color: var(--warn); }
.tag.none { background: var(--line-2); color: var(--muted); }
.tag.diff { background: var(--info-bg); color: var(--info); }
.verdict { display: flex; gap: 14px; align-items: flex-start; }
.verdict .dot { flex: none; width: 12px; height: 12px; border-radius: 50%; margin-top: 5px; }
.verdict.ok .dot { background: #22c55e; box-shadow: 0 0 0 4px var(--ok-bg); }
.verdict.bad .dot { background: #ef4444; box-shadow: 0 0 0 4px var(--bad-bg); }
.verdict ul { margin: 6px 0 0; padding-left: 18px; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px 18px; margin-top: 12px; }
.facts div { font-size: 12px; color: var(--muted); }
.facts b { display: block; color: var(--ink); font-size: 15px; }
pre.msg { margin: 0; white-space: pre-wrap; word-break: break-word; font: 12px/1.45 var(--mono); background: #f8fafc; border: 1px solid var(--line-2); border-radius: 6px; padding: 6px 8px; max-height: 160px; overflow: auto; }
.ctx { color: var(--muted); font-size: 12px; margin-top: 3px; font-family: var(--mono); }
details > summary { cursor: pointer; color: var(--ink-2); font-weight: 600; }
.empty { color: var(--muted); padding: 18px; text-align: center; border: 1px dashed var(--line); border-radius: 8px; background: #fbfcfd; }
.visual-imgs { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin-top: 10px; }
.visual-imgs figure { margin: 0; }
.visual-imgs img { width: 100%; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.visual-imgs figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
footer { color: var(--muted); font-size: 12px; padding: 20px 0 40px; border-top: 1px solid var(--line); margin-top: 30px; }
footer .wrap > div { margin: 3px 0; }
@media (max-width: 720px) { .grid { grid-template-columns: 1fr; } .wrap { padding: 0 14px; } .topbar nav { display: none; } }
@media print { body { background: #fff; } .card { box-shadow: none; break-inside: avoid; } .topbar nav, .chart-picker { display: none; } }
`;

/** A chart slot; the page script draws into `.chart-plot` and fills the picker when there are several datasets. */
export function chartCard(spec: ChartSpec | undefined, title: string, note?: string, extraClass = ''): SafeHtml {
  if (!spec) return html``;
  return html`<div class="card chart ${extraClass}" id="${spec.id}" data-chart>
  <div class="card-head"><h3>${title}</h3>${note ? html`<span class="note">${note}</span>` : ''}<select class="chart-picker" aria-label="Series shown" hidden></select></div>
  <div class="chart-plot"></div>
</div>`;
}

export interface PageParts {
  title: string;
  /** Shown next to the brand (default: "LiveView load report"). */
  kind?: string;
  nav: Array<[string, string]>;
  body: SafeHtml;
  charts: ChartSpec[];
  /** Embedded once, for anyone who wants the numbers back out of the report. */
  data: unknown;
  footer: SafeHtml;
}

export function renderPage(parts: PageParts): string {
  const assets = loadAssets();
  const boot = `(function(){var specs=JSON.parse(document.getElementById('rookery-charts').textContent);` +
    `var draw=(${drawReportCharts.toString()});` +
    `function go(){try{draw(specs,uPlot);}catch(e){document.body.dataset.chartsError=String(e&&e.message||e);throw e;}}` +
    `if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',go);}else{go();}})();`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rookery">
<title>${parts.title}</title>
<style>${trusted(assets.uplotCss)}</style>
<style>${trusted(CSS)}</style>
</head>
<body>
<div class="topbar"><div class="wrap"><span class="brand"><span class="brand-mark"></span>Rookery</span><span class="kind">${parts.kind ?? 'LiveView load report'}</span>
<nav>${parts.nav.map(([id, label]) => html`<a href="#${id}">${label}</a>`)}</nav></div></div>
<main class="wrap">
${parts.body}
</main>
<footer><div class="wrap">${parts.footer}</div></footer>
<script type="application/json" id="rookery-results">${trusted(jsonForScript(parts.data))}</script>
<script type="application/json" id="rookery-charts">${trusted(jsonForScript(parts.charts))}</script>
<script>${trusted(scriptText(assets.uplotJs))}</script>
<script>${trusted(scriptText(boot))}</script>
</body>
</html>
`;
  return page.value;
}
