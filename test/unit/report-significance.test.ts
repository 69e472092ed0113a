import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapMedianDiff, normalCdf, rankTest } from '../../src/report/significance.js';
import type { Bucket } from '../../src/report/distribution.js';

function buckets(samples: readonly number[]): Bucket[] {
  const m = new Map<number, number>();
  for (const s of samples) m.set(s, (m.get(s) ?? 0) + 1);
  return [...m.entries()].map(([value, count]) => ({ value, count }));
}

describe('normalCdf', () => {
  it('matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    expect(normalCdf(0.5)).toBeCloseTo(0.6914625, 6);
  });
});

describe('rankTest (Mann–Whitney U with ties)', () => {
  it('hand-computed tied case: A = [1,2,2,3], B = [2,3,3,4,5]', () => {
    // Mid-ranks: 1→1, 2→3 (positions 2–4), 3→6 (5–7), 4→8, 5→9. R_A = 1+3+3+6 = 13; U_A = 13 − 4·5/2 = 3.
    // Tie term Σ(t³−t) = 24 + 24 = 48; var = (20/12)·(10 − 48/72) = 15.556; z = (3 − 10 + 0.5)/3.944 = −1.648.
    // Two-sided p = 0.0993 (scipy.stats.mannwhitneyu, asymptotic with continuity: 0.099342).
    const r = rankTest(buckets([1, 2, 2, 3]), buckets([2, 3, 3, 4, 5]));
    expect(r.uA).toBe(3);
    expect(r.z).toBeCloseTo(-1.648, 3);
    expect(r.p).toBeCloseTo(0.099342, 4);
    expect(r.cliffsDelta).toBeCloseTo((2 * 3 - 20) / 20, 10); // −0.7: A tends to be smaller
  });

  it('complete separation: 1..10 vs 11..20 gives U=0, δ=−1, p≈1.83e-4 (scipy: 0.00018267)', () => {
    const r = rankTest(buckets(Array.from({ length: 10 }, (_, i) => i + 1)), buckets(Array.from({ length: 10 }, (_, i) => i + 11)));
    expect(r.uA).toBe(0);
    expect(r.cliffsDelta).toBe(-1);
    expect(r.p).toBeCloseTo(0.00018267, 6);
  });

  it('identical constant samples: no evidence (p = 1, δ = 0)', () => {
    const r = rankTest([{ value: 5, count: 100 }], [{ value: 5, count: 80 }]);
    expect(r.p).toBe(1);
    expect(r.cliffsDelta).toBe(0);
  });

  it('weighted buckets equal the expanded samples, and U/δ equal brute-force pair counting', () => {
    const sample = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        let wins = 0;
        let ties = 0;
        for (const x of a) for (const y of b) {
          if (x > y) wins++;
          else if (x === y) ties++;
        }
        const r = rankTest(buckets(a), buckets(b));
        expect(r.uA).toBeCloseTo(wins + ties / 2, 9);
        const losses = a.length * b.length - wins - ties;
        expect(r.cliffsDelta).toBeCloseTo((wins - losses) / (a.length * b.length), 9);
        // Symmetry: swapping sides flips δ and keeps p.
        const s = rankTest(buckets(b), buckets(a));
        expect(s.cliffsDelta).toBeCloseTo(-r.cliffsDelta, 9);
        expect(s.p).toBeCloseTo(r.p, 9);
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});

describe('bootstrapMedianDiff', () => {
  it('is deterministic for a seed and brackets the true median shift', () => {
    const a = buckets(Array.from({ length: 2001 }, (_, i) => 100 + (i % 41)));
    const b = buckets(Array.from({ length: 2001 }, (_, i) => 110 + (i % 41)));
    const ci = bootstrapMedianDiff(a, b, { seed: 7, resamples: 1000 });
    expect(ci).toEqual(bootstrapMedianDiff(a, b, { seed: 7, resamples: 1000 }));
    expect(ci![0]).toBeLessThanOrEqual(10);
    expect(ci![1]).toBeGreaterThanOrEqual(10);
    expect(ci![1] - ci![0]).toBeLessThan(6);
  });

  it('returns null when a side is empty', () => {
    expect(bootstrapMedianDiff([], [{ value: 1, count: 3 }])).toBeNull();
  });
});
