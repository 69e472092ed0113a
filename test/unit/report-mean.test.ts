// One mean: the HTML report's "Mean diff size" and every mean cell it prints come from the same histogram value
// (MetricHistogram) as `metrics[].mean`, so they are equal exactly — `toBe`, no tolerance. The figures are read
// back out of the rendered page (`data-value` keeps each shown number unformatted).
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import { buildSeries } from '../../src/metrics/timeline.js';
import { buildResults, validateResults } from '../../src/metrics/results.js';
import { stringifyResults } from '../../src/metrics/results-file.js';
import { MetricHistogram } from '../../src/metrics/hdr.js';
import { formatValue } from '../../src/report/format.js';
import { renderHtml } from '../../src/report/html.js';
import type { Results } from '../../src/metrics/model.js';
import { fakeResults, logNormal, rng } from '../support/fake-results.js';

/** A results file as a run writes it: registry → per-second intervals → accumulator → buildResults → JSON → read. */
function engineResults(): Results {
  const rand = rng(11);
  const reg = new MetricsRegistry({ startedAt: 0, clock: () => 5 });
  const acc = new Accumulator({ startedAt: 0 });
  for (let s = 0; s < 20; s++) {
    for (let k = 0; k < 150; k++) {
      // Diff sizes spread over many HDR buckets (above 2048 the buckets are wider than 1 byte).
      reg.record('lv_diff_bytes', { event: 'inc', view: '/counter' }, Math.round(logNormal(rand, { median: 3100, sigma: 0.6 })));
      reg.record('lv_event_rtt_ms', { event: 'inc', view: '/counter' }, logNormal(rand, { median: 4.2, sigma: 0.4 }));
      reg.count('lv_events', { event: 'inc', view: '/counter' });
    }
    reg.gauge('users_active', {}, 10);
    acc.add(reg.takeInterval((s + 1) * 1000));
  }
  const built = buildResults({
    meta: { ...fakeResults({ intervals: 1 }).meta, scenario: 'counter', durationMs: 20_000 },
    totals: acc.totals(),
    series: buildSeries(acc.intervals(), { startedAt: 0, intervalMs: acc.intervalMs }),
    thresholds: [],
    health: { saturated: false, reasons: [], eventLoopLagP99Ms: 1, eventLoopLagMaxMs: 2, cpuPeakPercent: { node: 12 }, rssPeakBytes: { node: 1e8 }, cores: 2 },
  });
  return validateResults(JSON.parse(stringifyResults(built)));
}

/** The KPI card's value element: its unformatted figure and the text shown. */
function kpiFigure(page: string, label: string): { raw: number; shown: string } {
  const m = new RegExp(`<div class="label [^"]*">${label}</div><div class="value" data-value="([^"]*)">([^<]*)</div>`).exec(page);
  if (!m) throw new Error(`no KPI "${label}" in the page`);
  return { raw: Number(m[1]), shown: m[2]! };
}

/** The mean cell of one row of the all-metrics table. */
function tableMean(page: string, name: string, labels: string): number {
  const table = /<table id="metrics-table">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
  const row = [...table.matchAll(/<tr><td class="metric">([^<]*)<\/td><td class="label">([^<]*)<\/td>(.*?)<\/tr>/g)].find((r) => r[1] === name && r[2] === labels);
  if (!row) throw new Error(`no row ${name} ${labels}`);
  // Cells: count, min, mean, …
  const values = [...row[3]!.matchAll(/data-value="([^"]*)"/g)].map((c) => Number(c[1]));
  return values[1]!;
}

describe('one mean', () => {
  it('a run’s results file: the report’s mean diff size is metrics[].mean exactly', () => {
    const results = engineResults();
    const diff = results.metrics.find((m) => m.name === 'lv_diff_bytes');
    expect(diff?.count).toBe(3000);
    const page = renderHtml(results);
    const kpi = kpiFigure(page, 'Mean diff size');
    expect(kpi.raw).toBe(diff!.mean);
    expect(kpi.shown).toBe(formatValue(diff!.mean, 'bytes'));
    expect(tableMean(page, 'lv_diff_bytes', 'event=inc view=/counter')).toBe(diff!.mean);
    const rtt = results.metrics.find((m) => m.name === 'lv_event_rtt_ms')!;
    expect(tableMean(page, 'lv_event_rtt_ms', 'event=inc view=/counter')).toBe(rtt.mean);
  });

  it('several series: the merged mean is the mean of the merged histogram, and each row shows its metrics[].mean', () => {
    const results = fakeResults({ seed: 5, intervals: 12 });
    const diffs = results.metrics.filter((m) => m.name === 'lv_diff_bytes');
    expect(diffs.length).toBeGreaterThan(1);
    const merged = MetricHistogram.merge(
      diffs.map((m) => MetricHistogram.decode(m.hdr, 1)),
      1,
    );
    const page = renderHtml(results);
    expect(kpiFigure(page, 'Mean diff size').raw).toBe(merged.mean);
    for (const m of results.metrics) {
      const labels = Object.entries(m.labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(' ');
      if (m.count > 0) expect(tableMean(page, m.name, labels || '—')).toBe(m.mean);
    }
  });
});
