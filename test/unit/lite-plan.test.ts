import { describe, expect, it } from 'vitest';
import { planMix, LITE_USERS_PER_WORKER } from '../../src/load/mix-plan.js';
import { resolveProfile, targetUsersAt, arrivalsDue, globalIndex, type LoadProfile } from '../../src/load/profile.js';

const base = { browserUsers: undefined, liteUsers: undefined, liteShare: undefined, workers: undefined, usersPerWorker: undefined, cores: 2 };
const users = (p: LoadProfile | undefined, t = 60_000) => (p ? targetUsersAt(p, t) : 0);

describe('planMix', () => {
  it('without lite users the profile is the browser users', () => {
    const profile = resolveProfile({}, { users: 5 });
    const plan = planMix({ ...base, profile, browserUsers: 5 });
    expect(plan.browser).toBe(profile);
    expect(plan.lite).toEqual([]);
  });

  it('constant model: exact browser and lite counts, lite split over workers by capacity, ids unique', () => {
    const profile = resolveProfile({}, { users: 10, duration: '2m' });
    const plan = planMix({ ...base, profile, browserUsers: 10, liteUsers: 450, usersPerWorker: 200, cores: 4 });
    expect(users(plan.browser)).toBe(10);
    expect(plan.lite).toHaveLength(3);
    expect(plan.lite.map((p) => users(p))).toEqual([150, 150, 150]);
    expect(plan.peakLite).toBe(450);
    const ids = new Set<number>();
    for (const p of [plan.browser!, ...plan.lite]) for (let i = 0; i < users(p); i++) ids.add(globalIndex(p, i));
    expect(ids.size).toBe(460);
    expect(Math.max(...ids)).toBe(459);
  });

  it('lite users only: users defaults to 0 browser users; at most one worker per core, with a warning past capacity', () => {
    const profile = resolveProfile({}, {});
    const plan = planMix({ ...base, profile, liteUsers: 900, usersPerWorker: 200, cores: 2 });
    expect(plan.browser).toBeUndefined();
    expect(plan.lite.map((p) => users(p, 10_000))).toEqual([450, 450]);
    expect(plan.warning).toMatch(/more than 200 per worker/);
  });

  it('by default a worker takes LITE_USERS_PER_WORKER users before a second one starts (up to one per core)', () => {
    const profile = resolveProfile({}, {});
    expect(planMix({ ...base, profile, liteUsers: LITE_USERS_PER_WORKER }).lite).toHaveLength(1);
    const two = planMix({ ...base, profile, liteUsers: LITE_USERS_PER_WORKER + 1 });
    expect(two.lite.map((p) => users(p, 10_000))).toEqual([Math.ceil((LITE_USERS_PER_WORKER + 1) / 2), Math.floor((LITE_USERS_PER_WORKER + 1) / 2)]);
    expect(two.warning).toBeUndefined();
    expect(planMix({ ...base, profile, liteUsers: 3 * LITE_USERS_PER_WORKER, cores: 8 }).lite).toHaveLength(3);
  });

  it('stages and arrival rate take a share; --lite-users with them is a clear error', () => {
    const stages = resolveProfile({}, { stagesSpec: '10s:100,50s:100' });
    const plan = planMix({ ...base, profile: stages, liteShare: 0.75 });
    expect(users(plan.browser, 20_000)).toBe(25);
    expect(plan.lite.reduce((n, p) => n + users(p, 20_000), 0)).toBe(75);
    const open = resolveProfile({}, { arrivalRate: 10, duration: '10s' });
    const op = planMix({ ...base, profile: open, liteShare: 0.5 });
    const due = (p: LoadProfile | undefined) => (p ? arrivalsDue(p, 0, 10_000) : 0);
    expect(due(op.browser) + op.lite.reduce((n, p) => n + due(p), 0)).toBe(100);
    expect(() => planMix({ ...base, profile: stages, liteUsers: 10 })).toThrow(/give --lite-share/);
    expect(() => planMix({ ...base, profile: open, liteShare: 1.5 })).toThrow(/must be in \(0, 1\]/);
    expect(() => planMix({ ...base, profile: resolveProfile({}, {}), liteUsers: 0 })).toThrow(/nobody to run/);
  });
});
