import { describe, expect, it } from 'vitest';
import { execArgvOverride, liteHeapGrowingPercent, liteWorkerExecArgv } from '../../src/lite/gc-settings.js';

describe('lite worker GC settings', () => {
  it('gives a worker less old-generation headroom the fewer users it holds, at the bounds exactly', () => {
    expect([1, 200, 400].map(liteHeapGrowingPercent)).toEqual([50, 50, 50]);
    expect([401, 500, 600].map(liteHeapGrowingPercent)).toEqual([75, 75, 75]);
    expect([601, 650, 5_000].map(liteHeapGrowingPercent)).toEqual([100, 100, 100]);
    // A profile with no finite peak gets the smallest headroom, never V8's unbounded default.
    expect(liteHeapGrowingPercent(Number.NaN)).toBe(50);
  });

  it('forks every worker with the large young generation and its own growing percent', () => {
    expect(liteWorkerExecArgv(400)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=50']);
    expect(liteWorkerExecArgv(500)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=75']);
    expect(liteWorkerExecArgv(650)).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=100']);
  });

  it('ROOKERY_LITE_EXEC_ARGV replaces the choice, and an empty value means no flags', () => {
    expect(execArgvOverride({})).toBeUndefined();
    expect(execArgvOverride({ ROOKERY_LITE_EXEC_ARGV: ' --max-semi-space-size=16  --trace-gc ' })).toEqual(['--max-semi-space-size=16', '--trace-gc']);
    expect(execArgvOverride({ ROOKERY_LITE_EXEC_ARGV: '' })).toEqual([]);
  });
});
