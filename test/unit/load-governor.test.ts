import { describe, expect, it } from 'vitest';
import { governLeases, MIN_OPEN_RATE, openRatePerSecond, RampGovernor, type GovernorClock } from '../../src/load/governor.js';

/** Virtual time: sleeping advances the clock at once. */
function fakeClock(): GovernorClock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

const costs = { openCpuSeconds: 0.5, userCpuPerSecond: 0.01 };

describe('openRatePerSecond', () => {
  it('spends the CPU budget left after the steady load on openings', () => {
    // 2 cores × 0.7 = 1.4 CPU-s/s; 40 users × 0.01 = 0.4 → 1.0 CPU-s/s left → 2 openings/s at 0.5 CPU-s each
    expect(openRatePerSecond({ cores: 2, costs, activeUsers: 40 })).toBeCloseTo(2, 9);
    expect(openRatePerSecond({ cores: 2, costs, activeUsers: 0 })).toBeCloseTo(2.8, 9);
  });

  it('trusts the measured CPU when it is above the model, net of the openings that were in flight', () => {
    // measured 130 % with 1 opening/s in flight (0.5 CPU-s/s) → steady 0.8 → (1.4 − 0.8) / 0.5 = 1.2/s
    expect(openRatePerSecond({ cores: 2, costs, activeUsers: 10, measuredCpuPercent: 130, previousRate: 1 })).toBeCloseTo(1.2, 9);
    // measured below the model: the model wins (a quiet sample does not open the floodgates)
    expect(openRatePerSecond({ cores: 2, costs, activeUsers: 100, measuredCpuPercent: 10, previousRate: 0 })).toBeCloseTo(0.8, 9);
  });

  it('never stalls: a machine over budget still opens at the minimum rate', () => {
    expect(openRatePerSecond({ cores: 2, costs, activeUsers: 500 })).toBe(MIN_OPEN_RATE);
    expect(openRatePerSecond({ cores: 2, costs, activeUsers: 0, measuredCpuPercent: 200 })).toBe(MIN_OPEN_RATE);
  });
});

describe('RampGovernor', () => {
  it('admits openings 1/rate apart, re-reading the rate for each', async () => {
    const clock = fakeClock();
    const rates = [2, 2, 4, 4, 1];
    const g = new RampGovernor(() => rates.shift() ?? 1, clock);
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      await g.admit();
      at.push(clock.t);
    }
    expect(at).toEqual([0, 500, 750, 1000, 2000]);
    expect(g.waiting).toBe(0);
    expect(g.currentRate).toBe(1);
  });

  it('counts waiting openings while they queue', async () => {
    const clock = fakeClock();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: GovernorClock = { now: clock.now, sleep: async (ms) => { await gate; clock.t += ms; } };
    const g = new RampGovernor(() => 1, slow);
    const first = g.admit();
    const rest = [g.admit(), g.admit()];
    await first;
    expect(g.waiting).toBe(2);
    release();
    await Promise.all(rest);
    expect(g.waiting).toBe(0);
  });

  it('an aborted opening does not take a turn', async () => {
    const clock = fakeClock();
    const g = new RampGovernor(() => 1, clock);
    await g.admit();
    const ac = new AbortController();
    ac.abort();
    await g.admit(ac.signal);
    await g.admit();
    expect(clock.t).toBe(1000);
  });

  it('governLeases waits only when a new context must be opened', async () => {
    const clock = fakeClock();
    const g = new RampGovernor(() => 1, clock);
    let idle = 0;
    const acquired: number[] = [];
    const leases = governLeases({ acquire: async (id: number) => (acquired.push(id), id) }, g, () => idle === 0);
    await leases.acquire(1);
    await leases.acquire(2);
    expect(clock.t).toBe(1000);
    idle = 1;
    await leases.acquire(3);
    expect(clock.t).toBe(1000); // reuse: no wait
    expect(acquired).toEqual([1, 2, 3]);
    // The schedule ended while a user waited: it opens nothing and does not delay the others.
    idle = 0;
    const ended = new AbortController();
    ended.abort();
    await expect(leases.acquire(4, ended.signal)).rejects.toThrow(/the run ended while this user waited/);
    expect(acquired).toEqual([1, 2, 3]);
    expect(clock.t).toBe(1000);
  });
});

describe('progress line', () => {
  it('shows users waiting for the governor next to active/target', async () => {
    const { formatProgress } = await import('../../src/report/progress.js');
    const base = { elapsedMs: 5000, totalMs: 60_000, active: 40, target: 100, iterations: 3, errors: 0, dropped: 0, interval: undefined, health: undefined, saturated: false };
    expect(formatProgress({ ...base, opening: { waiting: 60, perSecond: 2.14 } })).toContain('users 40/100 (60 waiting, opening 2.1/s)');
    expect(formatProgress(base)).toContain('users 40/100 · ');
  });
});
