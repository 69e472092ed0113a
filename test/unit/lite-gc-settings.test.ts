import { describe, expect, it } from 'vitest';
import { execArgvOverride, heapGrowingFlagFor, liteHeapGrowingPercent, liteSemiSpaceMiB, liteWorkerExecArgv } from '../../src/lite/gc-settings.js';
import { slicePeakUsers, sliceProfile, type LoadProfile } from '../../src/load/profile.js';

describe('lite worker GC settings', () => {
  it('gives a worker less old-generation headroom the fewer users it holds, at the bounds exactly', () => {
    expect([1, 200, 400].map(liteHeapGrowingPercent)).toEqual([50, 50, 50]);
    expect([401, 500, 600].map(liteHeapGrowingPercent)).toEqual([75, 75, 75]);
    expect([601, 650, 5_000].map(liteHeapGrowingPercent)).toEqual([150, 150, 150]);
    // An unknown count (an open model with no cap) gets the large worker's headroom (latency-safe).
    expect([Number.NaN, Number.POSITIVE_INFINITY].map(liteHeapGrowingPercent)).toEqual([150, 150]);
  });

  it('gives a worker of 400 users or fewer half the young generation', () => {
    expect([1, 400].map(liteSemiSpaceMiB)).toEqual([32, 32]);
    expect([401, 650, Number.POSITIVE_INFINITY, Number.NaN].map(liteSemiSpaceMiB)).toEqual([64, 64, 64, 64]);
    expect(liteWorkerExecArgv(Number.NaN)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=150']);
  });

  it('forks each worker with the young generation and growing percent of its users', () => {
    expect(liteWorkerExecArgv(400)).toEqual(['--max-semi-space-size=32', '--heap-growing-percent=50']);
    expect(liteWorkerExecArgv(500)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=75']);
    expect(liteWorkerExecArgv(650)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=150']);
  });

  it('a running worker whose user target changes takes the new growing percent, unless the flags are overridden', () => {
    // Forked at 300 users (50 %), then given 650 by `ctl add` or a re-deal.
    expect(heapGrowingFlagFor(650, false, 50)).toBe('--heap-growing-percent=150');
    expect(heapGrowingFlagFor(500, false, 150)).toBe('--heap-growing-percent=75');
    expect(heapGrowingFlagFor(200, false, 75)).toBe('--heap-growing-percent=50');
    // Same band: nothing to set.
    expect(heapGrowingFlagFor(350, false, 50)).toBeUndefined();
    // Flags given (ROOKERY_LITE_EXEC_ARGV, even empty, or the group's execArgv): the operator's flags stay.
    expect(heapGrowingFlagFor(650, true, 50)).toBeUndefined();
    expect(heapGrowingFlagFor(650, true, undefined)).toBeUndefined();
  });

  it('ROOKERY_LITE_EXEC_ARGV replaces the choice, and an empty value means no flags', () => {
    expect(execArgvOverride({})).toBeUndefined();
    expect(execArgvOverride({ ROOKERY_LITE_EXEC_ARGV: ' --max-semi-space-size=16  --trace-gc ' })).toEqual(['--max-semi-space-size=16', '--trace-gc']);
    expect(execArgvOverride({ ROOKERY_LITE_EXEC_ARGV: '' })).toEqual([]);
  });
});

describe('users a lite worker holds (its GC settings are chosen from them)', () => {
  const constant: LoadProfile = { kind: 'constant', users: 1000, rampMs: 25_000, durationMs: 60_000, gracefulStopMs: 0 };
  it('is its share of the whole profile, not the whole run', () => {
    // Two lite workers of a 1000-user run; a browser slice next to two lite ones.
    expect([0, 1].map((index) => slicePeakUsers(sliceProfile(constant, { weights: [1, 1], index })))).toEqual([500, 500]);
    const mixed = [0, 1, 2].map((index) => slicePeakUsers(sliceProfile({ ...constant, users: 700 }, { weights: [1, 3, 3], index })));
    expect(mixed).toEqual([100, 300, 300]);
    expect(mixed.map((u) => liteWorkerExecArgv(u)[1])).toEqual(['--heap-growing-percent=50', '--heap-growing-percent=50', '--heap-growing-percent=50']);
  });

  it('takes a stages slice at its peak, an arrival slice by its own in-flight bound, and an unsliced profile whole', () => {
    const stages: LoadProfile = { kind: 'stages', stages: [{ durationMs: 10_000, target: 400 }, { durationMs: 10_000, target: 1300 }, { durationMs: 5_000, target: 0 }], gracefulStopMs: 0 };
    expect([0, 1].map((index) => slicePeakUsers(sliceProfile(stages, { weights: [1, 1], index })))).toEqual([650, 650]);
    const arrival: LoadProfile = { kind: 'arrival', ratePerSec: 50, durationMs: 10_000, maxInFlight: 900, gracefulStopMs: 0 };
    expect(slicePeakUsers(sliceProfile(arrival, { weights: [2, 1], index: 1 }))).toBe(300);
    expect(slicePeakUsers(constant)).toBe(1000);
  });
});
