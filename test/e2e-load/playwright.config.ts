/**
 * Runs the example specs in this folder as ordinary Playwright tests. The app is ROOKERY_TARGET when set (the e2e
 * test that checks the LiveView attachments starts its own fixture), else a fixture server started here.
 */
import { defineConfig } from '@playwright/test';
import { discoverChromium } from '../../src/browser/discover.js';
import { chromiumArgs } from '../../src/browser/flags.js';

const PORT = Number(process.env.ROOKERY_E2E_LOAD_PORT ?? 4620);
const target = process.env.ROOKERY_TARGET;

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/e2e-load',
  workers: 1,
  retries: 0,
  use: {
    baseURL: target ?? `http://127.0.0.1:${PORT}`,
    launchOptions: { executablePath: discoverChromium().executablePath, args: chromiumArgs() },
  },
  ...(target
    ? {}
    : { webServer: { command: `node bin/rookery.js fixture --port ${PORT} --host 127.0.0.1`, cwd: '../..', url: `http://127.0.0.1:${PORT}/`, reuseExistingServer: !process.env.CI } }),
});
