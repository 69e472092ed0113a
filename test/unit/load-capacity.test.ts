import { describe, expect, it } from 'vitest';
import { capacityMessage, capacityOf, deriveCosts, validateCalibration, CALIBRATION_SCHEMA } from '../../src/load/capacity.js';
import { planPool } from '../../src/browser/plan.js';

const MB = 2 ** 20;
const GB = 2 ** 30;

describe('calibration arithmetic', () => {
  it('derives per-open, per-user-second, per-action and per-user memory costs', () => {
    const d = deriveCosts({ opened: 4, openCpuSeconds: 1.6, users: 4, steadyMs: 20_000, steadyCpuSeconds: 2, actions: 160, pssOneBytes: 200 * MB, pssAllBytes: 320 * MB });
    expect(d.openCpuSeconds).toBeCloseTo(0.4, 12);
    expect(d.userCpuPerSecond).toBeCloseTo(0.025, 12);
    expect(d.cpuPerActionMs).toBeCloseTo(12.5, 12);
    expect(d.perUserBytes).toBe(30 * MB);
    expect(d.browserBaseBytes).toBe(170 * MB);
    expect(deriveCosts({ opened: 1, openCpuSeconds: 0.3, users: 1, steadyMs: 1000, steadyCpuSeconds: 0.1, actions: 0, pssOneBytes: 50 * MB, pssAllBytes: 80 * MB }).cpuPerActionMs).toBeUndefined();
    expect(() => deriveCosts({ opened: 0, openCpuSeconds: 0, users: 1, steadyMs: 1, steadyCpuSeconds: 0, actions: 0, pssOneBytes: 0, pssAllBytes: 0 })).toThrow(/at least one context/);
  });

  it('capacity is the smaller of the CPU budget (70 % of cores) and memory', () => {
    // 2 cores × 0.7 = 1.4 CPU-s/s at 0.01 per user → 140 users; 24 GiB holds far more
    expect(capacityOf({ cores: 2, memoryBytes: 24 * GB, headlessShell: true, userCpuPerSecond: 0.01, perUserBytes: 30 * MB })).toMatchObject({ users: 140, limitedBy: 'cpu', cpuUsers: 140 });
    const small = capacityOf({ cores: 8, memoryBytes: 2 * GB, headlessShell: true, userCpuPerSecond: 0.01, perUserBytes: 100 * MB });
    expect(small.limitedBy).toBe('memory');
    expect(small.users).toBe(small.memoryUsers);
    expect(small.users).toBeLessThan(small.cpuUsers);
    // Other processes' CPU comes out of the budget: 60 % busy → 0.8 CPU-s/s left → 80 users
    expect(capacityOf({ cores: 2, memoryBytes: 24 * GB, headlessShell: true, userCpuPerSecond: 0.01, perUserBytes: 30 * MB, otherCpuPercent: 60 }).users).toBe(80);
    // A memory cost that measured 0 (noise over few users) falls back to the pool's default, never unbounded.
    const zero = capacityOf({ cores: 2, memoryBytes: 2 * GB, headlessShell: true, userCpuPerSecond: 0.0001, perUserBytes: 0 });
    expect(zero).toMatchObject({ limitedBy: 'memory', memoryUsers: planPool({ users: 1, cores: 2, memoryBytes: 2 * GB, headlessShell: true }).memoryCapacityUsers });
  });

  it('says how many users fit before the load goes up, and warns when asked for more', () => {
    const c = { capacityUsers: 150, scenario: 'counter', limitedBy: 'cpu' as const, measuredAt: '2026-01-01T00:00:00Z' };
    expect(capacityMessage(c, 100)).toEqual({ warn: false, text: 'this machine holds ≈ 150 users of counter below 70 % CPU; you asked for 100 (calibrated 2026-01-01T00:00:00Z)' });
    const over = capacityMessage(c, 300);
    expect(over.warn).toBe(true);
    expect(over.text).toMatch(/^this machine holds ≈ 150 users of counter below 70 % CPU; you asked for 300: expect a saturated harness/);
  });

  it('pool sizing uses measured memory and warns when the CPU cannot hold the users', () => {
    const guess = planPool({ users: 300, cores: 2, memoryBytes: 24 * GB, headlessShell: true });
    const measured = planPool({ users: 300, cores: 2, memoryBytes: 24 * GB, headlessShell: true, measured: { perUserBytes: 60 * MB, userCpuPerSecond: 0.01 } });
    expect(measured.expectedBrowserBytes - guess.expectedBrowserBytes).toBe(300 * 30 * MB);
    expect(guess.cpuCapacityUsers).toBeUndefined();
    expect(measured.cpuCapacityUsers).toBe(140);
    expect(measured.warnings.join('\n')).toMatch(/300 users need ~300 % CPU .* hold ≈ 140 users/);
  });

  it('rejects a file that is not a calibration with the file name and what to do', () => {
    expect(() => validateCalibration({ schema: 'x' }, 'c.json')).toThrow(/c\.json: not a Rookery calibration .*run `rookery calibrate <scenario>` again/);
    const ok = { schema: CALIBRATION_SCHEMA, scenario: 's', openCpuSeconds: 0.3, userCpuPerSecond: 0.01, perUserBytes: 1, capacityUsers: 3, users: 2, steadyMs: 1000, machine: { hostname: 'h', cores: 2 } };
    expect(validateCalibration(ok, 'c.json')).toBe(ok);
    expect(() => validateCalibration({ ...ok, userCpuPerSecond: -1 }, 'c.json')).toThrow(/userCpuPerSecond/);
  });
});
