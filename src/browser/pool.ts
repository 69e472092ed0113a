/**
 * BrowserPool: B browsers × C contexts, one context (with one page) per simulated user.
 *
 * - Contexts are expensive to create (~120 ms of CPU for a context and its page, measured on the 2-core dev
 *   machine) and cheap to hold, so a released context is cleared (about:blank, cookies, storage, permissions:
 *   ~40 ms) and handed to the next user. Browsers launch lazily, a new one only when the others are full; p-limit caps concurrent
 *   launches and context creations so a ramp does not stampede the CPU.
 * - A crashed or disconnected browser fails only its own leases (their `signal` aborts with a
 *   BrowserCrashedError, `guard()` rejects with it); its processes are killed and the next acquire that needs
 *   room launches a fresh browser.
 * - No Chromium outlives the harness: each launched browser's process group is tracked (process-guard.ts).
 *   Playwright's `launch()` does not expose the child process, and `launchServer()`+`connect()` would route
 *   every protocol message through an extra WebSocket hop (costly with CDP frame capture on hundreds of
 *   pages), so each browser gets a unique, inert `--rookery-browser=<token>` switch and its pid is found in
 *   /proc among this process's descendants (Linux; elsewhere `pids()` is empty and Playwright's own exit
 *   handler is the safety net).
 */
import { randomBytes } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Browser, BrowserContext, BrowserContextOptions, CDPSession, Page, Route } from 'playwright';
import { PlaywrightMissingError, playwrightChromium } from './playwright-lazy.js';
import { launchChromium } from './launch.js';
import type { DiscoverOptions } from './discover.js';
import { BrowserNotFoundError, discoverChromium } from './discover.js';
import { planPool, MAX_CONTEXTS_PER_BROWSER, type MeasuredUserCosts, type PoolPlan } from './plan.js';
import { killProcessTree, trackBrowserProcess } from './process-guard.js';
import { descendantsOf, readCmdline, readProcessTable } from '../health/procfs.js';
import { machineCapacity, type MachineCapacity } from '../health/machine.js';

export { planPool, MAX_CONTEXTS_PER_BROWSER, MEMORY_MODEL, type PoolPlan, type PoolPlanInput } from './plan.js';

export type BlockableResource = 'image' | 'font' | 'media';

export interface BrowserPoolOptions {
  /** Expected concurrent users: sizes browsers × contexts when those are not given. */
  users?: number;
  /** Most browsers at once (launched lazily). Default: from the plan. */
  browsers?: number;
  /** Most contexts per browser. Default: from the plan, at most MAX_CONTEXTS_PER_BROWSER. */
  contextsPerBrowser?: number;
  /** Abort requests of these resource types. Off by default: interception costs a round trip per request and disables the HTTP cache. */
  blockResources?: readonly BlockableResource[];
  launchConcurrency?: number;
  contextConcurrency?: number;
  /**
   * Use remote browsers instead of launching: a Playwright server (`ws://…`, from `launchServer()` or
   * `playwright run-server`) or a Chromium DevTools endpoint (`http://host:9222`, or a `ws://…/devtools/browser/…` URL).
   */
  browserEndpoint?: string;
  /** Viewport of every context; `null` for no fixed viewport. Default: Playwright's (1280×720). */
  viewport?: { width: number; height: number } | null;
  /** Other context options (locale, baseURL, userAgent, …). */
  contextOptions?: Omit<BrowserContextOptions, 'viewport'>;
  /** Extra Chromium switches; `--disable-features` lists are merged with ours and Playwright's. */
  launchArgs?: readonly string[];
  /** Which Chromium to launch (see discover.ts). */
  discover?: DiscoverOptions;
  /** Launch/connect timeout. Default 60 s. */
  launchTimeoutMs?: number;
  /** A release that takes longer (hung page) discards the context instead. Default 10 s. */
  releaseTimeoutMs?: number;
  /** Overrides the machine's cores/memory for auto-sizing (tests, remote browsers). */
  machine?: MachineCapacity;
  /** Measured per-user costs of the scenario on this machine (`rookery calibrate`): size from them, not a guess. */
  measured?: MeasuredUserCosts;
}

export class BrowserCrashedError extends Error {
  constructor(
    readonly browserId: number,
    readonly pid: number | undefined,
    detail = 'browser process crashed or disconnected',
  ) {
    super(`Browser ${browserId}${pid ? ` (pid ${pid})` : ''}: ${detail}`);
    this.name = 'BrowserCrashedError';
  }
}

/** No browser could be started at all: a configuration problem of the machine, reported once (exit 2). */
export class BrowserUnavailableError extends Error {
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      cause instanceof BrowserNotFoundError || cause instanceof PlaywrightMissingError
        ? why
        : `Chromium could not be started: ${briefLaunchError(why)}\nRun \`npx rookery setup\` to check or install a browser (or set ROOKERY_CHROMIUM).`,
    );
    this.name = 'BrowserUnavailableError';
    this.cause = cause;
  }
}

/** Playwright's launch errors carry the whole command line and call log; keep the lines that say what failed. */
function briefLaunchError(message: string): string {
  return message
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !/<(launching|launched|gracefully close start|kill)>/.test(l) && !/^(Browser logs|Call log):$/.test(l.trim()))
    .slice(0, 6)
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join('\n');
}

export class PoolClosedError extends Error {
  constructor() {
    super('Browser pool is closed');
    this.name = 'PoolClosedError';
  }
}

/** A user's browser context, held until released (reused by a later user) or discarded (closed). */
export interface Lease {
  readonly userId: number;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly browserId: number;
  /**
   * True when the context was created for this lease; false when it was cleared and reused. Install
   * per-context things (init scripts, bindings, exposed functions) only when fresh: they survive release.
   */
  readonly fresh: boolean;
  /** Aborts when the lease can no longer be used: reason BrowserCrashedError, or PoolClosedError on close(). */
  readonly signal: AbortSignal;
  /** Set once the lease's browser has crashed or disconnected. */
  readonly crashed: BrowserCrashedError | undefined;
  /**
   * Runs `work` but rejects with BrowserCrashedError as soon as the browser dies — including when `work`
   * itself fails with Playwright's "Target closed" error because of the crash.
   */
  guard<T>(work: Promise<T>): Promise<T>;
  /** Clears the context for reuse (cookies, storage, permissions, about:blank). Falls back to discard on failure. Never throws. */
  release(): Promise<void>;
  /** Closes the context (use after errors that may have left it in a bad state). Never throws. */
  discard(): Promise<void>;
}

export interface BrowserCrashEvent {
  browserId: number;
  pid: number | undefined;
  /** Users whose leases failed. */
  userIds: number[];
  error: BrowserCrashedError;
}

export interface BrowserLaunchEvent {
  browserId: number;
  pid: number | undefined;
  launchMs: number;
  remote: boolean;
}

interface PoolEvents {
  crash: BrowserCrashEvent;
  launch: BrowserLaunchEvent;
}

export interface PoolStats {
  browsers: number;
  contexts: number;
  leased: number;
  idle: number;
  launches: number;
  crashes: number;
  contextsCreated: number;
  contextsReused: number;
}

type BrowserState = 'launching' | 'up' | 'dead' | 'closing';

interface PooledBrowser {
  id: number;
  state: BrowserState;
  browser: Browser | undefined;
  pid: number | undefined;
  ready: Promise<void>;
  /** Pooled contexts (leased, idle, or being reset/closed). */
  contexts: Set<PooledContext>;
  /** Slots claimed by acquirers that are waiting for the launch or creating a context. */
  pending: number;
  untrack: (() => void) | undefined;
}

interface PooledContext {
  browser: PooledBrowser;
  context: BrowserContext;
  page: Page;
  lease: PoolLease | undefined;
  /** Origins the page visited since the last reset: their storage is cleared on release. */
  origins: Set<string>;
  cdp: CDPSession | undefined;
}

const CLOSED_ERROR = /Target (page, context or browser )?(has been )?closed|Browser has been closed|browser has disconnected|Connection closed/i;
const MAX_ACQUIRE_ATTEMPTS = 3;

export class BrowserPool {
  readonly maxBrowsers: number;
  readonly contextsPerBrowser: number;
  readonly launchConcurrency: number;
  readonly contextConcurrency: number;
  /** The sizing plan used for defaults (its warnings are worth showing to the user). */
  readonly plan: PoolPlan;

  private readonly options: BrowserPoolOptions;
  private readonly token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly launchLimit: LimitFunction;
  private readonly contextLimit: LimitFunction;
  private readonly blocked: ReadonlySet<string>;
  private readonly browsers: PooledBrowser[] = [];
  private readonly idle: PooledContext[] = [];
  private readonly listeners: { [K in keyof PoolEvents]: Set<(e: PoolEvents[K]) => void> } = { crash: new Set(), launch: new Set() };
  private waiters: Array<() => void> = [];
  private nextBrowserId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;
  private counts = { launches: 0, crashes: 0, contextsCreated: 0, contextsReused: 0 };
  private version: string | undefined;

  constructor(options: BrowserPoolOptions = {}) {
    this.options = options;
    const machine = options.machine ?? machineCapacity();
    const headlessShell = options.browserEndpoint ? true : safeHeadlessShell(options.discover);
    const users =
      options.users ??
      (options.browsers !== undefined && options.contextsPerBrowser !== undefined ? options.browsers * options.contextsPerBrowser : undefined);
    const plan = planPool({ users: users ?? 1, cores: machine.cores, memoryBytes: machine.memoryBytes, headlessShell, ...(options.measured ? { measured: options.measured } : {}) });
    this.plan = plan;
    if (users === undefined) {
      // No user count: fill browsers up to the cap, and allow as many as memory holds (they launch lazily).
      this.contextsPerBrowser = options.contextsPerBrowser ?? MAX_CONTEXTS_PER_BROWSER;
      this.maxBrowsers = options.browsers ?? Math.max(1, Math.floor(plan.memoryCapacityUsers / this.contextsPerBrowser));
    } else {
      const { browsers, contextsPerBrowser } = options;
      this.contextsPerBrowser = contextsPerBrowser ?? (browsers ? Math.ceil(users / browsers) : plan.contextsPerBrowser);
      this.maxBrowsers = browsers ?? Math.ceil(users / this.contextsPerBrowser);
    }
    if (this.maxBrowsers < 1 || this.contextsPerBrowser < 1) throw new RangeError('browsers and contextsPerBrowser must be ≥ 1');
    this.launchConcurrency = options.launchConcurrency ?? plan.launchConcurrency;
    this.contextConcurrency = options.contextConcurrency ?? plan.contextConcurrency;
    this.launchLimit = pLimit(Math.max(1, this.launchConcurrency));
    this.contextLimit = pLimit(Math.max(1, this.contextConcurrency));
    this.blocked = new Set(options.blockResources ?? []);
  }

  /** Leases a context for `userId`: an idle one if any, else a new one (launching a browser if all are full). */
  async acquire(userId: number): Promise<Lease> {
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ACQUIRE_ATTEMPTS; ) {
      if (this.closed) throw new PoolClosedError();
      const idle = this.takeIdle();
      if (idle) {
        this.counts.contextsReused++;
        return this.lease(idle, userId, false);
      }
      const b = this.browserWithRoom() ?? (this.activeBrowserCount() < this.maxBrowsers ? this.startBrowser() : undefined);
      if (!b) {
        await this.waitForChange();
        continue;
      }
      b.pending++;
      try {
        await b.ready;
        if (b.state !== 'up') throw new BrowserCrashedError(b.id, b.pid);
        const pc = await this.contextLimit(() => this.createContext(b));
        if (this.closed || b.state !== 'up') {
          // Closed or crashed while the context was being made: it must not be leased, nobody would fail it.
          await pc.context.close().catch(() => {});
          if (this.closed) throw new PoolClosedError();
          throw new BrowserCrashedError(b.id, b.pid);
        }
        b.contexts.add(pc);
        this.counts.contextsCreated++;
        return this.lease(pc, userId, true);
      } catch (error) {
        if (this.closed) throw new PoolClosedError();
        // Only a browser dying under us is worth another try; launch and other errors go to the caller.
        if (!(error instanceof BrowserCrashedError)) throw error;
        lastError = error;
        attempt++;
      } finally {
        b.pending--;
        this.notify();
      }
    }
    throw lastError instanceof Error ? lastError : new Error(`acquire failed: ${String(lastError)}`);
  }

  /**
   * Starts the first browser now, so a run without a usable Chromium fails once before the load instead of once
   * per user iteration. The browser stays in the pool for the first users.
   */
  async preflight(): Promise<void> {
    if (this.browsers.some((b) => b.state === 'up')) return;
    const b = this.browsers.find((x) => x.state === 'launching') ?? this.startBrowser();
    try {
      await b.ready;
    } catch (error) {
      if (error instanceof PoolClosedError) throw error;
      throw new BrowserUnavailableError(error);
    }
  }

  /** Main-process pids of the local browsers that are up (their renderers etc. are descendants). */
  pids(): number[] {
    return this.browsers.filter((b) => b.state === 'up' && b.pid !== undefined).map((b) => b.pid!);
  }

  /** Chromium version of the first browser launched (kept after close(), for results metadata). */
  browserVersion(): string | undefined {
    return this.version;
  }

  stats(): PoolStats {
    const live = this.browsers.filter((b) => b.state === 'up');
    const contexts = live.reduce((n, b) => n + b.contexts.size, 0);
    const leased = live.reduce((n, b) => n + [...b.contexts].filter((c) => c.lease).length, 0);
    return { browsers: live.length, contexts, leased, idle: this.idle.length, ...this.counts };
  }

  on<K extends keyof PoolEvents>(event: K, listener: (e: PoolEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(e: PoolEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Closes every context and browser. Pending acquires reject with PoolClosedError; live leases' signals abort. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.notify();
    this.idle.length = 0;
    this.closing = Promise.all(this.browsers.map((b) => this.closeBrowser(b))).then(() => {
      this.browsers.length = 0;
    });
    return this.closing;
  }

  // ---- browsers ----

  private activeBrowserCount(): number {
    return this.browsers.filter((b) => b.state === 'up' || b.state === 'launching').length;
  }

  private browserWithRoom(): PooledBrowser | undefined {
    let best: PooledBrowser | undefined;
    for (const b of this.browsers) {
      if (b.state !== 'up' && b.state !== 'launching') continue;
      const used = b.contexts.size + b.pending;
      if (used >= this.contextsPerBrowser) continue;
      // Prefer running browsers, then the least used: spreads users and limits what one crash takes down.
      if (!best || rank(b) < rank(best)) best = b;
    }
    return best;
    function rank(b: PooledBrowser): number {
      return (b.state === 'up' ? 0 : 1_000_000) + b.contexts.size + b.pending;
    }
  }

  private startBrowser(): PooledBrowser {
    const b: PooledBrowser = {
      id: this.nextBrowserId++,
      state: 'launching',
      browser: undefined,
      pid: undefined,
      ready: Promise.resolve(),
      contexts: new Set(),
      pending: 0,
      untrack: undefined,
    };
    b.ready = this.launchLimit(() => this.launch(b)).catch((error: unknown) => {
      b.state = 'dead';
      this.removeBrowser(b);
      throw error;
    });
    // Acquirers await `ready`; this handler only keeps an unobserved failure from becoming an unhandled rejection.
    b.ready.catch(() => {});
    this.browsers.push(b);
    return b;
  }

  private async launch(b: PooledBrowser): Promise<void> {
    if (this.closed) throw new PoolClosedError();
    const started = performance.now();
    const timeout = this.options.launchTimeoutMs ?? 60_000;
    const endpoint = this.options.browserEndpoint;
    let browser: Browser;
    if (endpoint) {
      browser = isCdpEndpoint(endpoint)
        ? await playwrightChromium().connectOverCDP(endpoint, { timeout })
        : await playwrightChromium().connect(endpoint, { timeout });
    } else {
      const marker = `--rookery-browser=${this.token}.${b.id}`;
      ({ browser } = await launchChromium({
        ...this.options.discover,
        args: [...(this.options.launchArgs ?? []), marker],
        // Signals are ours (process-guard.ts): Playwright's SIGINT handler would exit the process before the
        // run engine could write partial results.
        launch: { timeout, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false },
      }));
      b.pid = findBrowserPid(marker);
      if (b.pid !== undefined) b.untrack = trackBrowserProcess(b.pid);
    }
    b.browser = browser;
    browser.on('disconnected', () => this.onDisconnected(b));
    if (this.closed || !browser.isConnected()) {
      // Closed while launching (or died at once): do not leave it running.
      b.state = 'closing';
      await this.shutdownBrowser(b);
      throw this.closed ? new PoolClosedError() : new BrowserCrashedError(b.id, b.pid, 'disconnected right after launch');
    }
    b.state = 'up';
    this.version ??= browser.version();
    this.counts.launches++;
    this.emit('launch', { browserId: b.id, pid: b.pid, launchMs: performance.now() - started, remote: endpoint !== undefined });
  }

  private onDisconnected(b: PooledBrowser): void {
    if (b.state !== 'up' && b.state !== 'launching') return; // our own close, or already handled
    b.state = 'dead';
    const error = new BrowserCrashedError(b.id, b.pid);
    const userIds: number[] = [];
    for (const pc of b.contexts) {
      if (pc.lease) {
        userIds.push(pc.lease.userId);
        pc.lease.fail(error);
      }
    }
    b.contexts.clear();
    for (let i = this.idle.length - 1; i >= 0; i--) if (this.idle[i]!.browser === b) this.idle.splice(i, 1);
    // Renderers of a killed browser can linger; the group goes with it.
    if (b.pid !== undefined) killProcessTree(b.pid);
    b.untrack?.();
    this.removeBrowser(b);
    this.counts.crashes++;
    this.emit('crash', { browserId: b.id, pid: b.pid, userIds, error });
    this.notify();
  }

  private removeBrowser(b: PooledBrowser): void {
    const i = this.browsers.indexOf(b);
    if (i >= 0) this.browsers.splice(i, 1);
    this.notify();
  }

  private async closeBrowser(b: PooledBrowser): Promise<void> {
    await b.ready.catch(() => {});
    if (b.state === 'dead') return;
    b.state = 'closing';
    const closedError = new PoolClosedError();
    for (const pc of b.contexts) pc.lease?.fail(closedError);
    await this.shutdownBrowser(b);
  }

  private async shutdownBrowser(b: PooledBrowser): Promise<void> {
    const browser = b.browser;
    if (browser) {
      if (this.options.browserEndpoint) {
        // A remote browser outlives us: close what we created, then disconnect.
        const limit = pLimit(8);
        await Promise.all([...b.contexts].map((pc) => limit(() => withTimeout(pc.context.close(), 5_000).catch(() => {}))));
      }
      await withTimeout(browser.close(), 10_000).catch(() => {});
    }
    b.contexts.clear();
    if (b.pid !== undefined && groupAlive(b.pid)) killProcessTree(b.pid);
    b.untrack?.();
    b.untrack = undefined;
  }

  // ---- contexts and leases ----

  private async createContext(b: PooledBrowser): Promise<PooledContext> {
    const browser = b.browser;
    if (!browser || b.state !== 'up') throw new BrowserCrashedError(b.id, b.pid);
    const options: BrowserContextOptions = { ...this.options.contextOptions };
    if (this.options.viewport !== undefined) options.viewport = this.options.viewport;
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext(options);
      if (this.blocked.size > 0) {
        const blocked = this.blocked;
        await context.route('**/*', (route: Route) =>
          (blocked.has(route.request().resourceType()) ? route.abort('blockedbyclient') : route.fallback()).catch(() => {}),
        );
      }
      const page = await context.newPage();
      const pc: PooledContext = { browser: b, context, page, lease: undefined, origins: new Set(), cdp: undefined };
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) addOrigin(pc.origins, frame.url());
      });
      return pc;
    } catch (error) {
      await context?.close().catch(() => {});
      if (b.state !== 'up' || (error instanceof Error && CLOSED_ERROR.test(error.message))) {
        throw new BrowserCrashedError(b.id, b.pid);
      }
      throw error;
    }
  }

  private takeIdle(): PooledContext | undefined {
    let bestIndex = -1;
    let bestLoad = Infinity;
    for (let i = 0; i < this.idle.length; i++) {
      const b = this.idle[i]!.browser;
      if (b.state !== 'up') continue;
      const load = leasedCount(b);
      if (load < bestLoad) {
        bestLoad = load;
        bestIndex = i;
      }
    }
    return bestIndex >= 0 ? this.idle.splice(bestIndex, 1)[0] : undefined;
  }

  private lease(pc: PooledContext, userId: number, fresh: boolean): Lease {
    const lease = new PoolLease(this, pc, userId, fresh);
    pc.lease = lease;
    return lease;
  }

  /** @internal Called by PoolLease.release(). */
  async returnContext(pc: PooledContext): Promise<void> {
    pc.lease = undefined;
    const b = pc.browser;
    if (b.state !== 'up' || this.closed) return; // crashed or closing: the browser takes the context with it
    try {
      await withTimeout(this.resetContext(pc), this.options.releaseTimeoutMs ?? 10_000);
      if (b.state === 'up' && !this.closed && b.contexts.has(pc)) {
        this.idle.push(pc);
        this.notify();
        return;
      }
    } catch {
      // Fall through: a context that cannot be cleared is not handed to another user.
    }
    await this.closeContext(pc);
  }

  /** @internal Called by PoolLease.discard(). */
  async closeContext(pc: PooledContext): Promise<void> {
    pc.lease = undefined;
    const b = pc.browser;
    if (b.state === 'up' && !this.closed) await withTimeout(pc.context.close(), 10_000).catch(() => {});
    b.contexts.delete(pc);
    this.notify();
  }

  /** @internal */
  browserConnected(pc: PooledContext): boolean {
    return pc.browser.state === 'up' && (pc.browser.browser?.isConnected() ?? false);
  }

  /** @internal A lease noticed the browser is gone before the 'disconnected' event arrived. */
  markDisconnected(pc: PooledContext): void {
    this.onDisconnected(pc.browser);
  }

  private async resetContext(pc: PooledContext): Promise<void> {
    const { context, page } = pc;
    addOrigin(pc.origins, page.url());
    // Leave the app first, so its unload handlers cannot write storage back after we clear it.
    await page.goto('about:blank');
    await context.clearCookies();
    await context.clearPermissions();
    if (pc.origins.size > 0) {
      // localStorage, sessionStorage, IndexedDB, Cache Storage, service workers… for each visited origin, in
      // this context's storage partition. Cheaper than Playwright's setStorageState, which opens a page per origin.
      pc.cdp ??= await context.newCDPSession(page);
      for (const origin of pc.origins) await pc.cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
      pc.origins.clear();
    }
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private emit<K extends keyof PoolEvents>(event: K, payload: PoolEvents[K]): void {
    for (const l of this.listeners[event] as Set<(e: PoolEvents[K]) => void>) {
      try {
        l(payload);
      } catch {
        // A listener's bug must not break the pool.
      }
    }
  }
}

class PoolLease implements Lease {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly browserId: number;
  private readonly abort = new AbortController();
  private settled = false;
  private crash: BrowserCrashedError | undefined;

  constructor(
    private readonly pool: BrowserPool,
    private readonly pc: PooledContext,
    readonly userId: number,
    readonly fresh: boolean,
  ) {
    this.context = pc.context;
    this.page = pc.page;
    this.browserId = pc.browser.id;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get crashed(): BrowserCrashedError | undefined {
    return this.crash;
  }

  /** @internal */
  fail(error: BrowserCrashedError | PoolClosedError): void {
    if (error instanceof BrowserCrashedError) this.crash ??= error;
    if (!this.abort.signal.aborted) this.abort.abort(error);
  }

  guard<T>(work: Promise<T>): Promise<T> {
    if (this.crash) {
      work.catch(() => {});
      return Promise.reject(this.crash);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.crash) reject(this.crash);
      };
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          this.abort.signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          this.abort.signal.removeEventListener('abort', onAbort);
          // Playwright may reject in-flight calls before the pool sees 'disconnected'.
          if (!this.crash && error instanceof Error && CLOSED_ERROR.test(error.message) && !this.pool.browserConnected(this.pc)) {
            this.pool.markDisconnected(this.pc);
          }
          reject(this.crash ?? error);
        },
      );
    });
  }

  async release(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    if (this.pc.lease !== this) return;
    await this.pool.returnContext(this.pc);
  }

  async discard(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    if (this.pc.lease !== this) return;
    await this.pool.closeContext(this.pc);
  }
}

function leasedCount(b: PooledBrowser): number {
  let n = 0;
  for (const c of b.contexts) if (c.lease) n++;
  return n;
}

function addOrigin(origins: Set<string>, url: string): void {
  if (!url.startsWith('http:') && !url.startsWith('https:')) return;
  try {
    origins.add(new URL(url).origin);
  } catch {
    // Not a URL we can clear storage for.
  }
}

function isCdpEndpoint(endpoint: string): boolean {
  return /^https?:/i.test(endpoint) || endpoint.includes('/devtools/browser/');
}

function safeHeadlessShell(discover: DiscoverOptions | undefined): boolean {
  try {
    return discoverChromium(discover).headlessShell;
  } catch {
    return true; // launching will report the missing browser; sizing does not need to fail first
  }
}

/** Finds the launched browser's main process: a descendant of ours whose command line has `marker`. */
function findBrowserPid(marker: string): number | undefined {
  const table = readProcessTable();
  for (const pid of descendantsOf(table, [process.pid])) {
    if (pid === process.pid) continue;
    const cmd = readCmdline(pid);
    if (cmd?.includes(marker) && !cmd.some((a) => a.startsWith('--type='))) return pid;
  }
  return undefined;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
