/**
 * Functional components vs LiveComponents, side by side in one run: users split evenly between the two
 * variants and run at the same time. Compare lv_diff_bytes and lv_event_rtt_ms by `variant`.
 *   npx rookery run scenarios/compare-components.ts --target http://127.0.0.1:4000 --users 20 --duration 30s --html report.html
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'compare-components',
  variants: { function: '/components?mode=function&n=50', live: '/components?mode=live&n=50' },
  options: { users: 10, ramp: '5s', duration: '30s' },
  async user(u) {
    await u.lv.goto(u.variantValue!);
    for (let i = 0; i < 5; i++) {
      await u.lv.click(`#bump-${((u.userId + i) % 50) + 1}`, { action: 'bump' });
      await u.think([300, 800]);
    }
  },
});
