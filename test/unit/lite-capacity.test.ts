import { describe, expect, it } from 'vitest';
import { deriveLiteCosts, liteCapacity, liteCapacityOf, validateCalibration, CALIBRATION_SCHEMA, DEFAULT_LITE_USERS_PER_CORE, type Calibration, type LiteCalibration } from '../../src/load/capacity.js';

const MB = 2 ** 20;
const GB = 2 ** 30;

const lite = (over: Partial<LiteCalibration> = {}): LiteCalibration => ({
  users: 100, steadyMs: 20_000, execArgv: ['--max-semi-space-size=64'], connectCpuSeconds: 0.02, userCpuPerSecond: 0.001,
  actions: 1000, cpuPerActionMs: 2, perUserBytes: 2 * MB, workerBaseBytes: 100 * MB, capacityUsers: 1400, limitedBy: 'cpu', ...over,
});

describe('lite calibration arithmetic', () => {
  it('derives connect CPU net of the running users, CPU per user-second and per action, memory from two points', () => {
    // 50 users, then 50 more over a 4 s ramp; join window 7 s. Steady: 100 users × 20 s at 1 ms/s = 2 CPU-s.
    // Join window user-seconds: 50 × 7 + 50 × (7 − 2) = 600 → 0.6 CPU-s of running; 1.6 CPU-s measured → 1.0 for 50 connects.
    const d = deriveLiteCosts({ half: 50, users: 100, joined: 50, joinCpuSeconds: 1.6, joinWindowMs: 7_000, joinRampMs: 4_000, steadyMs: 20_000, steadyCpuSeconds: 2, actions: 1000, pssHalfBytes: 200 * MB, pssAllBytes: 300 * MB });
    expect(d.userCpuPerSecond).toBeCloseTo(0.001, 12);
    expect(d.connectCpuSeconds).toBeCloseTo(0.02, 12);
    expect(d.cpuPerActionMs).toBeCloseTo(2, 12);
    expect(d.perUserBytes).toBe(2 * MB);
    expect(d.workerBaseBytes).toBe(100 * MB);
    // Never negative: a join window cheaper than the steady rate predicts costs 0 per connect.
    expect(deriveLiteCosts({ half: 1, users: 2, joined: 1, joinCpuSeconds: 0, joinWindowMs: 1000, joinRampMs: 0, steadyMs: 1000, steadyCpuSeconds: 1, actions: 0, pssHalfBytes: 10, pssAllBytes: 5 })).toMatchObject({ connectCpuSeconds: 0, perUserBytes: 0, cpuPerActionMs: undefined });
    expect(() => deriveLiteCosts({ half: 2, users: 2, joined: 0, joinCpuSeconds: 0, joinWindowMs: 1, joinRampMs: 0, steadyMs: 1, steadyCpuSeconds: 0, actions: 0, pssHalfBytes: 0, pssAllBytes: 0 })).toThrow(/users running, more joining/);
  });

  it('capacity is the smaller of the CPU budget and the memory left after one worker per core', () => {
    // 2 cores × 0.7 / 0.001 = 1400 by CPU; memory: 24 GiB × 0.8 − 2 × 100 MiB over 2 MiB ≫ 1400
    expect(liteCapacityOf({ cores: 2, memoryBytes: 24 * GB, userCpuPerSecond: 0.001, perUserBytes: 2 * MB, workerBaseBytes: 100 * MB })).toMatchObject({ users: 1400, limitedBy: 'cpu' });
    // 1 GiB × 0.8 = 819.2 MiB − 2 × 100 MiB = 619.2 MiB / 2 MiB → 309 users
    expect(liteCapacityOf({ cores: 2, memoryBytes: 1 * GB, userCpuPerSecond: 0.001, perUserBytes: 2 * MB, workerBaseBytes: 100 * MB })).toMatchObject({ users: 309, limitedBy: 'memory', cpuUsers: 1400 });
  });

  it('liteCapacity: measured costs when the calibration has them, else the documented default per core', () => {
    const machine = { cores: 2, memoryBytes: 24 * GB };
    expect(liteCapacity({ lite: lite() }, machine)).toBe(1400);
    // A runner with 4 cores holds twice the CPU budget of the same measured costs.
    expect(liteCapacity({ lite: lite() }, { cores: 4, memoryBytes: 24 * GB })).toBe(2800);
    expect(liteCapacity(undefined, machine)).toBe(2 * DEFAULT_LITE_USERS_PER_CORE);
    expect(liteCapacity({ lite: undefined }, { cores: 8, memoryBytes: 64 * GB })).toBe(8 * DEFAULT_LITE_USERS_PER_CORE);
    // Uncalibrated on a small box: memory bounds the default.
    expect(liteCapacity(undefined, { cores: 2, memoryBytes: 1 * GB })).toBeLessThan(2 * DEFAULT_LITE_USERS_PER_CORE);
    expect(liteCapacity(undefined, { cores: 2, memoryBytes: 1 * GB })).toBeGreaterThan(0);
  });

  it('a calibration file with a broken lite part is refused by name; without one it is still valid', () => {
    const base: Calibration = {
      schema: CALIBRATION_SCHEMA, scenario: 'counter', measuredAt: '2026-01-01T00:00:00Z', machine: { hostname: 'h', cores: 2, memoryBytes: GB, cpuModel: 'x' },
      chromium: '1', users: 2, steadyMs: 1000, openCpuSeconds: 0.1, userCpuPerSecond: 0.01, actions: 1, cpuPerActionMs: 1, perUserBytes: MB, browserBaseBytes: MB,
      idleMachineCpuPercent: 0, capacityUsers: 10, limitedBy: 'cpu',
    };
    expect(validateCalibration(base, 'f.json').lite).toBeUndefined();
    expect(validateCalibration({ ...base, lite: lite() }, 'f.json').lite?.capacityUsers).toBe(1400);
    expect(() => validateCalibration({ ...base, lite: lite({ perUserBytes: -1 }) }, 'f.json')).toThrow(/lite\.perUserBytes must be a number/);
    expect(() => validateCalibration({ ...base, lite: 'x' }, 'f.json')).toThrow(/lite/);
  });
});
