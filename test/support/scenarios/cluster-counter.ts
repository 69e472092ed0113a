/** Distributed-run tests: a short counter loop against the fixture (a few events per iteration, little think time). */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'cluster-counter',
  options: { users: 3, duration: '6s', gracefulStop: '5s' },
  async user(u) {
    // One check series per run-wide user id: tests read which ids ran (unique across runners).
    await u.check(`user ${u.userId}`, true);
    await u.lv.goto('/counter');
    for (let i = 0; i < 3; i++) {
      await u.lv.click('#inc');
      await u.think(150);
    }
  },
});
