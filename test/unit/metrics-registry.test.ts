import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { withLabels } from '../../src/metrics/labelled.js';
import { decodeHistogram, encodeHistogram, createHistogram } from '../../src/metrics/hdr.js';
import { summarize } from '../../src/metrics/summary.js';
import type { Interval } from '../../src/metrics/model.js';

function only<T>(xs: readonly T[]): T {
  expect(xs).toHaveLength(1);
  return xs[0] as T;
}

/** HDR with 3 significant digits: within 0.1 % (one part in 1024 of the value's power-of-two range). */
function expectWithinHdr(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected / 1000 + 1e-9);
}

describe('HDR codec', () => {
  it('round-trips a histogram exactly through compressed base64', () => {
    const h = createHistogram();
    for (const v of [0, 1, 7, 999, 1000, 1001, 65_535, 123_456_789]) h.recordValue(v);
    h.recordValueWithCount(42, 17);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(h.totalCount);
    for (const p of [0, 10, 50, 90, 99, 99.9, 100]) expect(back.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
    // The raw max field is derived from the buckets after decoding (hence summaries use percentile 100);
    // beyond the first decode the encoding is a fixed point.
    const again = decodeHistogram(encodeHistogram(back));
    expect(again.outputPercentileDistribution()).toBe(back.outputPercentileDistribution());
    expect(summarize({ name: 'lv_diff_bytes', labels: {}, hdr: encodeHistogram(h) })).toEqual(summarize({ name: 'lv_diff_bytes', labels: {}, hdr: encodeHistogram(again) }));
  });

  it('rejects what is not an encoded histogram, with a clear message', () => {
    expect(() => decodeHistogram('bm90IGEgaGlzdG9ncmFt')).toThrow(/not an HDR histogram/);
  });
});

describe('MetricsRegistry.record', () => {
  it('stores ms as microseconds so sub-millisecond latencies survive the round trip', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.record('ws_connect_ms', {}, 0.25);
    reg.record('ws_connect_ms', {}, 0.75);
    reg.record('ws_connect_ms', {}, 1.5);
    const s = summarize(only(reg.takeInterval(1000).histograms));
    expect(s.unit).toBe('ms');
    expect(s.count).toBe(3);
    expect(s.min).toBe(0.25);
    expect(s.p50).toBe(0.75);
    expect(s.max).toBe(1.5);
    expect(s.mean).toBeCloseTo((0.25 + 0.75 + 1.5) / 3, 3);
  });

  it('keeps bytes and counts as integers', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.record('lv_diff_bytes', { event: 'inc', view: '/counter' }, 87);
    reg.record('lv_diff_components', { event: 'inc', view: '/counter' }, 0);
    const snap = reg.takeInterval(1000);
    const [bytes, components] = snap.histograms.map(summarize);
    expect(bytes?.name).toBe('lv_diff_bytes');
    expect(bytes?.p50).toBe(87);
    expect(components?.name).toBe('lv_diff_components');
    expect(components?.count).toBe(1);
    expect(components?.max).toBe(0);
  });

  it('drops values that cannot be recorded and reports them as an error, without throwing', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.record('lv_join_ms', { view: '/a' }, -1);
    reg.record('lv_join_ms', { view: '/a' }, Number.NaN);
    reg.record('lv_join_ms', { view: '/a' }, Infinity);
    reg.count('lv_events', { event: 'x', view: '/a' }, -2);
    const snap = reg.takeInterval(1000);
    expect(snap.histograms).toEqual([]);
    expect(snap.counters).toEqual([]);
    const err = only(snap.errors);
    expect(err.kind).toBe('metrics.invalid_value');
    expect(err.count).toBe(4);
    expect(err.samples[0]?.message).toBe('lv_join_ms{view=/a}: -1 cannot be recorded');
  });

  it('rejects unknown metric names, wrong kinds and unknown label keys with a clear error', () => {
    const reg = new MetricsRegistry();
    expect(() => reg.record('nope_ms' as 'lv_join_ms', {}, 1)).toThrow(/'nope_ms' is not in the metric catalogue/);
    expect(() => reg.record('lv_events' as 'lv_join_ms', {}, 1)).toThrow(/'lv_events' is a counter, not a histogram/);
    expect(() => reg.record('lv_join_ms', { veiw: '/a' }, 1)).toThrow("label 'veiw' is not a label of lv_join_ms (labels: view, variant, client)");
  });

  it("records a missing catalogue label as ''", () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.count('lv_events', { event: 'inc' });
    expect(only(reg.takeInterval(1).counters).labels).toEqual({ event: 'inc', view: '' });
  });
});

describe('takeInterval', () => {
  it('returns deltas since the previous take and resets interval state; gauges keep their level', () => {
    const reg = new MetricsRegistry({ startedAt: 1000 });
    reg.record('lv_join_ms', { view: '/a' }, 10);
    reg.record('lv_join_ms', { view: '/a' }, 20);
    reg.count('lv_events', { event: 'inc', view: '/a' }, 3);
    reg.gauge('users_active', {}, 7);
    reg.error('user.TypeError', 'boom', { user: 1 });

    const first = reg.takeInterval(2000);
    expect(first.schema).toBe('rookery/snapshot@1');
    expect([first.from, first.to]).toEqual([1000, 2000]);
    expect(summarize(only(first.histograms)).count).toBe(2);
    expect(only(first.counters).value).toBe(3);
    expect(only(first.gauges).value).toBe(7);
    expect(only(first.errors)).toMatchObject({ kind: 'user.TypeError', count: 1, samples: [{ message: 'boom', context: { user: 1 } }] });

    reg.record('lv_join_ms', { view: '/a' }, 30);
    reg.count('lv_events', { event: 'inc', view: '/a' });
    const second = reg.takeInterval(3000);
    expect([second.from, second.to]).toEqual([2000, 3000]);
    const s = summarize(only(second.histograms));
    expect(s.count).toBe(1);
    expectWithinHdr(s.p50, 30);
    expect(only(second.counters).value).toBe(1);
    expect(only(second.gauges).value).toBe(7);
    expect(second.errors).toEqual([]);

    const third = reg.takeInterval(4000);
    expect(third.histograms).toEqual([]);
    expect(third.counters).toEqual([]);
    expect(third.gauges).toEqual([{ name: 'users_active', labels: {}, value: 7 }]);
  });

  it('keeps only the first N error samples over the registry life, but counts them all', () => {
    let now = 0;
    const reg = new MetricsRegistry({ startedAt: 0, errorSamples: 2, clock: () => ++now });
    for (let i = 0; i < 3; i++) reg.error('lv.crash', `crash ${i}`);
    const a = only(reg.takeInterval(10).errors);
    expect(a.count).toBe(3);
    expect(a.samples.map((s) => s.message)).toEqual(['crash 0', 'crash 1']);
    reg.error('lv.crash', 'crash 3');
    const b = only(reg.takeInterval(20).errors);
    expect(b).toEqual({ kind: 'lv.crash', count: 1, samples: [] });
  });

  it('is deterministic: entries sorted by name and labels', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.count('ws_frames', { dir: 'sent' });
    reg.count('lv_events', { event: 'b', view: '/' });
    reg.count('lv_events', { event: 'a', view: '/' });
    const names = reg.takeInterval(1).counters.map((c) => `${c.name}:${Object.values(c.labels).join(',')}`);
    expect(names).toEqual(['lv_events:a,/', 'lv_events:b,/', 'ws_frames:sent']);
  });
});

describe('cardinality cap', () => {
  it('folds label sets beyond the cap into one "other" series and reports it once', () => {
    const reg = new MetricsRegistry({ startedAt: 0, maxSeriesPerMetric: 3 });
    for (let i = 0; i < 10; i++) reg.record('lv_event_rtt_ms', { event: `e${i}`, view: '/v' }, 5);
    for (let i = 0; i < 10; i++) reg.count('lv_events', { event: `e${i}`, view: '/v' });
    reg.record('lv_event_rtt_ms', { event: 'e0', view: '/v' }, 5); // an existing series still records normally
    const snap = reg.takeInterval(1);
    const rtt = snap.histograms.map((h) => ({ labels: h.labels, count: summarize(h).count }));
    expect(rtt).toEqual([
      { labels: { event: 'e0', view: '/v' }, count: 2 },
      { labels: { event: 'e1', view: '/v' }, count: 1 },
      { labels: { event: 'e2', view: '/v' }, count: 1 },
      { labels: { event: 'other', view: 'other' }, count: 7 },
    ]);
    expect(snap.counters.find((c) => c.labels.event === 'other')?.value).toBe(7);
    const cap = only(snap.errors);
    expect(cap.kind).toBe('metrics.label_cap');
    expect(cap.count).toBe(2); // once per metric name
  });

  it('keeps the variant label when folding, so A/B series stay apart', () => {
    const reg = new MetricsRegistry({ startedAt: 0, maxSeriesPerMetric: 1 });
    reg.count('lv_pushes', { view: '/a', variant: 'x' });
    reg.count('lv_pushes', { view: '/b', variant: 'x' });
    reg.count('lv_pushes', { view: '/c', variant: 'y' });
    expect(reg.takeInterval(1).counters.map((c) => c.labels)).toEqual([
      { view: '/a', variant: 'x' },
      { view: 'other', variant: 'x' },
      { view: 'other', variant: 'y' },
    ]);
  });

  it('caps error kinds too', () => {
    const reg = new MetricsRegistry({ startedAt: 0, maxErrorKinds: 2 });
    for (let i = 0; i < 5; i++) reg.error(`k${i}`, 'm');
    const errors = reg.takeInterval(1).errors;
    expect(errors.map((e) => [e.kind, e.count])).toEqual([
      ['k0', 1],
      ['k1', 1],
      ['other', 3],
    ]);
    expect(errors[2]?.samples[0]?.message).toBe('[k2] m');
  });
});

describe('recordCorrected (coordinated omission)', () => {
  it('synthesizes the samples a stalled fixed-rate loop missed: 100 ms at a 20 ms interval → 100, 80, 60, 40, 20', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.recordCorrected('iteration_ms', {}, 100, 20);
    reg.recordCorrected('step_ms', { step: 'fast' }, 15, 20); // shorter than the interval: recorded once
    const [iteration, step] = reg.takeInterval(1).histograms.map(summarize);
    expect(iteration?.count).toBe(5);
    expectWithinHdr(iteration?.min ?? NaN, 20);
    expectWithinHdr(iteration?.p50 ?? NaN, 60);
    expectWithinHdr(iteration?.max ?? NaN, 100);
    expectWithinHdr(iteration?.mean ?? NaN, 60);
    expect(step?.count).toBe(1);
  });

  it('matches HdrHistogram recordValueWithExpectedInterval on the base-unit values', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.recordCorrected('iteration_ms', {}, 1234.5, 100);
    const ref = createHistogram();
    ref.recordValueWithExpectedInterval(1_234_500, 100_000);
    const got = decodeHistogram(only(reg.takeInterval(1).histograms).hdr);
    expect(got.totalCount).toBe(12);
    expect(got.outputPercentileDistribution()).toBe(decodeHistogram(encodeHistogram(ref)).outputPercentileDistribution());
  });
});

describe('withLabels', () => {
  it('adds the variant to every series and error context; explicit labels win', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    const live = withLabels(reg, { variant: 'live' });
    live.count('lv_events', { event: 'inc', view: '/c' });
    live.record('lv_join_ms', { view: '/c', variant: 'function' }, 3);
    live.error('user.Error', 'x', { user: 2 });
    const snap: Interval = reg.takeInterval(1);
    expect(only(snap.counters).labels).toEqual({ event: 'inc', view: '/c', variant: 'live' });
    expect(only(snap.histograms).labels).toEqual({ view: '/c', variant: 'function' });
    expect(only(snap.errors).samples[0]?.context).toEqual({ variant: 'live', user: 2 });
    expect(withLabels(reg, {})).toBe(reg);
    expect(() => withLabels(reg, { view: '/x' })).toThrow(/'view' is not a label every metric has/);
  });
});
