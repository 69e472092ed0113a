/**
 * @playwright/test covers what a person sees: the fixture pages and the HTML report.
 * Browser: the same discovery as the product (ROOKERY_CHROMIUM → Playwright's browsers → system Chromium).
 */
import { defineConfig } from '@playwright/test';
import { discoverChromium } from './src/browser/discover.js';
import { chromiumArgs } from './src/browser/flags.js';

const PORT = Number(process.env.ROOKERY_E2E_PORT ?? 4610);
const browser = discoverChromium();

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  workers: 2,
  retries: 0,
  reporter: [
    ['list'],
    ...(process.env.CI ? [['html', { open: 'never', outputFolder: 'playwright-report' }] as const] : []),
    // test/run-all.mjs reads the counts for `npm test`'s summary.
    ...(process.env.ROOKERY_PLAYWRIGHT_JSON ? [['json', { outputFile: process.env.ROOKERY_PLAYWRIGHT_JSON }] as const] : []),
  ],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: { executablePath: browser.executablePath, args: chromiumArgs() },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: `node bin/rookery.js fixture --port ${PORT} --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 30_000,
  },
});
