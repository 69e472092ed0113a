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
import { resolveProfile, sliceProfile } from '../../src/load/profile.js';
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
});
