/**
 * Form typing: one phx-change `validate` per key, then a phx-submit `save`.
 *   npx rookery run scenarios/form.ts --target http://127.0.0.1:4000 --users 10 --duration 30s
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'form',
  options: {
    users: 10,
    ramp: '5s',
    duration: '30s',
    data: [
      { name: 'Ada', email: 'ada@example.com' },
      { name: 'Grace', email: 'grace@example.com' },
      { name: 'Edsger', email: 'edsger@example.com' },
    ],
    thresholds: ['lv_event_rtt_ms{event=validate}:p95<250'],
  },
  async user(u) {
    const row = u.row as { name: string; email: string };
    await u.lv.goto('/form');
    await u.lv.type('#signup-name', row.name, { delayMs: 120 });
    await u.lv.type('#signup-email', row.email, { delayMs: 120 });
    await u.think(500);
    await u.lv.submit('#signup');
    await u.check('saved', async () => (await u.page.locator('#saved').count()) === 1);
    await u.think([1000, 2000]);
  },
});
