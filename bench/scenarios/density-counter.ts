/**
 * Density workload (bench/density.ts): each user stays on /counter and clicks `#inc` once every 2 s on average.
 * One iteration is one click plus the think time, so iterations = clicks; the LiveView is mounted once per
 * user (the engine keeps a user's context across iterations) and again only after an error.
 */
import { defineScenario } from 'rookery';

const THINK_MS = Number(process.env.ROOKERY_BENCH_THINK_MS ?? 2_000);

export default defineScenario({
  name: 'density-counter',
  async user(u) {
    if (!u.page.url().endsWith('/counter')) {
      await u.lv.goto('/counter');
      // Spread the first clicks over one think period so users do not click in lockstep after the ramp.
      await u.think([0, THINK_MS]);
    }
    await u.lv.click('#inc');
    // ±25 % jitter: with an exact period, users that were delayed together by a burst click together again
    // ever after, and the load turns into waves (seen here as alternating calm and saturated seconds).
    await u.think([THINK_MS * 0.75, THINK_MS * 1.25]);
  },
});
