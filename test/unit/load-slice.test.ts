// Distributed runs: slices of a profile must add up to the whole at every moment, stay proportional to
// capacity, and never make one runner drop a user while another adds one during a ramp.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportionment } from '../../src/load/apportion.js';
import {
  arrivalsDue,
  describeProfile,
  globalIndex,
  resolveProfile,
  sliceProfile,
  targetUsersAt,
  totalDurationMs,
  type LoadProfile,
} from '../../src/load/profile.js';

const weightsArb = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 });

const profileArb: fc.Arbitrary<LoadProfile> = fc.oneof(
  fc.record({
    users: fc.integer({ min: 1, max: 500 }),
    ramp: fc.integer({ min: 0, max: 20_000 }),
    duration: fc.integer({ min: 1, max: 20_000 }),
  }).map((o) => resolveProfile(o)),
  fc.array(fc.record({ duration: fc.integer({ min: 0, max: 10_000 }), target: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 5 })
    .filter((stages) => stages.some((s) => s.duration > 0))
    .map((stages) => resolveProfile({ stages })),
  fc.record({
    arrivalRate: fc.double({ min: 0.1, max: 200, noNaN: true }),
    ramp: fc.integer({ min: 0, max: 10_000 }),
    duration: fc.integer({ min: 1, max: 10_000 }),
  }).map((o) => resolveProfile(o)),
);

describe('apportionment', () => {
  it('deals units so every prefix sums exactly and each slice stays within 1 of its exact share', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 0, max: 3_000 }), (weights, n) => {
        const deal = apportionment(weights);
        const total = weights.reduce((a, b) => a + b, 0);
        const counts = weights.map((_, i) => deal.unitsOf(i, n));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
        counts.forEach((c, i) => expect(Math.abs(c - (n * (weights[i] as number)) / total)).toBeLessThan(1));
      }),
      { numRuns: 300 },
    );
  });

  it('is house-monotone: one more unit adds to exactly one slice, the owner of that unit', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 0, max: 2_000 }), (weights, n) => {
        const deal = apportionment(weights);
        const owner = deal.ownerOf(n);
        weights.forEach((_, i) => expect(deal.unitsOf(i, n + 1) - deal.unitsOf(i, n)).toBe(i === owner ? 1 : 0));
      }),
      { numRuns: 300 },
    );
  });

  it('maps each slice-local unit to a distinct global unit it owns', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 1, max: 500 }), (weights, n) => {
        const deal = apportionment(weights);
        const seen = new Set<number>();
        weights.forEach((_, i) => {
          for (let local = 0; local < deal.unitsOf(i, n); local++) {
            const unit = deal.globalUnit(i, local);
            expect(deal.ownerOf(unit)).toBe(i);
            expect(unit).toBeLessThan(n);
            seen.add(unit);
          }
        });
        expect(seen.size).toBe(n);
      }),
      { numRuns: 200 },
    );
  });

  it('splits evenly and interleaved for equal weights, ties going to the lower index', () => {
    const deal = apportionment([2, 2, 2]);
    expect(Array.from({ length: 7 }, (_, k) => deal.ownerOf(k))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect([0, 1, 2].map((i) => deal.unitsOf(i, 7))).toEqual([3, 2, 2]);
    // 3:1 capacity: the big runner gets 3 of every 4.
    const skewed = apportionment([300, 100]);
    expect([0, 1].map((i) => skewed.unitsOf(i, 100))).toEqual([75, 25]);
  });

  it('rejects weights that are not capacities', () => {
    expect(() => apportionment([])).toThrow(/at least one weight/);
    expect(() => apportionment([2, 0])).toThrow(/weight 1 is 0/);
    expect(() => apportionment([1.5])).toThrow(/weight 0 is 1\.5/);
  });
});

describe('sliceProfile', () => {
  it('slices sum exactly to the whole at every moment (users and arrivals)', () => {
    fc.assert(
      fc.property(profileArb, weightsArb, fc.array(fc.double({ min: -100, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 20 }), (profile, weights, times) => {
        const slices = weights.map((_, index) => sliceProfile(profile, { weights, index }));
        for (const t of times) {
          expect(slices.reduce((sum, s) => sum + targetUsersAt(s, t), 0)).toBe(targetUsersAt(profile, t));
        }
        const sorted = [...times].sort((a, b) => a - b);
        for (let k = 1; k < sorted.length; k++) {
          const from = sorted[k - 1] as number;
          const to = sorted[k] as number;
          expect(slices.reduce((sum, s) => sum + arrivalsDue(s, from, to), 0)).toBe(arrivalsDue(profile, from, to));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never moves a user from one runner to another during a ramp: slice targets move with the whole', () => {
    fc.assert(
      fc.property(profileArb, weightsArb, (profile, weights) => {
        const slices = weights.map((_, index) => sliceProfile(profile, { weights, index }));
        const end = totalDurationMs(profile);
        let previousWhole = 0;
        let previous = slices.map(() => 0);
        for (let t = 0; t < end; t += Math.max(1, Math.floor(end / 200))) {
          const whole = targetUsersAt(profile, t);
          const parts = slices.map((s) => targetUsersAt(s, t));
          parts.forEach((p, i) => {
            const delta = p - (previous[i] as number);
            // Every slice moves in the direction of the whole, or not at all.
            if (whole >= previousWhole) expect(delta).toBeGreaterThanOrEqual(0);
            else expect(delta).toBeLessThanOrEqual(0);
          });
          previousWhole = whole;
          previous = parts;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('splits iterations and maxInFlight, gives global user ids, and says it is a slice', () => {
    const whole = resolveProfile({ arrivalRate: 10, maxInFlight: 40, iterations: 1_001 });
    const slices = [0, 1, 2].map((index) => sliceProfile(whole, { weights: [100, 100, 200], index }));
    expect(slices.map((s) => s.iterations)).toEqual([250, 250, 501]);
    expect(slices.map((s) => (s.kind === 'arrival' ? s.maxInFlight : 0))).toEqual([10, 10, 20]);
    expect(describeProfile(slices[2] as LoadProfile)).toBe('10/s arrivals, hold 10m, max 20 in flight, stop after 501 iterations (slice 3 of 3, weight 200/400)');

    const users = resolveProfile({ users: 8 });
    const ids = [0, 1].map((index) => {
      const slice = sliceProfile(users, { weights: [1, 3], index });
      return Array.from({ length: targetUsersAt(slice, 0) }, (_, local) => globalIndex(slice, local));
    });
    // Per period of 4 the deal is 1,1,0,1 (unit 2 is a tie, 1/1 vs 3/3, so it goes to the lower index).
    expect(ids).toEqual([[2, 6], [0, 1, 3, 4, 5, 7]]);
    expect(globalIndex(users, 5)).toBe(5);
  });

  it('refuses to slice a slice or use a bad index', () => {
    const whole = resolveProfile({ users: 4 });
    const slice = sliceProfile(whole, { weights: [1, 1], index: 0 });
    expect(() => sliceProfile(slice, { weights: [1, 1], index: 1 })).toThrow(/already a slice/);
    expect(() => sliceProfile(whole, { weights: [1, 1], index: 2 })).toThrow(/index 2 out of range 0\.\.1/);
  });
});
