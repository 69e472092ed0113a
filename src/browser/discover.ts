/**
 * Finds a Chromium to drive. Order: $ROOKERY_CHROMIUM, Playwright's own downloaded browsers, then a system
 * Chromium (headless shell first: lighter, and contexts open ~2x faster). Debian's `chromium-headless-shell`
 * launcher is a shell wrapper, so we point Playwright at the real binary behind it.
 */
import { existsSync, accessSync, constants } from 'node:fs';
import { chromium } from 'playwright';

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
        'Install one of:',
        '  - Debian/Ubuntu: apt-get install -y chromium-headless-shell   (or: chromium)',
        '  - anywhere with internet: npx playwright install chromium',
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

function defaultPlaywrightPath(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}
