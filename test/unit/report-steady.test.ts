import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/report/console.js';
import { buildReportCharts, allSpecs } from '../../src/report/chart-specs.js';
import { renderHtml } from '../../src/report/html.js';
import { validateResults } from '../../src/metrics/results.js';
import { phasedResults } from '../support/phased-run.js';

describe('steady state and the probe floor in the reports', () => {
  const results = phasedResults(['lv_event_rtt_ms{phase=hold}:p95<200']);

  it('results carry the floor, the steady state and per-point tags, and survive a JSON round trip', () => {
    expect(results.health.probeFloorMs).toEqual({ p50: 2, p95: 2, count: 12 });
    expect(results.health.notes).toEqual([
      "latencies include ≈ 2 ms of network + harness delay (Phoenix heartbeat round trip p50 2 ms, p95 2 ms over 12 heartbeats: the probe's floor on this machine under this load)",
    ]);
    expect(results.series.saturated).toEqual([false, false, false, false, false, false, true, true, false, false, false, false]);
    expect(validateResults(JSON.parse(JSON.stringify(results)))).toEqual(results);
    expect(() => validateResults({ ...JSON.parse(JSON.stringify(results)), steady: { selector: 'x' } })).toThrow(/results\.steady\.intervals/);
  });

  it('console: the heartbeat floor beside event RTTs, whole run beside steady state, every left-out range listed', () => {
    const text = formatSummary(results);
    expect(text).toContain('Steady state (phase=hold, not saturated): 6 intervals = 6.00 s, 2 hold intervals left out');
    expect(text).toContain('left out: 6–7 s hold (1 interval): harness saturated');
    expect(text).toContain('left out: 7–8 s hold (1 interval): event-loop lag p99 120 ms');
    const rows = text.split('\n');
    const head = rows.findIndex((l) => l.startsWith('Whole run vs steady state'));
    expect(rows[head + 1]).toMatch(/^ws_heartbeat_rtt_ms\s+2\.00 ms/);
    const rtt = head + 2;
    expect(rows[rtt]).toMatch(/^lv_event_rtt_ms\{event=inc,view=\/c\}/);
    // steady n for the RTT: intervals 4, 5, 8–11 → 5+6+9+10+11+12 samples
    expect(rows[rtt]).toMatch(/\s53\s/);
    expect(text).toContain('latencies include ≈ 2 ms of network + harness delay');
  });

  it('HTML: every chart over time shades the saturated seconds; the steady card lists what was left out', () => {
    const charts = buildReportCharts(results);
    expect(charts.latencyOverTime?.shade).toEqual([[6, 8]]);
    for (const spec of allSpecs(charts)) {
      if (spec.x === 'seconds') expect(spec.shade).toEqual([[6, 8]]);
      else expect(spec.shade).toBeUndefined();
    }
    const page = renderHtml(results);
    expect(page).toContain('id="steady-table"');
    expect(page).toContain('data-excluded="2"');
    expect(page).toContain('latencies include ≈ 2 ms');
    expect(page).toMatch(/Event round trip p95.*?steady p95 120 ms/s);
  });
});
