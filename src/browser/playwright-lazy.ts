/**
 * Playwright, loaded on first use. Importing it costs a process ≈ 40 MiB of JS heap (≈ 65 MiB PSS), which a run
 * with only lite users never needs: its parent would pay it for nothing (0.16 MiB per user at 400 lite users,
 * BENCHMARKS.md, "Lite users: the GC measured"). Synchronous (a CommonJS require) so sync callers such as
 * browser discovery can use it too.
 */
import { createRequire } from 'node:module';
import type * as Playwright from 'playwright';
import { LoadConfigError } from '../common/config-error.js';

const require = createRequire(import.meta.url);

/** Playwright itself is missing: a broken install, which `rookery setup` (it needs Playwright too) cannot mend. */
export class PlaywrightMissingError extends LoadConfigError {}

export function playwrightChromium(): typeof Playwright.chromium {
  let playwright: typeof Playwright;
  try {
    playwright = require('playwright') as typeof Playwright;
  } catch (err) {
    throw asPlaywrightMissing(err) ?? err;
  }
  return playwright.chromium;
}

/** The clear error for a failed `require('playwright')` that means Playwright (or playwright-core) is missing. */
export function asPlaywrightMissing(err: unknown): PlaywrightMissingError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (e?.code !== 'MODULE_NOT_FOUND' || typeof e.message !== 'string' || !/'playwright(-core)?[/']/.test(e.message)) return undefined;
  return new PlaywrightMissingError(`Playwright is not installed (a dependency of rookery): run \`npm install\` in your project (${e.message.split('\n')[0]})`);
}
