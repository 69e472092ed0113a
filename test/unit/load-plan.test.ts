// Dealing a plan's users over runners by each runner's capacity for each kind of user (plan.ts): the parts sum
// to the whole exactly, browser users follow browser capacity, lite users lite capacity, and a local run (one
// runner holding everything) deals exactly what planMix always dealt.
import { describe, expect, it } from 'vitest';
import { dealParts, redealParts, slicesOf, type PlanMix } from '../../src/load/plan.js';
import { planMix } from '../../src/load/mix-plan.js';
import { resolveProfile, type LoadProfile } from '../../src/load/profile.js';
import { apportionment } from '../../src/load/apportion.js';
import { peakBrowserUsers, peakUsers } from '../../src/load/slice-run.js';

const users = (p: LoadProfile | undefined, n: number): number => {
  if (!p?.slice) return 0;
  return apportionment(p.slice.weights).unitsOf(p.slice.index, n);
};
const mix = (browserWeight: number, liteWeight: number): PlanMix => ({ browserWeight, liteWeight, workers: 1, usersPerWorker: 200 });

describe('redealParts (after a runner was lost)', () => {
  it('keeps every survivor’s parts: browser users over the browser holders, lite users over the lite holders and their workers', () => {
    // 40 browser + 400 lite; survivors: one with browser users and 2 lite workers, one with lite users only.
    const deal = redealParts({ mix: mix(40, 400) }, [
      { capacity: 1, lite: { capacity: 300, workers: 4 }, holds: { browser: true, liteWorkers: 2 } },
      { capacity: 3, lite: { capacity: 100, workers: 1 }, holds: { browser: false, liteWorkers: 1 } },
    ]);
    expect(deal).toEqual({ weights: [40, 150, 150, 100], parts: [{ browser: 0, lite: [1, 2] }, { browser: undefined, lite: [3] }], unowned: [] });
  });

  it('scales the weights when a part would get no unit, keeping the browser:lite ratio exact', () => {
    // 2 lite units cannot feed 3 worker processes: ×2 gives 4 (2 + 1 + 1) and 10 browser units (5:2 kept).
    const deal = redealParts({ mix: mix(5, 2) }, [
      { capacity: 1, holds: { browser: true, liteWorkers: 0 } },
      { capacity: 1, lite: { capacity: 1_000, workers: 3 }, holds: { browser: false, liteWorkers: 3 } },
    ]);
    expect(deal).toEqual({ weights: [10, 2, 1, 1], parts: [{ browser: 0, lite: [] }, { browser: undefined, lite: [1, 2, 3] }], unowned: [] });
  });

  it('a kind of user nobody left runs keeps its units on an unowned part, so the others do not take them over', () => {
    const deal = redealParts({ mix: mix(1, 10) }, [{ capacity: 1, lite: { capacity: 100, workers: 1 }, holds: { browser: false, liteWorkers: 1 } }]);
    expect(deal).toEqual({ weights: [10, 1], parts: [{ browser: undefined, lite: [0] }], unowned: ['browser'] });
    const whole = resolveProfile({ users: 11, duration: '1m' });
    expect(users(slicesOf(whole, deal!, deal!.parts[0]!).lite[0], 11)).toBe(10);
  });
});

describe('dealParts', () => {
  it('without lite users the weights are the runners’ capacities, one part each (as before)', () => {
    expect(dealParts({}, [{ capacity: 1 }, { capacity: 2 }, { capacity: 3 }])).toEqual({
      weights: [1, 2, 3],
      parts: [
        { browser: 0, lite: [] },
        { browser: 1, lite: [] },
        { browser: 2, lite: [] },
      ],
    });
  });

  it('deals browser users by browser capacity and lite users by lite capacity, then over each runner’s workers', () => {
    // 40 browser users over capacities 1:3; 400 lite users over lite capacities 600:200, workers 3 and 1.
    const deal = dealParts({ mix: mix(40, 400) }, [
      { capacity: 1, lite: { capacity: 600, workers: 3 } },
      { capacity: 3, lite: { capacity: 200, workers: 1 } },
    ]);
    expect(deal.weights).toEqual([10, 100, 100, 100, 30, 100]);
    expect(deal.parts).toEqual([
      { browser: 0, lite: [1, 2, 3] },
      { browser: 4, lite: [5] },
    ]);
    const whole = resolveProfile({ users: 440, duration: '1m' });
    const r1 = slicesOf(whole, deal, deal.parts[0]!);
    const r2 = slicesOf(whole, deal, deal.parts[1]!);
    expect([users(r1.browser, 440), users(r2.browser, 440)]).toEqual([10, 30]);
    expect([...r1.lite, ...r2.lite].map((p) => users(p, 440))).toEqual([100, 100, 100, 100]);
  });

  it('a runner without lite capacity takes none; lite users only launch no browser part; no lite runner at all is an error', () => {
    const deal = dealParts({ mix: mix(4, 8) }, [{ capacity: 2 }, { capacity: 2, lite: { capacity: 10, workers: 2 } }]);
    expect(deal.parts).toEqual([
      { browser: 0, lite: [] },
      { browser: 1, lite: [2, 3] },
    ]);
    expect(deal.weights).toEqual([2, 2, 4, 4]);
    const liteOnly = dealParts({ mix: mix(0, 3) }, [{ capacity: 5, lite: { capacity: 1, workers: 4 } }]);
    // 3 lite users never need more than 3 workers.
    expect(liteOnly).toEqual({ weights: [1, 1, 1], parts: [{ browser: undefined, lite: [0, 1, 2] }] });
    expect(() => dealParts({ mix: mix(1, 1) }, [{ capacity: 1 }])).toThrow(/no runner can run them/);
  });

  it('one runner holding everything deals what planMix deals for a local run', () => {
    const profile = resolveProfile({ users: 1, duration: '1m', iterations: 18 });
    const m = planMix({ profile, browserUsers: 2, liteUsers: 4, liteShare: undefined, workers: 2, usersPerWorker: undefined, cores: 2 });
    const deal = dealParts({ mix: { ...mix(2, 4), workers: 2, fixedWorkers: 2 } }, [{ capacity: 1, lite: { capacity: 1, workers: 2 } }]);
    expect(deal.weights).toEqual(m.browser!.slice!.weights);
    const s = slicesOf(m.whole, deal, deal.parts[0]!);
    expect(s.browser).toEqual(m.browser);
    expect(s.lite).toEqual(m.lite);
  });
});

describe('peakBrowserUsers (what a runner pre-warms at most)', () => {
  // The weights a plan carries (plan.ts mixWeights): the browser slice's and the lite slices' summed.
  const weightsOf = (m: ReturnType<typeof planMix>) => ({
    browserWeight: m.browser?.slice ? (m.browser.slice.weights[m.browser.slice.index] as number) : 0,
    liteWeight: m.lite.reduce((n, p) => n + (p.slice ? (p.slice.weights[p.slice.index] as number) : 0), 0),
  });

  it('counts browser users only: lite users need no browser context', () => {
    // `--users 2 --lite-users 20 --runners 2 --prewarm`: the whole profile has 22 users, 2 of them browser users.
    const m = planMix({ profile: resolveProfile({ users: 2, duration: '1m' }), browserUsers: 2, liteUsers: 20, liteShare: undefined, workers: undefined, usersPerWorker: undefined, cores: 2 });
    expect(peakUsers(m.whole)).toBe(22);
    expect(peakBrowserUsers(m.whole, weightsOf(m))).toBe(2);
    const liteOnly = planMix({ profile: resolveProfile({ users: 1, duration: '1m' }), browserUsers: 0, liteUsers: 20, liteShare: undefined, workers: undefined, usersPerWorker: undefined, cores: 2 });
    expect(peakBrowserUsers(liteOnly.whole, weightsOf(liteOnly))).toBe(0);
  });

  it('takes the browser share of a stages peak, and the whole peak without lite users', () => {
    const profile = resolveProfile({}, { stagesSpec: '30s:200,1m:200' });
    const m = planMix({ profile, browserUsers: undefined, liteUsers: undefined, liteShare: 0.9, workers: undefined, usersPerWorker: undefined, cores: 2 });
    expect(peakBrowserUsers(m.whole, weightsOf(m))).toBe(20);
    expect(peakBrowserUsers(profile, undefined)).toBe(200);
  });
});
