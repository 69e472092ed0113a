/**
 * The density workload for any kind of user (bench/lite-density.ts): on /counter, one click on `#inc` every 2 s
 * on average. Unlike density-counter.ts it does not read `u.page` (lite users have none): the first iteration of
 * a user mounts the page, the later ones only click.
 */
import { defineScenario } from 'rookery';

const THINK_MS = Number(process.env.ROOKERY_BENCH_THINK_MS ?? 2_000);

export default defineScenario({
  name: 'lite-density-counter',
  async user(u) {
    if (u.iteration === 0) {
      await u.lv.goto('/counter');
      // Spread the first clicks over one think period so users do not click in lockstep after the ramp.
      await u.think([0, THINK_MS]);
    }
    await u.lv.click('#inc');
    await u.think([THINK_MS * 0.75, THINK_MS * 1.25]);
  },
});
