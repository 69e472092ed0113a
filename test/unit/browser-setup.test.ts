import { describe, expect, it } from 'vitest';
import { BrowserNotFoundError, type DiscoveredBrowser } from '../../src/browser/discover.js';
import { installPlan, setupBrowser, SetupError, type HostFacts, type SetupEffects } from '../../src/browser/setup.js';

const DEBIAN_ROOT: HostFacts = { isRoot: true, hasAptGet: true, osId: 'debian', osIdLike: '' };
const UBUNTU_ROOT: HostFacts = { isRoot: true, hasAptGet: true, osId: 'ubuntu', osIdLike: 'debian' };
const DEBIAN_USER: HostFacts = { ...DEBIAN_ROOT, isRoot: false };
const SHELL: DiscoveredBrowser = { executablePath: '/usr/lib/chromium/chromium-headless-shell', source: 'system', headlessShell: true };

/** A machine whose browser appears once `installs` says the command that provides it succeeded. */
function fakeMachine(opts: {
  host: HostFacts;
  present?: DiscoveredBrowser;
  starts?: (b: DiscoveredBrowser) => boolean;
  /** command line → exit code; the browser appears after the first command whose line is in `provides` succeeds. */
  exits?: Record<string, number>;
  provides?: Record<string, DiscoveredBrowser>;
  envError?: boolean;
}) {
  let browser = opts.present;
  const commands: string[] = [];
  const lines: string[] = [];
  const fx: SetupEffects = {
    host: opts.host,
    discover: () => {
      if (opts.envError) throw new BrowserNotFoundError(['ROOKERY_CHROMIUM=/nonexistent (not an executable file)']);
      if (!browser) throw new BrowserNotFoundError(['ROOKERY_CHROMIUM (not set)', '/usr/bin/chromium']);
      return browser;
    },
    smokeTest: async (b) => {
      if (opts.starts && !opts.starts(b)) throw new Error('error while loading shared libraries: libnss3.so\nmore');
      return '156.0.1';
    },
    run: async (command, args) => {
      const line = [command, ...args].join(' ');
      commands.push(line);
      const code = opts.exits?.[line] ?? 0;
      if (code === 0 && opts.provides?.[line]) browser = opts.provides[line];
      return { code, output: code === 0 ? 'ok' : 'E: Unable to locate package' };
    },
    log: (l) => lines.push(l),
  };
  return { fx, commands, lines };
}

const APT_SHELL = 'apt-get install -y --no-install-recommends chromium-headless-shell fonts-liberation';
const APT_FULL = 'apt-get install -y --no-install-recommends chromium fonts-liberation';
const PW_ROOT = 'playwright install --with-deps chromium-headless-shell';
const PW_USER = 'playwright install chromium-headless-shell';

describe('installPlan', () => {
  it('Debian as root: apt first, Playwright as the fallback', () => expect(installPlan('auto', DEBIAN_ROOT)).toEqual(['apt', 'playwright']));
  it('Ubuntu as root: Playwright first (its chromium is a snap shim), apt as the fallback', () =>
    expect(installPlan('auto', UBUNTU_ROOT)).toEqual(['playwright', 'apt']));
  it('not root, or no apt: Playwright only', () => {
    expect(installPlan('auto', DEBIAN_USER)).toEqual(['playwright']);
    expect(installPlan('auto', { isRoot: true, hasAptGet: false, osId: 'fedora', osIdLike: '' })).toEqual(['playwright']);
  });
  it('an explicit --via is the only method tried', () => expect(installPlan('apt', DEBIAN_USER)).toEqual(['apt']));
});

describe('setupBrowser', () => {
  it('a browser that starts: nothing installed, says what it found (idempotent)', async () => {
    const m = fakeMachine({ host: DEBIAN_ROOT, present: SHELL });
    const out = await setupBrowser('auto', m.fx);
    expect(out).toMatchObject({ status: 'found', version: '156.0.1', browser: SHELL });
    expect(m.commands).toEqual([]);
    expect(m.lines.at(-1)).toContain('Nothing to install');
  });

  it('none on Debian as root: apt update + install, then checks it starts', async () => {
    const m = fakeMachine({ host: DEBIAN_ROOT, provides: { [APT_SHELL]: SHELL } });
    const out = await setupBrowser('auto', m.fx);
    expect(out).toMatchObject({ status: 'installed', method: 'apt', browser: SHELL });
    expect(m.commands).toEqual(['apt-get update', APT_SHELL]);
  });

  it('falls back to the chromium package when the headless shell is not packaged', async () => {
    const full: DiscoveredBrowser = { executablePath: '/usr/bin/chromium', source: 'system', headlessShell: false };
    const m = fakeMachine({ host: DEBIAN_ROOT, exits: { [APT_SHELL]: 100 }, provides: { [APT_FULL]: full } });
    const out = await setupBrowser('auto', m.fx);
    expect(out).toMatchObject({ status: 'installed', method: 'apt', browser: full });
    expect(m.commands).toEqual(['apt-get update', APT_SHELL, APT_FULL]);
  });

  it('apt failing entirely: tries Playwright download next', async () => {
    const pw: DiscoveredBrowser = { executablePath: '/root/.cache/ms-playwright/x/chrome-headless-shell', source: 'playwright', headlessShell: true };
    const m = fakeMachine({ host: DEBIAN_ROOT, exits: { 'apt-get update': 100 }, provides: { [PW_ROOT]: pw } });
    const out = await setupBrowser('auto', m.fx);
    expect(out).toMatchObject({ status: 'installed', method: 'playwright' });
    expect(m.commands).toEqual(['apt-get update', PW_ROOT]);
  });

  it('nothing works: a SetupError that lists what was tried and how to fix it', async () => {
    const m = fakeMachine({ host: DEBIAN_USER, exits: { [PW_USER]: 1 } });
    const err = await setupBrowser('auto', m.fx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SetupError);
    const msg = (err as Error).message;
    expect(msg).toContain('playwright: playwright install failed (exit 1)');
    expect(msg).toContain('sudo apt-get install -y chromium-headless-shell');
    expect(msg).toContain('ROOKERY_CHROMIUM');
    expect(m.commands).toEqual([PW_USER]);
  });

  it('a found browser that does not start is replaced by one that does', async () => {
    const broken: DiscoveredBrowser = { executablePath: '/usr/bin/chromium', source: 'system', headlessShell: false };
    const m = fakeMachine({ host: DEBIAN_ROOT, present: broken, starts: (b) => b !== broken, provides: { [APT_SHELL]: SHELL } });
    const out = await setupBrowser('auto', m.fx);
    expect(out).toMatchObject({ status: 'installed', browser: SHELL });
    expect(m.lines.join('\n')).toContain('libnss3.so');
  });

  it('installed but still not starting is a failure of that method, not a success', async () => {
    const m = fakeMachine({ host: DEBIAN_ROOT, starts: () => false, provides: { [APT_SHELL]: SHELL, [PW_ROOT]: SHELL } });
    const err = await setupBrowser('auto', m.fx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SetupError);
    expect((err as Error).message).toContain('apt: installed /usr/lib/chromium/chromium-headless-shell, but it does not start');
  });

  it('a wrong ROOKERY_CHROMIUM is reported, never papered over by an install', async () => {
    const m = fakeMachine({ host: DEBIAN_ROOT, envError: true });
    await expect(setupBrowser('auto', m.fx)).rejects.toThrow(/ROOKERY_CHROMIUM=\/nonexistent.*unset ROOKERY_CHROMIUM/);
    expect(m.commands).toEqual([]);
  });
});
