/**
 * Playwright, loaded on first use. Importing it costs a process ≈ 40 MiB of JS heap (≈ 65 MiB PSS), which a run
 * with only lite users never needs: its parent would pay it for nothing (0.16 MiB per user at 400 lite users,
 * BENCHMARKS.md, "Lite users: the GC measured"). Synchronous (a CommonJS require) so sync callers such as
 * browser discovery can use it too.
 */
import { createRequire } from 'node:module';
import type * as Playwright from 'playwright';

const require = createRequire(import.meta.url);

export function playwrightChromium(): typeof Playwright.chromium {
  return (require('playwright') as typeof Playwright).chromium;
}
