/**
 * Finds a Chromium to drive. Order: $ROOKERY_CHROMIUM, Playwright's own downloaded browsers, then a system
 * Chromium (headless shell first: lighter, and contexts open ~2x faster). Debian's `chromium-headless-shell`
 * launcher is a shell wrapper, so we point Playwright at the real binary behind it.
 */
import { existsSync, accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PlaywrightMissingError, playwrightChromium } from './playwright-lazy.js';

export type BrowserSource = 'env' | 'playwright' | 'system';

export interface DiscoveredBrowser {
  executablePath: string;
  source: BrowserSource;
  /** True for chrome-headless-shell builds (no full browser UI). */
  headlessShell: boolean;
}

export class BrowserNotFoundError extends Error {
  constructor(readonly tried: readonly string[]) {
    super(
      [
        'No Chromium found. Tried:',
        ...tried.map((t) => `  - ${t}`),
        'Run `npx rookery setup` to install one, or install one of:',
        '  - Debian/Ubuntu: apt-get install -y chromium-headless-shell   (or: chromium)',
        '  - anywhere with internet: npx playwright install chromium-headless-shell',
        '  - or point ROOKERY_CHROMIUM at a Chromium/Chrome executable',
      ].join('\n'),
    );
    this.name = 'BrowserNotFoundError';
  }
}

const SYSTEM_CANDIDATES: ReadonlyArray<{ path: string; headlessShell: boolean }> = [
  { path: '/usr/lib/chromium/chromium-headless-shell', headlessShell: true },
  { path: '/usr/lib/chromium/chromium', headlessShell: false },
  { path: '/usr/bin/chromium', headlessShell: false },
  { path: '/usr/bin/chromium-browser', headlessShell: false },
  { path: '/usr/bin/google-chrome-stable', headlessShell: false },
  { path: '/usr/bin/google-chrome', headlessShell: false },
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface DiscoverOptions {
  env?: NodeJS.ProcessEnv;
  /** Prefer a full Chromium over the headless shell (e.g. for fidelity checks). */
  preferFull?: boolean;
  /** Override the system candidate list (tests). */
  systemCandidates?: ReadonlyArray<{ path: string; headlessShell: boolean }>;
  /** Override Playwright's idea of its own browser path (tests). */
  playwrightPath?: () => string | undefined;
}

export function discoverChromium(options: DiscoverOptions = {}): DiscoveredBrowser {
  const env = options.env ?? process.env;
  const tried: string[] = [];

  const fromEnv = env.ROOKERY_CHROMIUM;
  if (fromEnv) {
    if (isExecutable(fromEnv)) {
      return { executablePath: fromEnv, source: 'env', headlessShell: /headless[-_]shell/.test(fromEnv) };
    }
    // An explicit choice that does not work is an error, not a reason to silently pick another browser.
    throw new BrowserNotFoundError([`ROOKERY_CHROMIUM=${fromEnv} (not an executable file)`]);
  }
  tried.push('ROOKERY_CHROMIUM (not set)');

  const playwrightPath = (options.playwrightPath ?? defaultPlaywrightPath)();
  if (playwrightPath && existsSync(playwrightPath)) {
    return { executablePath: playwrightPath, source: 'playwright', headlessShell: /headless[-_]shell/.test(playwrightPath) };
  }
  tried.push(`Playwright's browsers (${playwrightPath ?? 'none registered'}: not installed)`);

  const candidates = [...(options.systemCandidates ?? SYSTEM_CANDIDATES)];
  if (options.preferFull) candidates.sort((a, b) => Number(a.headlessShell) - Number(b.headlessShell));
  for (const c of candidates) {
    if (isExecutable(c.path)) return { executablePath: c.path, source: 'system', headlessShell: c.headlessShell };
    tried.push(c.path);
  }
  throw new BrowserNotFoundError(tried);
}

/**
 * Playwright's own browsers: its chrome-headless-shell download (what `rookery setup` installs) when present,
 * else its full Chromium. Playwright exposes only the full Chromium's path, so the headless shell's is derived
 * from the same registry folder and the revision in playwright-core's browsers.json.
 */
function defaultPlaywrightPath(): string | undefined {
  let full: string;
  try {
    full = playwrightChromium().executablePath();
  } catch (err) {
    if (err instanceof PlaywrightMissingError) throw err;
    return undefined;
  }
  const shell = playwrightHeadlessShellPath(full);
  return shell && existsSync(shell) ? shell : full;
}

function playwrightHeadlessShellPath(fullChromiumPath: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const require = createRequire(import.meta.url);
    const core = dirname(require.resolve('playwright-core/package.json'));
    const browsers = JSON.parse(readFileSync(join(core, 'browsers.json'), 'utf8')) as { browsers: Array<{ name: string; revision: string }> };
    const revision = browsers.browsers.find((b) => b.name === 'chromium-headless-shell')?.revision;
    if (!revision) return undefined;
    // <registry>/chromium-<rev>/chrome-linux64/chrome → <registry>/chromium_headless_shell-<rev>/chrome-headless-shell-linux64/chrome-headless-shell
    const registry = dirname(dirname(dirname(fullChromiumPath)));
    const arch = process.arch === 'arm64' ? 'linux-arm64' : 'linux64';
    return join(registry, `chromium_headless_shell-${revision}`, `chrome-headless-shell-${arch}`, 'chrome-headless-shell');
  } catch {
    return undefined;
  }
}
