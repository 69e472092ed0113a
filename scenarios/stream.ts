/**
 * Stream adding: insert at the top of a 100-item stream, delete one, now and then reset.
 *   npx rookery run scenarios/stream.ts --target http://127.0.0.1:4000 --users 10 --duration 30s
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'stream',
  options: { users: 10, ramp: '5s', duration: '30s' },
  async user(u) {
    await u.lv.goto('/stream?n=100');
    for (let i = 0; i < 3; i++) {
      await u.lv.click('#add');
      await u.think([300, 800]);
    }
    const firstDelete = await u.page.locator('#items [id^="delete-"]').first().getAttribute('id');
    if (firstDelete) await u.lv.click(`#${firstDelete}`);
    if (u.iteration % 5 === 4) await u.lv.click('#reset');
    await u.think([500, 1000]);
  },
});
