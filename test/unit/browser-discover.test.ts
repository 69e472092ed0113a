import { describe, expect, it } from 'vitest';
import { BrowserNotFoundError, discoverChromium } from '../../src/browser/discover.js';
import { chromiumArgs, PLAYWRIGHT_DISABLED_FEATURES } from '../../src/browser/flags.js';

describe('discoverChromium', () => {
  it('prefers ROOKERY_CHROMIUM when it is executable', () => {
    const found = discoverChromium({ env: { ROOKERY_CHROMIUM: process.execPath }, playwrightPath: () => undefined });
    expect(found).toEqual({ executablePath: process.execPath, source: 'env', headlessShell: false });
  });

  it('rejects a ROOKERY_CHROMIUM that is not executable instead of silently picking another', () => {
    expect(() => discoverChromium({ env: { ROOKERY_CHROMIUM: '/nope/chrome' } })).toThrow(/ROOKERY_CHROMIUM=\/nope\/chrome/);
  });

  it('falls back to system candidates in order, headless shell first', () => {
    const found = discoverChromium({
      env: {},
      playwrightPath: () => '/not/installed/chrome',
      systemCandidates: [
        { path: '/nope/headless-shell', headlessShell: true },
        { path: process.execPath, headlessShell: false },
      ],
    });
    expect(found.source).toBe('system');
    expect(found.executablePath).toBe(process.execPath);
  });

  it('names everything it tried and how to install a browser', () => {
    let error: unknown;
    try {
      discoverChromium({ env: {}, playwrightPath: () => undefined, systemCandidates: [{ path: '/nope/a', headlessShell: false }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BrowserNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('/nope/a');
    expect(message).toContain('ROOKERY_CHROMIUM');
    expect(message).toContain('apt-get install -y chromium-headless-shell');
    expect(message).toContain('npx playwright install chromium-headless-shell');
    expect(message).toContain('npx rookery setup');
  });
});

describe('chromiumArgs', () => {
  it('emits one --disable-features that keeps Playwright defaults and adds the omnibox popups and user features', () => {
    const args = chromiumArgs(['--disable-features=Foo', '--lang=en']);
    const disable = args.filter((a) => a.startsWith('--disable-features='));
    expect(disable).toHaveLength(1);
    const features = disable[0]!.split('=')[1]!.split(',');
    for (const f of PLAYWRIGHT_DISABLED_FEATURES) expect(features).toContain(f);
    expect(features).toEqual(expect.arrayContaining(['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup', 'Foo']));
    expect(args).toContain('--lang=en');
    expect(args).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking']));
  });
});
