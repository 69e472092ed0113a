// Pure parts of the collector: dealing added users and leftover iterations across runners exactly, re-basing
// runner clocks, zeroing a lost runner's gauges, and merging runners' health verdicts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignSlices, iterationBudgets, signedShare } from '../../src/cluster/slices.js';
import { rebaseInterval, zeroGauges } from '../../src/cluster/rebase.js';
import { mergeHealth } from '../../src/cluster/merge-health.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';

const weightsArb = fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 8 });

describe('slices', () => {
  it('signed shares of extra users sum to exactly the run-wide count, positive or negative', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: -5_000, max: 5_000 }), (weights, n) => {
        const parts = weights.map((_, i) => signedShare(weights, i, n));
        expect(parts.reduce((a, b) => a + b, 0)).toBe(n);
        for (const p of parts) expect(Math.sign(p) === Math.sign(n) || p === 0).toBe(true);
      }),
    );
  });

  it('changing the extra by one changes exactly one runner by one (incremental control messages stay small)', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 0, max: 2_000 }), (weights, n) => {
        const before = weights.map((_, i) => signedShare(weights, i, n));
        const after = weights.map((_, i) => signedShare(weights, i, n + 1));
        const diffs = after.map((a, i) => a - (before[i] as number)).filter((d) => d !== 0);
        expect(diffs).toEqual([1]);
      }),
    );
  });

  it('iteration budgets after a loss: survivors keep what they did and share what is left exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 50 }), reported: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 1_000 }),
        (survivors, lostReported, total) => {
          const reportedByAll = survivors.reduce((n, s) => n + s.reported, 0) + lostReported;
          const budgets = iterationBudgets(total, survivors, reportedByAll);
          const remaining = Math.max(0, total - reportedByAll);
          expect(budgets.reduce((a, b) => a + b, 0)).toBe(survivors.reduce((n, s) => n + s.reported, 0) + remaining);
          budgets.forEach((b, i) => expect(b).toBeGreaterThanOrEqual((survivors[i] as { reported: number }).reported));
        },
      ),
    );
  });

  it('assigns slice indexes in the given order, weighted by capacity', () => {
    const a = assignSlices([{ id: 'r2', capacity: 5 }, { id: 'r7', capacity: 1 }]);
    expect(a.weights).toEqual([5, 1]);
    expect([...a.index]).toEqual([['r2', 0], ['r7', 1]]);
    expect(() => assignSlices([])).toThrow(/no runners/);
  });
});

describe('clocks and gauges', () => {
  it('re-bases a runner snapshot (interval and error sample times) onto the collector clock', () => {
    const r = new MetricsRegistry({ startedAt: 50_000, clock: () => 50_400 });
    r.count('lv_events', { event: 'inc', view: '/' });
    r.error('user.scenario', 'x');
    const s = r.takeInterval(51_000);
    const moved = rebaseInterval(s, 50_000, 1_000);
    expect([moved.from, moved.to]).toEqual([1_000, 2_000]);
    expect(moved.errors[0]?.samples[0]?.at).toBe(1_400);
    expect(moved.counters).toEqual(s.counters);
    // Runner clocks 7 s apart still land in the same collector bucket.
    const acc = new Accumulator({ startedAt: 1_000 });
    acc.add(moved, 'a');
    acc.add(rebaseInterval({ ...s, from: 57_000, to: 58_000, errors: [] }, 57_000, 1_000), 'b');
    expect(acc.intervalCount).toBe(1);
    expect(acc.interval(0).counters[0]?.value).toBe(2);
  });

  it('zeroing a lost runner\'s gauges removes its users from the totals, keeping everything it counted', () => {
    const acc = new Accumulator({ startedAt: 0 });
    const snap = (users: number, to: number) => ({ schema: 'rookery/snapshot@1' as const, from: to - 1000, to, histograms: [], counters: [{ name: 'iterations', labels: { result: 'ok' }, value: 2 }], gauges: [{ name: 'users_active', labels: {}, value: users }], errors: [] });
    acc.add(snap(3, 1000), 'r1');
    acc.add(snap(4, 1000), 'r2');
    expect(acc.totals().gauges[0]?.value).toBe(7);
    acc.add(zeroGauges(snap(3, 1000), 1500), 'r1');
    expect(acc.totals().gauges[0]?.value).toBe(4);
    expect(acc.totals().counters[0]?.value).toBe(4);
  });
});

describe('health merge', () => {
  it('is saturated when any runner was, names the runner in reasons, and keeps the busiest runner\'s peaks', () => {
    const h = (saturated: boolean, node: number, lag: number) => ({ saturated, reasons: saturated ? ['cpu'] : [], eventLoopLagP99Ms: lag, eventLoopLagMaxMs: lag * 2, cpuPeakPercent: { node, chromium: 10 }, rssPeakBytes: { node: node * 1e6 }, cores: 2 });
    const m = mergeHealth([
      { runner: 'r1', health: h(false, 30, 5) },
      { runner: 'r2', health: h(true, 90, 40) },
    ]);
    expect(m.saturated).toBe(true);
    expect(m.reasons).toEqual(['runner r2: cpu']);
    expect(m.cpuPeakPercent).toEqual({ node: 90, chromium: 10 });
    expect(m.eventLoopLagP99Ms).toBe(40);
    expect(m.cores).toBe(2);
    expect(mergeHealth([]).saturated).toBe(false);
  });
});
