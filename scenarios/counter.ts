/**
 * Counter clicks: open /counter, click +1 a few times with think time, check the count moved.
 *   npx rookery run scenarios/counter.ts --target http://127.0.0.1:4000 --users 20 --ramp 5s --duration 30s
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'counter',
  options: {
    users: 10,
    ramp: '5s',
    duration: '30s',
    thresholds: ['lv_event_rtt_ms{event=inc}:p95<250', 'lv_errors:count==0'],
  },
  async user(u) {
    await u.lv.goto('/counter');
    const before = Number(await u.page.textContent('#count'));
    for (let i = 0; i < 5; i++) {
      await u.lv.click('#inc');
      await u.think([500, 1500]);
    }
    await u.check('count moved by 5', async () => Number(await u.page.textContent('#count')) === before + 5);
  },
});
