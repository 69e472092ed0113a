/**
 * Arrivals workload (bench/arrivals.ts): one new user session per iteration — open /counter (mount), click
 * `#inc` once, done. Run with the open model (`--arrival-rate R --max-in-flight N`).
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'arrival-counter',
  async user(u) {
    await u.lv.goto('/counter');
    await u.lv.click('#inc');
  },
});
