/**
 * `rookery setup`: make sure a usable Chromium is here, installing one if not.
 *
 * Finding is discovery (discover.ts) plus a smoke launch: a binary that exists but cannot start (missing
 * libraries, no sandbox support) is as useless as none. Installing tries, in an order chosen by `installPlan`:
 *  - apt: Debian's `chromium-headless-shell` (root, Debian/Ubuntu with that package); works without internet
 *    beyond the distribution's mirror, which is all some CI machines have;
 *  - playwright: Playwright's own `chromium-headless-shell` download (`playwright install`), where its download
 *    host is reachable; as root with `--with-deps` so its system libraries come too.
 * Anything else gets instructions. Side effects (commands, discovery, launching) come in through SetupEffects,
 * so the decisions are unit-tested without installing anything.
 */
import { BrowserNotFoundError, type DiscoveredBrowser } from './discover.js';

export type InstallMethod = 'apt' | 'playwright';
export type SetupVia = 'auto' | InstallMethod;

export interface HostFacts {
  isRoot: boolean;
  hasAptGet: boolean;
  /** /etc/os-release ID and ID_LIKE, lower case ('' when unknown). */
  osId: string;
  osIdLike: string;
}

export interface CommandResult {
  code: number;
  /** The command's combined output (kept for the error message; it is also streamed to the log). */
  output: string;
}

export interface SetupEffects {
  host: HostFacts;
  /** Throws BrowserNotFoundError when nothing is found. */
  discover(): DiscoveredBrowser;
  /** Launches the browser, opens a page, closes it; resolves with its version. */
  smokeTest(browser: DiscoveredBrowser): Promise<string>;
  run(command: string, args: readonly string[], options: { timeoutMs: number; env?: Record<string, string> }): Promise<CommandResult>;
  log(line: string): void;
}

export interface SetupOutcome {
  /** 'found': nothing was installed; 'installed': `method` provided it. */
  status: 'found' | 'installed';
  method?: InstallMethod;
  browser: DiscoveredBrowser;
  version: string;
}

export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

const APT_TIMEOUT_MS = 15 * 60_000;
const PLAYWRIGHT_TIMEOUT_MS = 10 * 60_000;

export function isDebianLike(host: HostFacts): boolean {
  return host.osId === 'debian' || host.osId === 'ubuntu' || /\b(debian|ubuntu)\b/.test(host.osIdLike);
}

/** Which install methods to try, in order. */
export function installPlan(via: SetupVia, host: HostFacts): InstallMethod[] {
  if (via !== 'auto') return [via];
  const apt = host.isRoot && host.hasAptGet && isDebianLike(host);
  if (!apt) return ['playwright'];
  // Debian ships a real headless shell; Ubuntu's chromium is a snap shim that does not run in containers, so
  // there Playwright's download comes first and apt is the fallback.
  return host.osId === 'debian' ? ['apt', 'playwright'] : ['playwright', 'apt'];
}

/** Finds and smoke-tests a browser; installs one when there is none. Throws SetupError with instructions. */
export async function setupBrowser(via: SetupVia, fx: SetupEffects): Promise<SetupOutcome> {
  const existing = findBrowser(fx);
  if (existing.browser) {
    const version = await smoke(fx, existing.browser);
    if (version !== undefined) {
      fx.log(`Chromium found: ${existing.browser.executablePath} (${describeSource(existing.browser)}), version ${version}. Nothing to install.`);
      return { status: 'found', browser: existing.browser, version };
    }
    if (existing.browser.source === 'env') {
      throw new SetupError(`ROOKERY_CHROMIUM=${existing.browser.executablePath} does not start (see above). Fix it or unset ROOKERY_CHROMIUM.`);
    }
    fx.log('The Chromium found does not start; installing one that does.');
  } else if (existing.envError) {
    // An explicit choice that does not exist is the user's to fix, not a reason to install something else.
    throw new SetupError(existing.envError);
  } else {
    fx.log('No Chromium found; installing one.');
  }

  const failures: string[] = [];
  for (const method of installPlan(via, fx.host)) {
    const problem = await install(method, fx);
    if (problem) {
      failures.push(`${method}: ${problem}`);
      fx.log(`  ${method} did not work: ${problem}`);
      continue;
    }
    const after = findBrowser(fx);
    if (!after.browser) {
      failures.push(`${method}: installed, but no Chromium was found afterwards`);
      continue;
    }
    const version = await smoke(fx, after.browser);
    if (version === undefined) {
      failures.push(`${method}: installed ${after.browser.executablePath}, but it does not start`);
      continue;
    }
    fx.log(`Chromium ready: ${after.browser.executablePath} (${describeSource(after.browser)}), version ${version}.`);
    return { status: 'installed', method, browser: after.browser, version };
  }
  throw new SetupError(instructions(failures, fx.host));
}

function findBrowser(fx: SetupEffects): { browser?: DiscoveredBrowser; envError?: string } {
  try {
    return { browser: fx.discover() };
  } catch (err) {
    const fromEnv = err instanceof BrowserNotFoundError ? err.tried.find((t) => t.startsWith('ROOKERY_CHROMIUM=')) : undefined;
    if (fromEnv) return { envError: `${fromEnv}: fix it or unset ROOKERY_CHROMIUM, then run \`npx rookery setup\` again.` };
    if (err instanceof BrowserNotFoundError) return {};
    throw err;
  }
}

async function smoke(fx: SetupEffects, browser: DiscoveredBrowser): Promise<string | undefined> {
  fx.log(`Checking that ${browser.executablePath} starts…`);
  try {
    return await fx.smokeTest(browser);
  } catch (err) {
    fx.log(`  it does not: ${firstLine(err)}`);
    return undefined;
  }
}

async function install(method: InstallMethod, fx: SetupEffects): Promise<string | undefined> {
  const { host } = fx;
  if (method === 'apt') {
    if (!host.hasAptGet) return 'apt-get is not available on this machine';
    if (!host.isRoot) return 'installing with apt needs root (run `sudo npx rookery setup --via apt`)';
    fx.log('Installing Chromium from apt (apt-get update; apt-get install chromium-headless-shell)…');
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const update = await fx.run('apt-get', ['update'], { timeoutMs: APT_TIMEOUT_MS, env });
    if (update.code !== 0) return `apt-get update failed (exit ${update.code}): ${tail(update.output)}`;
    // fonts-liberation: metric-compatible fonts, so pages and visual baselines render the same everywhere.
    const headless = await fx.run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium-headless-shell', 'fonts-liberation'], { timeoutMs: APT_TIMEOUT_MS, env });
    if (headless.code === 0) return undefined;
    fx.log('  chromium-headless-shell is not available here; trying the chromium package…');
    const full = await fx.run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-liberation'], { timeoutMs: APT_TIMEOUT_MS, env });
    return full.code === 0 ? undefined : `apt-get install failed (exit ${full.code}): ${tail(full.output)}`;
  }
  fx.log(`Downloading Playwright's chromium-headless-shell${host.isRoot ? ' with its system libraries' : ''} (playwright install)…`);
  const args = ['install', ...(host.isRoot ? ['--with-deps'] : []), 'chromium-headless-shell'];
  const res = await fx.run('playwright', args, { timeoutMs: PLAYWRIGHT_TIMEOUT_MS });
  return res.code === 0 ? undefined : `playwright install failed (exit ${res.code}): ${tail(res.output)}`;
}

function instructions(failures: readonly string[], host: HostFacts): string {
  return [
    'Could not provide a Chromium.',
    ...(failures.length ? ['Tried:', ...failures.map((f) => `  - ${f}`)] : []),
    'Install one of these yourself, then run `npx rookery setup` again:',
    ...(isDebianLike(host) ? [`  - ${host.isRoot ? '' : 'sudo '}apt-get install -y chromium-headless-shell   (Debian; or: chromium)`] : []),
    '  - npx playwright install --with-deps chromium-headless-shell   (needs its download host)',
    '  - or point ROOKERY_CHROMIUM at a Chromium/Chrome executable',
  ].join('\n');
}

function describeSource(b: DiscoveredBrowser): string {
  const kind = b.headlessShell ? 'headless shell' : 'full Chromium';
  const from = b.source === 'env' ? 'from ROOKERY_CHROMIUM' : b.source === 'playwright' ? "Playwright's browsers" : 'system';
  return `${kind}, ${from}`;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').find((l) => l.trim() !== '') ?? text;
}

function tail(output: string, lines = 4): string {
  return output.trim().split('\n').slice(-lines).join(' | ');
}
