/**
 * Streams vs a plain assign list: the same UI, the same clicks. An insert on /list re-sends every shifted
 * row; on /stream only the new item travels. Compare lv_diff_bytes{event=add} by `variant`.
 *   npx rookery run scenarios/compare-streams.ts --target http://127.0.0.1:4000 --users 10 --duration 30s --html report.html
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'compare-streams',
  variants: { stream: '/stream?n=100', list: '/list?n=100' },
  options: { users: 10, ramp: '5s', duration: '30s' },
  async user(u) {
    await u.lv.goto(u.variantValue!);
    for (let i = 0; i < 5; i++) {
      await u.lv.click('#add');
      await u.think([300, 800]);
    }
  },
});
