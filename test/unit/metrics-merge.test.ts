import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { IntervalMerger, mergeIntervals } from '../../src/metrics/merge.js';
import { validateRunnerMessage } from '../../src/cluster/protocol.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import { summarize } from '../../src/metrics/summary.js';
import { decodeHistogram } from '../../src/metrics/hdr.js';
import type { HistogramName, CounterName } from '../../src/metrics/catalog.js';
import type { Interval } from '../../src/metrics/model.js';

type Op =
  | { kind: 'record'; name: HistogramName; view: string; value: number; part: number }
  | { kind: 'corrected'; value: number; interval: number; part: number }
  | { kind: 'count'; name: CounterName; view: string; n: number; part: number }
  | { kind: 'error'; kind2: string; part: number };

const VIEWS = ['/a', '/b', '/c'];
const PARTS = 4;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('record' as const),
    name: fc.constantFrom<HistogramName>('lv_join_ms', 'lv_join_bytes', 'http_document_ms'),
    view: fc.constantFrom(...VIEWS),
    // Latencies from sub-ms to minutes, with many exact repeats and zeros.
    value: fc.oneof(fc.double({ min: 0, max: 120_000, noNaN: true }), fc.integer({ min: 0, max: 50 })),
    part: fc.integer({ min: 0, max: PARTS - 1 }),
  }),
  fc.record({
    kind: fc.constant('corrected' as const),
    value: fc.double({ min: 0, max: 2000, noNaN: true }),
    interval: fc.constantFrom(0, 50, 100, 500),
    part: fc.integer({ min: 0, max: PARTS - 1 }),
  }),
  fc.record({
    kind: fc.constant('count' as const),
    name: fc.constantFrom<CounterName>('lv_pushes', 'lv_joins'),
    view: fc.constantFrom(...VIEWS),
    n: fc.integer({ min: 0, max: 10_000 }),
    part: fc.integer({ min: 0, max: PARTS - 1 }),
  }),
  fc.record({ kind: fc.constant('error' as const), kind2: fc.constantFrom('lv.crash', 'user.Error'), part: fc.integer({ min: 0, max: PARTS - 1 }) }),
);

function apply(reg: MetricsRegistry, op: Op): void {
  switch (op.kind) {
    case 'record':
      reg.record(op.name, { view: op.view }, op.value);
      return;
    case 'corrected':
      reg.recordCorrected('iteration_ms', {}, op.value, op.interval);
      return;
    case 'count':
      reg.count(op.name, op.name === 'lv_joins' ? { view: op.view, cause: 'initial' } : { view: op.view }, op.n);
      return;
    case 'error':
      reg.error(op.kind2, `error in part ${op.part}`);
  }
}

/** Everything a reader can derive from a snapshot, with the encodings replaced by their full distributions. */
function comparable(s: Interval): unknown {
  return {
    histograms: s.histograms.map((h) => {
      const { hdr, ...stats } = summarize(h);
      return { ...stats, distribution: decodeHistogram(hdr).outputPercentileDistribution() };
    }),
    counters: s.counters,
    errors: s.errors.map((e) => ({ kind: e.kind, count: e.count })),
  };
}

describe('merging is exact (property)', () => {
  it('merging snapshots of any partition of the recordings equals recording everything in one registry', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.array(fc.nat({ max: PARTS - 1 }), { minLength: PARTS, maxLength: PARTS }), (ops, order) => {
        const whole = new MetricsRegistry({ startedAt: 0 });
        const parts = Array.from({ length: PARTS }, () => new MetricsRegistry({ startedAt: 0 }));
        for (const op of ops) {
          apply(whole, op);
          apply(parts[op.part] as MetricsRegistry, op);
        }
        const expected = whole.takeInterval(1000);
        const snaps = parts.map((p) => p.takeInterval(1000));
        // Pairwise merges in a random order (a merge tree), and one n-way merger: both must agree with `whole`.
        let pairwise = snaps[order[0] as number] as Interval;
        snaps.forEach((s, i) => {
          if (i !== order[0]) pairwise = mergeIntervals(pairwise, s);
        });
        const nway = snaps.reduce((m, s) => m.add(s), new IntervalMerger()).result();
        expect(comparable(pairwise)).toEqual(comparable(expected));
        expect(comparable(nway)).toEqual(comparable(expected));
      }),
      { numRuns: 60 },
    );
  });
});

describe('mergeIntervals', () => {
  const base = (over: Partial<Interval>): Interval => ({ schema: 'rookery/snapshot@1', from: 0, to: 1000, histograms: [], counters: [], gauges: [], errors: [], ...over });

  it('spans both intervals, adds counters, sums gauges across sources by default and keeps the latest with gauges: last', () => {
    const a = base({ from: 0, to: 1000, counters: [{ name: 'ws_frames', labels: { dir: 'sent' }, value: 2 }], gauges: [{ name: 'users_active', labels: {}, value: 5 }] });
    const b = base({ from: 1000, to: 2000, counters: [{ name: 'ws_frames', labels: { dir: 'sent' }, value: 3 }], gauges: [{ name: 'users_active', labels: {}, value: 8 }] });
    const sum = mergeIntervals(a, b);
    expect([sum.from, sum.to]).toEqual([0, 2000]);
    expect(sum.counters).toEqual([{ name: 'ws_frames', labels: { dir: 'sent' }, value: 5 }]);
    expect(sum.gauges[0]?.value).toBe(13);
    expect(mergeIntervals(b, a, { gauges: 'last' }).gauges[0]?.value).toBe(8);
  });

  it('adds error counts and keeps the earliest samples, whatever the merge order', () => {
    const sample = (at: number): { message: string; at: number } => ({ message: `m${at}`, at });
    const a = base({ errors: [{ kind: 'lv.crash', count: 10, samples: [sample(5), sample(1), sample(9)] }] });
    const b = base({ errors: [{ kind: 'lv.crash', count: 2, samples: [sample(3), sample(7)] }] });
    const ab = mergeIntervals(a, b, { maxErrorSamples: 3 });
    expect(ab.errors).toEqual([{ kind: 'lv.crash', count: 12, samples: [sample(1), sample(3), sample(5)] }]);
    expect(mergeIntervals(b, a, { maxErrorSamples: 3 })).toEqual(ab);
  });

  it('refuses an undecodable histogram before merging anything, naming the series', () => {
    const merger = new IntervalMerger().add(base({ counters: [{ name: 'ws_frames', labels: { dir: 'sent' }, value: 1 }] }));
    const bad = base({
      counters: [{ name: 'ws_frames', labels: { dir: 'sent' }, value: 100 }],
      histograms: [{ name: 'lv_join_ms', labels: { view: '/x' }, hdr: 'AAAA' }],
    });
    expect(() => merger.add(bad)).toThrow(/histogram lv_join_ms\{view=\/x\}: not an HDR histogram/);
    expect(merger.result().counters[0]?.value).toBe(1);
  });
});

describe('intervals from elsewhere (a runner’s snapshot message)', () => {
  it('accepts a registry snapshot and names the bad field otherwise', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.record('lv_join_ms', { view: '/' }, 3);
    reg.error('x', 'y', { user: 1 });
    const snap = JSON.parse(JSON.stringify(reg.takeInterval(1))) as object;
    const message = (snapshot: unknown) => ({ v: 1, t: 'snapshot', seq: 0, runStartedAt: 0, snapshot, status: { active: 1, target: 1, iterations: 0, errors: 0, dropped: 0 } });
    expect(validateRunnerMessage(message(snap))).toEqual(message(snap));
    expect(() => validateRunnerMessage(message({ ...snap, schema: 'rookery/snapshot@2' }))).toThrow("runner snapshot.snapshot.schema: expected 'rookery/snapshot@1', got the string \"rookery/snapshot@2\"");
    expect(() => validateRunnerMessage(message({ ...snap, counters: [{ name: 'a', labels: { k: 1 }, value: 1 }] }))).toThrow('runner snapshot.snapshot.counters[0].labels.k: expected a string, got the number 1');
    expect(() => validateRunnerMessage(message(null))).toThrow('runner snapshot.snapshot: expected an object, got null');
  });
});

describe('Accumulator', () => {
  function registryIntervals(startedAt: number, seconds: number, seed: number): Interval[] {
    const reg = new MetricsRegistry({ startedAt });
    const out: Interval[] = [];
    for (let s = 0; s < seconds; s++) {
      for (let i = 0; i < 5 + ((s * seed) % 7); i++) reg.record('lv_event_rtt_ms', { event: 'inc', view: '/c' }, 1 + ((i * 37 + s * seed) % 90));
      reg.count('lv_events', { event: 'inc', view: '/c' }, 5 + ((s * seed) % 7));
      reg.gauge('users_active', {}, s + seed);
      out.push(reg.takeInterval(startedAt + (s + 1) * 1000 + seed)); // runners' clocks jitter by a few ms
    }
    return out;
  }

  it('merges sources into totals and per-interval buckets; gauges sum the latest reading of each source', () => {
    const start = 1_000_000;
    const acc = new Accumulator({ startedAt: start });
    const a = registryIntervals(start, 10, 3);
    const b = registryIntervals(start, 10, 5);
    // Interleaved, and b is one interval late on delivery.
    for (let i = 0; i < 10; i++) {
      acc.add(a[i] as Interval, 'a');
      if (i > 0) acc.add(b[i - 1] as Interval, 'b');
    }
    acc.add(b[9] as Interval, 'b');

    const all = [...a, ...b].reduce((m, s) => m.add(s), new IntervalMerger()).result();
    expect(comparable(acc.totals())).toEqual(comparable(all));
    expect(acc.totals().gauges).toEqual([{ name: 'users_active', labels: {}, value: 9 + 3 + 9 + 5 }]);

    const intervals = acc.intervals();
    expect(intervals).toHaveLength(10);
    expect(intervals.map((s) => s.to - start)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => k * 1000));
    expect(intervals[4]?.gauges[0]?.value).toBe(4 + 3 + 4 + 5);
    const merged = intervals.reduce((m, s) => m.add(s), new IntervalMerger()).result();
    expect(comparable(merged)).toEqual(comparable(all));
    expect(comparable(acc.interval(2))).toEqual(comparable(mergeIntervals(a[2] as Interval, b[2] as Interval)));
  });

  it('compacts long runs exactly: pairs merge, the interval doubles, totals are unchanged', () => {
    const start = 0;
    const acc = new Accumulator({ startedAt: start, maxIntervals: 8, lateIntervals: 1 });
    const snaps = registryIntervals(start, 37, 1);
    for (const s of snaps) acc.add(s);
    expect(acc.intervalMs).toBe(8000); // 37 s → 1 s, 2 s, 4 s, 8 s buckets (≤ 8 of them)
    const intervals = acc.intervals();
    expect(intervals).toHaveLength(5);
    expect(intervals.map((s) => s.to)).toEqual([8000, 16000, 24000, 32000, 40000]);
    // A gauge is the last reading in each (wider) bucket.
    expect(intervals.map((s) => s.gauges[0]?.value)).toEqual([8, 16, 24, 32, 37]);
    const merged = intervals.reduce((m, s) => m.add(s), new IntervalMerger()).result();
    const all = snaps.reduce((m, s) => m.add(s), new IntervalMerger()).result();
    expect(comparable(merged)).toEqual(comparable(all));
    expect(comparable(acc.totals())).toEqual(comparable(all));
  });

  it('fills gaps with empty intervals and still merges snapshots that arrive long after their bucket was sealed', () => {
    const acc = new Accumulator({ startedAt: 0, lateIntervals: 1 });
    const reg = new MetricsRegistry({ startedAt: 0 });
    reg.count('ws_reconnects', {});
    const early = reg.takeInterval(1000);
    for (const t of [2000, 3000, 4000]) reg.takeInterval(t); // a silent source sends nothing for these
    reg.count('ws_reconnects', {}, 2);
    acc.add(reg.takeInterval(5000), 'r1');
    acc.add(early, 'r2'); // bucket 0 was sealed long ago
    expect(acc.intervals().map((s) => s.counters[0]?.value ?? 0)).toEqual([1, 0, 0, 0, 2]);
    expect(acc.totals().counters[0]?.value).toBe(3);
  });

  it('rejects a bad snapshot without changing anything', () => {
    const acc = new Accumulator({ startedAt: 0 });
    const bad: Interval = {
      schema: 'rookery/snapshot@1',
      from: 0,
      to: 1000,
      histograms: [{ name: 'lv_join_ms', labels: {}, hdr: 'garbage' }],
      counters: [{ name: 'ws_reconnects', labels: {}, value: 1 }],
      gauges: [],
      errors: [],
    };
    expect(() => acc.add(bad)).toThrow(/lv_join_ms/);
    expect(() => acc.add({ ...bad, histograms: [], to: 99 * 24 * 3600 * 1000 })).toThrow(/not plausible/);
    expect(acc.totals().counters).toEqual([]);
    expect(acc.intervalCount).toBe(0);
  });
});
