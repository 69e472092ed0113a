/**
 * `rookery calibrate --lite` on one real lite worker against the fixture: the costs come out positive and
 * consistent with the capacity arithmetic, the fixture saw every user join, and a scenario lite users cannot run
 * is refused with the reason. Asserts what was measured and how it adds up, never how fast the machine is.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { calibrateLite } from '../../src/lite/calibrate.js';
import { liteWorkerExecArgv } from '../../src/lite/gc-settings.js';
import { liteCapacityOf } from '../../src/load/capacity.js';
import { LITE_USERS_PER_WORKER } from '../../src/load/mix-plan.js';
import { machineCapacity } from '../../src/health/machine.js';
import { useFixture } from '../support/use-fixture.js';

const SCENARIOS = resolve(import.meta.dirname, '../support/scenarios');
const PHASES = { first: 3_000, joinRamp: 1_000, settle: 1_000 };
const fixture = useFixture();

describe('lite calibration', () => {
  it('measures connect, per-user-second, per-action and memory costs of lite users on one worker', async () => {
    fixture.reset();
    const c = await calibrateLite({ scenarioFile: resolve(SCENARIOS, 'heartbeat-clicks.ts'), target: fixture.url, users: 8, steadyMs: 3_000, phasesMs: PHASES });
    expect(c.users).toBe(8);
    // The flags of a full worker of a run (the one the capacity figures assume), not of the 8 users measured.
    expect(c.execArgv).toEqual(liteWorkerExecArgv(LITE_USERS_PER_WORKER));
    expect(c.execArgv).toEqual(['--max-semi-space-size=64', '--heap-growing-percent=75']);
    // Every lite user joined the counter once (4 in the first part, 4 in the second).
    expect(fixture.stats().joins.filter((j) => j.url?.includes('/counter') && j.mounts === 0).length).toBe(8);
    expect(c.actions).toBeGreaterThan(0);
    expect(c.userCpuPerSecond).toBeGreaterThan(0);
    expect(c.cpuPerActionMs).toBeGreaterThan(0);
    expect(c.workerBaseBytes).toBeGreaterThan(0);
    const m = machineCapacity();
    const cap = liteCapacityOf({ cores: m.cores, memoryBytes: m.memoryBytes, userCpuPerSecond: c.userCpuPerSecond, perUserBytes: c.perUserBytes, workerBaseBytes: c.workerBaseBytes });
    // Rounded figures are stored: the capacity is the arithmetic on (nearly) the same numbers.
    expect(Math.abs(c.capacityUsers - cap.users) / Math.max(1, cap.users)).toBeLessThan(0.01);
  }, 60_000);

  it('a scenario that needs a browser (u.page) is refused with the reason, not measured', async () => {
    await expect(calibrateLite({ scenarioFile: resolve(SCENARIOS, 'lite-page-only.ts'), target: fixture.url, users: 4, steadyMs: 2_000, phasesMs: PHASES }))
      .rejects.toThrow(/does not run as a lite user: \d+ error\(s\), no iteration completed.*u\.page is not available to lite users/);
  }, 60_000);
});
