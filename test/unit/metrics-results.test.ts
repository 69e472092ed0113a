import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import { buildSeries } from '../../src/metrics/timeline.js';
import { buildResults, validateResults } from '../../src/metrics/results.js';
import { summarize } from '../../src/metrics/summary.js';
import type { HealthSummary, Results, ResultsMeta } from '../../src/metrics/model.js';

const meta: ResultsMeta = {
  tool: { name: 'rookery', version: '0.1.0' },
  versions: { liveview: '1.0.19' },
  target: 'http://127.0.0.1:4000',
  scenario: 'counter',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:03.000Z',
  durationMs: 3000,
  machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'cpu', memoryBytes: 1, node: 'v20' },
  load: { description: '1 user', users: 1 },
};
const health: HealthSummary = { saturated: false, reasons: [], eventLoopLagP99Ms: 1, eventLoopLagMaxMs: 2, cpuPeakPercent: { node: 12 }, rssPeakBytes: { node: 1e8 }, cores: 2 };

function build(): Results {
  const reg = new MetricsRegistry({ startedAt: 0, clock: () => 5 });
  const acc = new Accumulator({ startedAt: 0 });
  for (let s = 0; s < 3; s++) {
    reg.record('lv_join_ms', { view: '/b' }, 10 + s);
    reg.record('lv_join_ms', { view: '/a' }, 20 + s);
    reg.record('lv_diff_bytes', { event: 'inc', view: '/a' }, 100);
    reg.count('lv_events', { event: 'inc', view: '/a' });
    reg.count('ws_frames', { dir: 'sent' }, 2);
    reg.gauge('users_active', {}, 1);
    if (s === 1) reg.error('lv.crash', 'boom', { view: '/a' });
    acc.add(reg.takeInterval((s + 1) * 1000));
  }
  return buildResults({
    meta,
    totals: acc.totals(),
    series: buildSeries(acc.intervals(), { startedAt: 0, intervalMs: acc.intervalMs }),
    thresholds: [{ expr: 'lv_join_ms:p95<100', pass: true, actual: 22, detail: 'd' }],
    health,
  });
}

describe('buildResults', () => {
  it('summarises totals in catalogue units, sorted by name and labels', () => {
    const r = build();
    expect(r.schema).toBe('rookery/results@1');
    expect(r.metrics.map((m) => `${m.name}${JSON.stringify(m.labels)}`)).toEqual([
      'lv_diff_bytes{"event":"inc","view":"/a"}',
      'lv_join_ms{"view":"/a"}',
      'lv_join_ms{"view":"/b"}',
    ]);
    const joinA = r.metrics[1];
    expect(joinA).toMatchObject({ unit: 'ms', count: 3, min: 20 });
    // HDR reports the top of each value's bucket: within 0.1 % above the recorded value.
    expect(joinA?.p50).toBeGreaterThanOrEqual(21);
    expect(joinA?.p50).toBeLessThan(21.021);
    expect(joinA?.max).toBeGreaterThanOrEqual(22);
    expect(joinA?.max).toBeLessThan(22.022);
    expect(joinA?.mean).toBeCloseTo(21, 1);
    expect(summarize({ name: 'lv_join_ms', labels: {}, hdr: joinA?.hdr ?? '' }).count).toBe(3);
    expect(r.counters).toEqual([
      { name: 'lv_events', labels: { event: 'inc', view: '/a' }, value: 3 },
      { name: 'ws_frames', labels: { dir: 'sent' }, value: 6 },
    ]);
    expect(r.errors).toEqual([{ kind: 'lv.crash', count: 1, samples: [{ message: 'boom', at: 5, context: { view: '/a' } }] }]);
    expect(r.series.t).toEqual([1000, 2000, 3000]);
    expect('visual' in r).toBe(false);
  });

  it('is deterministic: the same recordings give the same document', () => {
    expect(JSON.stringify(build())).toBe(JSON.stringify(build()));
  });
});

describe('validateResults', () => {
  it('accepts what buildResults writes, after a JSON round trip', () => {
    const json = JSON.parse(JSON.stringify(build())) as unknown;
    expect(validateResults(json)).toEqual(json);
  });

  it('names the wrong schema tag or the first bad field', () => {
    const good = JSON.parse(JSON.stringify(build())) as Record<string, unknown>;
    expect(() => validateResults({ ...good, schema: 'rookery/results@2' })).toThrow("results schema 'rookery/results@2' is not supported by this Rookery (it reads 'rookery/results@1')");
    expect(() => validateResults({ hello: 1 })).toThrow("not a Rookery results file: schema is undefined, expected 'rookery/results@1'");
    expect(() => validateResults([])).toThrow('results: expected an object, got an array');

    const badMetric = structuredClone(good) as { metrics: Array<Record<string, unknown>> };
    (badMetric.metrics[1] as Record<string, unknown>).p95 = '12';
    expect(() => validateResults(badMetric)).toThrow('results.metrics[1].p95: expected a finite number, got the string "12"');

    const badSeries = structuredClone(good) as { series: { latency: Array<{ p95: unknown[] }> } };
    badSeries.series.latency[0]?.p95.pop();
    expect(() => validateResults(badSeries)).toThrow('results.series.latency[0].p95: has 2 points, expected 3 (as many as results.series.t)');

    const badMeta = structuredClone(good) as { meta: { machine: Record<string, unknown> } };
    delete badMeta.meta.machine.cpus;
    expect(() => validateResults(badMeta)).toThrow('results.meta.machine.cpus: expected a finite number, got nothing (the field is missing)');
  });
});
