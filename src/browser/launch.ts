/** Launches a discovered Chromium with Rookery's switches. The pool (pool.ts) builds on this. */
import type { Browser, LaunchOptions } from 'playwright';
import { playwrightChromium } from './playwright-lazy.js';
import { chromiumArgs } from './flags.js';
import { discoverChromium, type DiscoverOptions, type DiscoveredBrowser } from './discover.js';

export interface LaunchChromiumOptions extends DiscoverOptions {
  args?: readonly string[];
  /** Extra Playwright launch options (timeout, env, …). */
  launch?: Omit<LaunchOptions, 'executablePath' | 'args' | 'headless'>;
}

export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<{ browser: Browser; found: DiscoveredBrowser }> {
  const found = discoverChromium(options);
  const browser = await playwrightChromium().launch({
    ...options.launch,
    executablePath: found.executablePath,
    headless: true,
    args: chromiumArgs(options.args ?? []),
  });
  return { browser, found };
}
