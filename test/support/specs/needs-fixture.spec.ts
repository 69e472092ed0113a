// A spec whose second test asks for a fixture rookery run cannot provide (storageState).
import { test, expect } from '@playwright/test';

test('counter opens', async ({ page }) => {
  await page.goto('/counter');
  await expect(page.locator('#count')).toHaveText('0');
});

test('signed in', async ({ page, storageState }) => {
  expect(storageState).toBeDefined();
  await page.goto('/counter');
});
