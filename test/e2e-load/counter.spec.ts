/**
 * An ordinary Playwright spec, used two ways:
 *   npx playwright test -c test/e2e-load/playwright.config.ts          (e2e, LiveView summary per test in the report)
 *   npx rookery run test/e2e-load/counter.spec.ts --target http://127.0.0.1:4000 --users 10 --duration 30s   (load)
 * Per iteration the fixture sees two mounts of /counter, three `inc` and one `dec` round trip.
 */
import { test, expect } from 'rookery/test';

test.describe('counter', () => {
  test.beforeEach(async ({ lv }) => {
    await lv.goto('/counter');
  });

  test('three clicks add three', async ({ lv, page }) => {
    for (let i = 0; i < 3; i++) await lv.click('#inc');
    await expect(page.locator('#count')).toHaveText('3');
  });

  test('a plain Playwright click is measured too', async ({ page }) => {
    await page.click('#dec');
    await expect(page.locator('#count')).toHaveText('-1');
  });

  test.afterEach(async ({ lv }) => {
    await lv.waitSettled();
  });
});
