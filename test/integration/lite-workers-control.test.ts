/**
 * Runtime control of lite worker processes (what a runner does when the collector adds users or re-deals a lost
 * runner's share): users added before the workers are forked and while they run, and a new slice, all reach the
 * worker's engine. Checked against the fixture's record of which user ids joined (the scenario puts each user's
 * run-wide id in its join URL). Needs `npm run build` (workers run from dist/).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { LiteWorkerGroup } from '../../src/lite/workers.js';
import { loadScenario } from '../../src/scenario/load.js';
import { resolveProfile, sliceProfile, type LoadProfile } from '../../src/load/profile.js';
import { repoRoot } from '../support/bundle-child.js';
import { useFixture } from '../support/use-fixture.js';

const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'lite-tagged.ts');
const fixture = useFixture();

describe('lite worker control', () => {
  it('users added before the fork and during the run, and a new slice, reach the worker; the fixture sees those users', async () => {
    fixture.reset();
    const loaded = await loadScenario(SCENARIO);
    // The whole run: 4 users; this worker first holds slice 0 of [1, 3] (user 0 only).
    const whole = resolveProfile({}, { users: 4, ramp: 0, duration: '60s', gracefulStop: '5s' });
    const group = new LiteWorkerGroup({
      setup: { bundle: { ...loaded.bundle, file: loaded.file, resolveDir: repoRoot }, target: fixture.url, input: 'fast', actionTimeoutMs: 10_000, abortOnError: false, setupData: undefined, data: undefined, dataDir: repoRoot, startedAt: Date.now() },
      slices: [sliceProfile(whole, { weights: [1, 3], index: 0 })],
      onInterval: () => undefined,
    });
    try {
      group.addUsers(0, 1); // before the fork: sent right after the worker's init
      await group.start();
      const running = group.run();
      await expect.poll(() => group.status().active, { timeout: 10_000, interval: 100 }).toBe(2);
      // The lost runner's share comes to this worker: it now holds every unit of the whole (4 users), plus the 1.
      group.reslice(0, sliceProfile(whole, { weights: [4], index: 0 }));
      await expect.poll(() => group.status().active, { timeout: 10_000, interval: 100 }).toBe(5);
      group.addUsers(0, -2);
      await expect.poll(() => group.status().target, { timeout: 10_000, interval: 100 }).toBe(3);
      group.stop('checked');
      const outcome = await running;
      expect(outcome.errors).toBe(0);
    } finally {
      await group.close();
    }
    const users = new Set(fixture.stats().joins.map((j) => new URL(j.url as string).searchParams.get('user')));
    // Users 0 and the added one first, then more after the re-slice: more than the 1 its first slice held.
    expect(users.size).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('a worker whose user target changes takes the growing percent of its new target at run time', async () => {
    const loaded = await loadScenario(SCENARIO);
    // Ramps 0 → 1 user over 10 minutes: no user starts while the test runs, the planned peak is all that counts.
    const slow = (peak: number): LoadProfile => ({ kind: 'stages', stages: [{ durationMs: 600_000, target: 1 }, { durationMs: 10_000, target: peak }], gracefulStopMs: 1_000 });
    const lines: string[] = [];
    const group = new LiteWorkerGroup({
      setup: { bundle: { ...loaded.bundle, file: loaded.file, resolveDir: repoRoot }, target: fixture.url, input: 'fast', actionTimeoutMs: 10_000, abortOnError: false, setupData: undefined, data: undefined, dataDir: repoRoot, startedAt: Date.now() },
      slices: [slow(300)], // forked with the flags of 300 users: growing 50 %
      onInterval: () => undefined,
      log: (line) => lines.push(line),
    });
    const changes = () => lines.filter((l) => l.includes('heap growing percent'));
    try {
      await group.start();
      const running = group.run();
      group.reslice(0, slow(650)); // a re-deal: 650 users
      await expect.poll(changes, { timeout: 10_000, interval: 100 }).toEqual(['lite worker 0: heap growing percent 50 → 150 for 650 users']);
      group.addUsers(0, -100); // 550: the middle band
      group.addUsers(0, -20); // 530: same band, nothing set
      group.addUsers(0, -200); // 330
      await expect.poll(() => changes().length, { timeout: 10_000, interval: 100 }).toBe(3);
      expect(changes().slice(1)).toEqual(['lite worker 0: heap growing percent 150 → 75 for 550 users', 'lite worker 0: heap growing percent 75 → 50 for 330 users']);
      group.stop('checked');
      await running;
    } finally {
      await group.close();
    }
  }, 60_000);
});
