import { defineScenario } from 'rookery';

// Users stay on one page and click every 300 ms, so the page's socket lives long enough for heartbeats.
export default defineScenario({
  name: 'heartbeat-clicks',
  async user(u) {
    if (u.iteration === 0) await u.lv.goto('/counter?heartbeat_ms=400');
    await u.lv.click('#inc');
    await u.think(300);
  },
});
