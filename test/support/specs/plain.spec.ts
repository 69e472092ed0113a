// Plain Playwright style: @playwright/test, page.goto and page.click only (no lv), a describe-level beforeEach.
import { test, expect } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.goto('/counter');
});

test('inc twice', async ({ page }) => {
  await page.click('#inc');
  await expect(page.locator('#count')).toHaveText('1');
  await page.click('#inc');
  await expect(page.locator('#count')).toHaveText('2');
});

test.skip('not run', async ({ page }) => {
  await page.click('#dec');
});
