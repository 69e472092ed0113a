import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/server-metrics/parse.js';
import { compileRules, matchFamily } from '../../src/server-metrics/mapping.js';
import { ServerMetricsBuilder, bucketQuantile } from '../../src/server-metrics/derive.js';
import { fitLine, memoryPerLiveView, memoryVerdict, t95, type MemoryEstimate } from '../../src/server-metrics/analysis.js';
import { fakeResults } from '../support/fake-results.js';
import type { Results } from '../../src/metrics/model.js';
import { resolveServerMetrics } from '../../src/server-metrics/scraper.js';
import { CONNECTED_GUARD_MS, pairedCounts, type ConnectedSample } from '../../src/server-metrics/pairing.js';
import { validateResults } from '../../src/metrics/results.js';
import { sequentialPlan, segmentAt } from '../../src/load/sequential.js';
import { targetUsersAt } from '../../src/load/profile.js';

const PROMEX = 'app_prom_ex_phoenix_live_view_handle_event_duration_milliseconds';

function exposition(opts: { inc: number; add: number; memory: number; requests: number; sumInc?: number }): string {
  return `# HELP ${PROMEX} The time it takes for the live view to complete the handle_event callback.
# TYPE ${PROMEX} histogram
${PROMEX}_bucket{event="inc",action="index",module="AppWeb.CounterLive",le="10"} ${opts.inc}
${PROMEX}_bucket{event="inc",action="index",module="AppWeb.CounterLive",le="100"} ${opts.inc}
${PROMEX}_bucket{event="inc",action="index",module="AppWeb.CounterLive",le="+Inf"} ${opts.inc}
${PROMEX}_sum{event="inc",action="index",module="AppWeb.CounterLive"} ${opts.sumInc ?? opts.inc * 5}
${PROMEX}_count{event="inc",action="index",module="AppWeb.CounterLive"} ${opts.inc}
${PROMEX}_bucket{event="add",action="index",module="AppWeb.ListLive",le="10"} 0
${PROMEX}_bucket{event="add",action="index",module="AppWeb.ListLive",le="100"} ${opts.add}
${PROMEX}_bucket{event="add",action="index",module="AppWeb.ListLive",le="+Inf"} ${opts.add}
${PROMEX}_sum{event="add",action="index",module="AppWeb.ListLive"} ${opts.add * 50}
${PROMEX}_count{event="add",action="index",module="AppWeb.ListLive"} ${opts.add}
# HELP app_prom_ex_beam_memory_allocated_bytes The total amount of memory currently allocated.
# TYPE app_prom_ex_beam_memory_allocated_bytes gauge
app_prom_ex_beam_memory_allocated_bytes ${opts.memory}
# TYPE phoenix_requests_total counter
phoenix_requests_total{path="/a\\"b"} ${opts.requests}
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.2
rpc_seconds_sum 3
rpc_seconds_count 10
`;
}

describe('parseExposition', () => {
  it('keeps every label set of a histogram apart (the library alone collapses them), with counts and sums', () => {
    const fams = parseExposition(exposition({ inc: 4, add: 2, memory: 1e6, requests: 7 }));
    const h = fams.find((f) => f.name === PROMEX);
    expect(h?.type).toBe('histogram');
    if (h?.type !== 'histogram') throw new Error('not a histogram');
    expect(h.histograms.map((x) => x.labels.event).sort()).toEqual(['add', 'inc']);
    const add = h.histograms.find((x) => x.labels.event === 'add')!;
    expect(add.le).toEqual([10, 100, Infinity]);
    expect(add.cumulative).toEqual([0, 2, 2]);
    expect(add.count).toBe(2);
    expect(add.sum).toBe(100);
    expect(add.labels).toEqual({ event: 'add', action: 'index', module: 'AppWeb.ListLive' });
    const counter = fams.find((f) => f.name === 'phoenix_requests_total');
    expect(counter).toMatchObject({ type: 'counter', samples: [{ labels: { path: '/a"b' }, value: 7 }] });
    expect(fams.find((f) => f.name === 'app_prom_ex_beam_memory_allocated_bytes')).toMatchObject({ type: 'gauge', samples: [{ value: 1e6 }] });
    // Summaries carry client-side quantiles that cannot be merged: skipped.
    expect(fams.some((f) => f.name.startsWith('rpc_seconds'))).toBe(false);
  });
});

describe('mapping', () => {
  const rules = compileRules();
  it.each([
    [PROMEX, 'lv_handle_event_ms', 1],
    ['app_prom_ex_phoenix_live_view_mount_duration_milliseconds', 'lv_mount_ms', 1],
    ['phoenix_live_view_handle_event_stop_duration', 'lv_handle_event_ms', 1],
    ['phoenix_live_component_handle_event_stop_duration_seconds', 'lv_component_handle_event_ms', 1000],
    ['phoenix_live_view_mount_stop_duration_microseconds', 'lv_mount_ms', 0.001],
    ['app_prom_ex_beam_memory_allocated_bytes', 'memory_bytes', 1],
    ['vm_memory_total', 'memory_bytes', 1],
    ['app_prom_ex_beam_stats_run_queue_count', 'run_queue', 1],
    ['vm_total_run_queue_lengths_total', 'run_queue', 1],
  ])('%s → %s (×%d)', (name, role, factor) => {
    const m = matchFamily(rules, name);
    expect(m?.role).toBe(role);
    expect(m?.factor).toBeCloseTo(factor, 12);
  });

  it('tries config rules first, converts by scale, and rejects bad ones clearly', () => {
    const custom = compileRules([{ match: '^vm_memory_total$', role: 'memory_bytes', scale: 1024 }]);
    expect(matchFamily(custom, 'vm_memory_total')?.factor).toBe(1024);
    expect(matchFamily(rules, 'http_requests_total')).toBeUndefined();
    expect(() => compileRules([{ match: '(', role: 'x' }])).toThrow(/serverMetrics.mapping\[0\]: match "\(" is not a regular expression/);
    expect(() => compileRules([{ match: 'x', role: 'bad role' }])).toThrow(/role must be a metric-like name/);
  });
});

describe('ServerMetricsBuilder', () => {
  const start = 1_000_000;
  it('baseline first; then counters as rates, gauges as values, histograms as bucket deltas; nodes summed', () => {
    const b = new ServerMetricsBuilder(['http://a/metrics', 'http://b/metrics'], { startedAt: start, intervalMs: 1000, mapping: [{ match: '^phoenix_requests_total$', role: 'requests' }] });
    b.addRound(start, [
      { node: 0, text: exposition({ inc: 10, add: 0, memory: 100, requests: 50 }) },
      { node: 1, text: exposition({ inc: 1, add: 0, memory: 200, requests: 0 }) },
    ]);
    b.addRound(start + 2000, [
      { node: 0, text: exposition({ inc: 14, add: 3, memory: 150, requests: 60 }) },
      { node: 1, text: exposition({ inc: 2, add: 1, memory: 250, requests: 4 }) },
    ]);
    const r = b.result('local');
    expect(r.t).toEqual([2000]);
    const mem = r.series.find((s) => s.role === 'memory_bytes')!;
    expect(mem).toMatchObject({ kind: 'gauge', unit: 'bytes', values: [400] });
    const req = r.series.find((s) => s.role === 'requests')!;
    expect(req.kind).toBe('rate');
    expect(req.values[0]).toBeCloseTo((10 + 4) / 2, 12); // increases of both nodes over 2 s
    const inc = r.histograms.find((h) => h.labels.event === 'inc')!;
    expect(inc.labels).toEqual({ event: 'inc', live_action: 'index', view: 'AppWeb.CounterLive' }); // PromEx labels renamed
    expect(inc.count).toEqual([5]);
    expect(inc.sum).toEqual([25]);
    expect(inc.le).toEqual([10, 100]);
    expect(inc.buckets).toEqual([[5, 0, 0]]);
    const add = r.histograms.find((h) => h.labels.event === 'add')!;
    expect(add.buckets).toEqual([[0, 4, 0]]);
    expect(add.p50[0]).toBeCloseTo(10 + 90 * 0.5, 9); // interpolated within (10, 100]
    expect(r.targets.map((t) => [t.scrapes, t.failures])).toEqual([[2, 0], [2, 0]]);
    expect(r.targets[0]!.unmappedFamilies).toBe(0);
    // Read back from disk, the results document's contract takes it as written.
    const read = validateResults(JSON.parse(JSON.stringify({ ...fakeResults({ intervals: 2, errors: [] }), server: r })));
    expect(read.server).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('counts failures without stopping, nulls the merged gauges a failed node had, and survives counter resets', () => {
    const b = new ServerMetricsBuilder(['http://a/metrics', 'http://b/metrics'], { startedAt: start, intervalMs: 1000, mapping: [{ match: '^phoenix_requests_total$', role: 'requests' }] });
    b.addRound(start, [{ node: 0, text: exposition({ inc: 10, add: 0, memory: 100, requests: 50 }) }, { node: 1, text: exposition({ inc: 0, add: 0, memory: 1, requests: 0 }) }]);
    b.addRound(start + 1000, [{ node: 0, text: exposition({ inc: 11, add: 0, memory: 100, requests: 51 }) }, { node: 1, error: 'http://b/metrics: connect ECONNREFUSED' }]);
    // Node 0 restarted: its counters start again from 0.
    b.addRound(start + 2000, [{ node: 0, text: exposition({ inc: 2, add: 0, memory: 100, requests: 3 }) }, { node: 1, text: 'this is { not prometheus' }]);
    const r = b.result('collector');
    expect(r.scrapedBy).toBe('collector');
    expect(r.targets[1]).toMatchObject({ scrapes: 1, failures: 2 });
    expect(r.targets[1]!.lastError).toMatch(/unparseable exposition/);
    expect(r.series.find((s) => s.role === 'memory_bytes')!.values).toEqual([null, null]);
    expect(r.series.find((s) => s.role === 'requests')!.values).toEqual([1, 3]);
    expect(r.histograms.find((h) => h.labels.event === 'inc')!.count).toEqual([1, 2]);
  });

  it('downsamples long runs exactly: buckets summed, rates time-weighted, last gauge', () => {
    const b = new ServerMetricsBuilder(['u'], { startedAt: start, intervalMs: 1000, maxPoints: 2, mapping: [{ match: '^phoenix_requests_total$', role: 'requests' }] });
    const counts = [0, 1, 3, 6, 10];
    counts.forEach((c, i) => b.addRound(start + i * 1000, [{ node: 0, text: exposition({ inc: c, add: 0, memory: i, requests: c * 2 }) }]));
    const r = b.result('local');
    expect(r.t).toEqual([2000, 4000]);
    expect(r.histograms.find((h) => h.labels.event === 'inc')!.count).toEqual([3, 7]);
    expect(r.series.find((s) => s.role === 'memory_bytes')!.values).toEqual([2, 4]);
    expect(r.series.find((s) => s.role === 'requests')!.values).toEqual([3, 7]);
    expect(r.intervalMs).toBe(2000);
  });
});

describe('bucketQuantile', () => {
  it('interpolates like histogram_quantile, and the +Inf bucket answers the highest finite bound', () => {
    expect(bucketQuantile([10, 20], [0, 10, 0], 0.5)).toBe(15);
    expect(bucketQuantile([10, 20], [10, 0, 0], 0.5)).toBe(5);
    expect(bucketQuantile([10, 20], [0, 0, 4], 0.99)).toBe(20);
    expect(bucketQuantile([10, 20], [0, 0, 0], 0.5)).toBeNull();
  });
});

describe('fitLine', () => {
  it('recovers an exact line and puts the truth inside the 95 % interval of a noisy one', () => {
    const exact = fitLine([0, 1, 2, 3, 4].map((x) => ({ x, y: 1000 + 250 * x })))!;
    expect(exact.slope).toBeCloseTo(250, 9);
    expect(exact.intercept).toBeCloseTo(1000, 9);
    expect(exact.stderr).toBeCloseTo(0, 9);
    // Deterministic "noise": ±40 alternating.
    const pts = Array.from({ length: 20 }, (_, i) => ({ x: i, y: 5000 + 300 * i + (i % 2 === 0 ? 40 : -40) }));
    const f = fitLine(pts)!;
    const half = t95(f.n - 2) * f.stderr;
    expect(Math.abs(f.slope - 300)).toBeLessThan(half);
    expect(fitLine([{ x: 1, y: 1 }, { x: 1, y: 2 }, { x: 1, y: 3 }])).toBeUndefined();
    expect(fitLine([{ x: 1, y: 1 }, { x: 2, y: 2 }])).toBeUndefined();
  });
});

describe('memoryVerdict', () => {
  const est = (bytes: number, half: number): MemoryEstimate => ({
    variant: undefined, excluded: 0,
    fit: { variant: undefined, metric: 'm', bytesPerLiveView: bytes, stderr: half / 2, ci95: [bytes - half, bytes + half], baseBytes: 0, r2: 1, n: 10, minConnected: 0, maxConnected: 8 },
  });
  it('calls a difference when the intervals are apart and the estimates differ by ≥ 5 %', () => {
    expect(memoryVerdict(est(30_000, 500), est(90_000, 900), ['stream', 'list'])).toBe('stream smaller');
    expect(memoryVerdict(est(90_000, 900), est(30_000, 500), ['list', 'stream'])).toBe('stream smaller');
    expect(memoryVerdict(est(30_000, 5_000), est(36_000, 5_000), ['a', 'b'])).toBe('no clear difference'); // overlap
    // Exact fits (no interval): a rounding difference is not a difference.
    expect(memoryVerdict(est(50_000.000001, 0), est(49_999.999999, 0), ['function', 'live'])).toBe('no clear difference');
    expect(memoryVerdict(est(50_000, 0), est(51_000, 0), ['a', 'b'])).toBe('no clear difference');
    expect(memoryVerdict(undefined, est(1, 0), ['a', 'b'])).toMatch(/not compared/);
  });
});

describe('pairedCounts and config', () => {
  it('pairs a scrape with the counts only when no page was in transition during it or just before', () => {
    const v = { variant: 'a', view: '/a' };
    const w = { variant: 'b', view: '/b' };
    const at = (o: Partial<ConnectedSample>): ConnectedSample => ({ counts: [{ labels: v, value: 3 }, { labels: w, value: 1 }], unsettled: 0, quietMs: 500, changes: 7, ...o });
    const kept = [{ labels: v, value: 3 }, { labels: w, value: 1 }];
    const left = [{ labels: v, value: null }, { labels: w, value: null }];
    expect(pairedCounts(at({}), at({ quietMs: 510 }), 10)).toEqual(kept);
    // A page navigating, joining or being released at either end.
    expect(pairedCounts(at({ unsettled: 1 }), at({}), 10)).toEqual(left);
    expect(pairedCounts(at({}), at({ unsettled: 2 }), 10)).toEqual(left);
    // Something changed and changed back meanwhile: the counts are equal, the change count is not.
    expect(pairedCounts(at({}), at({ changes: 9 }), 10)).toEqual(left);
    // Too soon after the last change: the server may not have processed a close yet.
    expect(pairedCounts(at({ quietMs: CONNECTED_GUARD_MS - 1 }), at({}), 10)).toEqual(left);
    expect(pairedCounts(at({ quietMs: CONNECTED_GUARD_MS }), at({}), 10)).toEqual(kept);
    // A slow scrape (slow server loop) needs as long a quiet spell before it.
    expect(pairedCounts(at({ quietMs: 400 }), at({}), 450)).toEqual(left);
  });

  it('resolves the option and the CLI URLs (CLI replaces URLs, keeps the mapping) and rejects bad URLs', () => {
    expect(resolveServerMetrics(undefined, undefined)).toBeUndefined();
    expect(resolveServerMetrics('http://a:4000/metrics', undefined)).toEqual({ urls: ['http://a:4000/metrics'] });
    const mapping = [{ match: 'x', role: 'memory_bytes' }];
    expect(resolveServerMetrics({ urls: ['http://a/metrics'], mapping }, ['http://b/metrics'])).toEqual({ urls: ['http://b/metrics'], mapping });
    expect(() => resolveServerMetrics(undefined, ['localhost:4000/metrics'])).toThrow(/is not a URL|must be http/);
    expect(() => resolveServerMetrics({ mapping }, undefined)).toThrow(/at least one URL/);
  });
});

describe('sequentialPlan', () => {
  it('runs each variant alone with the same ramp, hold, ramp-down and settle gap', () => {
    const plan = sequentialPlan({ kind: 'constant', users: 4, rampMs: 2000, durationMs: 5000, gracefulStopMs: 3000 }, ['stream', 'list'], 1000);
    expect(plan.segments).toEqual([
      { variant: 'stream', startMs: 0, holdEndMs: 7000, endMs: 10_000 },
      { variant: 'list', startMs: 10_000, holdEndMs: 17_000, endMs: 20_000 },
    ]);
    const at = (t: number) => targetUsersAt(plan.profile, t);
    expect([at(0), at(1999), at(2000), at(6999), at(8000), at(9000), at(9500), at(10_500), at(12_000), at(16_999), at(19_500)]).toEqual([0, 3, 4, 4, 2, 0, 0, 1, 4, 4, 0]);
    expect(segmentAt(plan.segments, 9999)?.variant).toBe('stream');
    expect(segmentAt(plan.segments, 10_000)?.variant).toBe('list');
    expect(() => sequentialPlan({ kind: 'arrival', ratePerSec: 1, durationMs: 1000, maxInFlight: 2, gracefulStopMs: 0 }, ['a'])).toThrow(/closed model/);
  });
});

describe('memoryPerLiveView with lite users', () => {
  // Server memory grows 40 kB per connected view; the harness counted the views at each scrape.
  const withServer = (r: Results): Results => {
    const x = [1, 2, 3, 4, 5, 6];
    return {
      ...r,
      server: {
        schema: 'rookery/server-metrics@1',
        scrapedBy: 'local',
        intervalMs: 1_000,
        targets: [{ url: 'http://127.0.0.1:1/metrics', scrapes: 7, failures: 0, unmappedFamilies: 0 }],
        t: x.map((i) => i * 1_000),
        series: [{ role: 'memory_bytes', metric: 'vm_memory_total', kind: 'gauge', unit: 'bytes', labels: {}, values: x.map((n) => 1_000_000 + 40_000 * n) }],
        histograms: [],
        connected: [{ labels: { view: '/counter' }, values: x }],
      },
    };
  };

  it('fits browser-only runs, and refuses (with the reason) when lite users were connected too', () => {
    const browserOnly = withServer(fakeResults({ intervals: 8 }));
    const [est] = memoryPerLiveView(browserOnly);
    expect(est?.fit?.bytesPerLiveView).toBeCloseTo(40_000, 6);
    const base = fakeResults({ intervals: 8 });
    const first = base.metrics[0]!;
    const mixed = withServer({ ...base, metrics: [...base.metrics, { ...first, labels: { ...first.labels, client: 'lite' } }] });
    const [lite] = memoryPerLiveView(mixed);
    expect(lite?.fit).toBeUndefined();
    expect(lite?.reason).toMatch(/lite users/);
  });
});
