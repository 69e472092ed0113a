// Playwright is loaded on first use (src/browser/playwright-lazy.ts); a missing Playwright must say so plainly
// (exit 2, "npm install"), not read as "no browser found" with advice to run `rookery setup`, which needs it too.
import { describe, expect, it } from 'vitest';
import { asPlaywrightMissing, PlaywrightMissingError, playwrightChromium } from '../../src/browser/playwright-lazy.js';
import { BrowserUnavailableError } from '../../src/browser/pool.js';
import { LoadConfigError } from '../../src/common/config-error.js';

const notFound = (message: string) => Object.assign(new Error(message), { code: 'MODULE_NOT_FOUND' });

describe('lazy Playwright', () => {
  it('loads chromium on first use', () => {
    expect(typeof playwrightChromium().launch).toBe('function');
  });

  it('a missing playwright or playwright-core is a configuration error naming npm install', () => {
    for (const m of ["Cannot find module 'playwright'\nRequire stack:\n- /x/y.js", "Cannot find module 'playwright-core/lib/server'"]) {
      const e = asPlaywrightMissing(notFound(m));
      expect(e).toBeInstanceOf(PlaywrightMissingError);
      expect(e).toBeInstanceOf(LoadConfigError);
      expect(e?.message).toBe(`Playwright is not installed (a dependency of rookery): run \`npm install\` in your project (${m.split('\n')[0]})`);
      // Not wrapped in "Chromium could not be started … run rookery setup".
      expect(new BrowserUnavailableError(e).message).toBe(e?.message);
    }
  });

  it('any other failure is left as it is', () => {
    expect(asPlaywrightMissing(notFound("Cannot find module 'playwright-extra'"))).toBeUndefined();
    expect(asPlaywrightMissing(new Error("Cannot find module 'playwright'"))).toBeUndefined();
    expect(asPlaywrightMissing(undefined)).toBeUndefined();
  });
});
