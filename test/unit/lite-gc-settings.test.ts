import { describe, expect, it } from 'vitest';
import { execArgvOverride, liteHeapGrowingPercent, liteSemiSpaceMiB, liteWorkerExecArgv } from '../../src/lite/gc-settings.js';

describe('lite worker GC settings', () => {
  it('gives a worker less old-generation headroom the fewer users it holds, at the bounds exactly', () => {
    expect([1, 200, 400].map(liteHeapGrowingPercent)).toEqual([50, 50, 50]);
    expect([401, 500, 600].map(liteHeapGrowingPercent)).toEqual([75, 75, 75]);
    expect([601, 650, 5_000].map(liteHeapGrowingPercent)).toEqual([100, 100, 100]);
    // A profile with no finite peak gets the smallest headroom, never V8's unbounded default.
    expect(liteHeapGrowingPercent(Number.NaN)).toBe(50);
  });

  it('gives a worker of 400 users or fewer half the young generation', () => {
    expect([1, 400].map(liteSemiSpaceMiB)).toEqual([32, 32]);
    expect([401, 650, Number.POSITIVE_INFINITY].map(liteSemiSpaceMiB)).toEqual([64, 64, 64]);
  });

  it('forks each worker with the young generation and growing percent of its users', () => {
    expect(liteWorkerExecArgv(400)).toEqual(['--max-semi-space-size=32', '--heap-growing-percent=50']);
    expect(liteWorkerExecArgv(500)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=75']);
    expect(liteWorkerExecArgv(650)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=100']);
  });

  it('ROOKERY_LITE_EXEC_ARGV replaces the choice, and an empty value means no flags', () => {
    expect(execArgvOverride({})).toBeUndefined();
    expect(execArgvOverride({ ROOKERY_LITE_EXEC_ARGV: ' --max-semi-space-size=16  --trace-gc ' })).toEqual(['--max-semi-space-size=16', '--trace-gc']);
    expect(execArgvOverride({ ROOKERY_LITE_EXEC_ARGV: '' })).toEqual([]);
  });
});
