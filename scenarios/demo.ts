/**
 * The demo tour (`rookery demo`): each iteration visits the fixture's main LiveView patterns — clicks, a
 * phx-change form, a stream, LiveComponents and an async assign — so one run fills every table of the report.
 */
import { defineScenario } from 'rookery';

export default defineScenario({
  name: 'demo',
  options: {
    users: 12,
    ramp: '5s',
    duration: '25s',
    thresholds: ['lv_event_rtt_ms:p95<500', 'lv_errors{kind=crash}:count==0'],
  },
  async user(u) {
    await u.step('counter', async () => {
      await u.lv.goto('/counter');
      for (let i = 0; i < 3; i++) {
        await u.lv.click('#inc');
        await u.think([200, 600]);
      }
    });
    await u.step('form', async () => {
      await u.lv.goto('/form');
      await u.lv.type('#signup-name', 'Ada', { delayMs: 100 });
      await u.lv.fill('#signup-email', 'ada@example.com');
      await u.lv.submit('#signup');
      await u.check('form saved', async () => (await u.page.locator('#saved').count()) === 1);
    });
    await u.step('stream', async () => {
      await u.lv.goto('/stream?n=50');
      await u.lv.click('#add');
      await u.think([200, 600]);
      await u.lv.click('#add');
    });
    await u.step('components', async () => {
      await u.lv.goto('/components?mode=live&n=20');
      await u.lv.click(`#bump-${(u.userId % 20) + 1}`);
      await u.think([200, 600]);
    });
    await u.step('async', async () => {
      await u.lv.goto('/async?ms=150');
      // The result is a server push ~150 ms after mount: wait for it like a person would.
      const arrived = await u.page.waitForSelector('#result-run', { timeout: 5_000 }).then(() => true, () => false);
      await u.check('async result arrived', arrived);
    });
    await u.think([500, 1000]);
  },
});
