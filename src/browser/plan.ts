/**
 * Pool sizing: how many browsers, how many contexts each, and how many launches/context creations at once.
 *
 * Memory per context (PSS, measured on this project's dev machine with Chromium 156, a LiveView counter page,
 * and the omnibox features disabled — see flags.ts): ~30 MB with the headless shell, ~60-90 MB with full
 * Chromium (which also costs ~800 MB per browser process against ~170 MB for the shell). Heavier apps use
 * more: pass `perContextBytes`.
 *
 * One browser with many contexts is cheaper than many browsers, but one browser crash takes all of its
 * contexts with it, so contexts per browser are capped (MAX_CONTEXTS_PER_BROWSER) and users are spread
 * evenly over the fewest browsers that respect the cap.
 */

const MB = 1024 * 1024;

export interface BrowserMemoryModel {
  perContextBytes: number;
  perBrowserBytes: number;
}

export const MEMORY_MODEL: Readonly<{ headlessShell: BrowserMemoryModel; full: BrowserMemoryModel }> = {
  headlessShell: { perContextBytes: 30 * MB, perBrowserBytes: 170 * MB },
  full: { perContextBytes: 75 * MB, perBrowserBytes: 800 * MB },
};

/** One crash should not take down more users than this. */
export const MAX_CONTEXTS_PER_BROWSER = 150;

/** Left for the OS, the app under test when it shares the machine, page caches. */
export const MEMORY_HEADROOM_FRACTION = 0.2;
/** The Node harness itself: base heap plus per-user probe state (frames in flight, histograms). */
export const NODE_BASE_BYTES = 300 * MB;
export const NODE_PER_USER_BYTES = 2 * MB;

export interface PoolPlanInput {
  /** Concurrent users (one context each). */
  users: number;
  cores: number;
  memoryBytes: number;
  headlessShell: boolean;
  /** Override the per-context memory assumption (heavier apps). */
  perContextBytes?: number;
  /** Override the per-browser cap (default MAX_CONTEXTS_PER_BROWSER). */
  maxContextsPerBrowser?: number;
  /**
   * Costs measured on this machine for this scenario (`rookery calibrate`): replace the fixed memory guess, and
   * bound the plan by CPU too.
   */
  measured?: MeasuredUserCosts;
}

/** What one user of a scenario costs here, measured (see src/load/calibrate.ts). */
export interface MeasuredUserCosts {
  /** Browser memory (PSS) per user, bytes. */
  perUserBytes: number;
  /** CPU-seconds per second of one active user (browser + harness). */
  userCpuPerSecond: number;
}

/** Share of all cores the users may keep busy in steady state (the rest: opening contexts, bursts, the OS). */
export const CPU_BUDGET_FRACTION = 0.7;

export interface PoolPlan {
  browsers: number;
  contextsPerBrowser: number;
  launchConcurrency: number;
  contextConcurrency: number;
  /** Browser memory the plan expects at `users` (contexts + browser processes), bytes. */
  expectedBrowserBytes: number;
  /** Memory the browsers may use on this machine after headroom and the harness itself, bytes. */
  browserBudgetBytes: number;
  /** The most users whose contexts fit the budget with this plan's layout. */
  memoryCapacityUsers: number;
  /** With measured costs: the most users that keep the cores below CPU_BUDGET_FRACTION. */
  cpuCapacityUsers?: number;
  /** Plain-language problems with the request (the plan still honours it: the run decides). */
  warnings: string[];
}

function positiveInt(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number, got ${v}`);
  return Math.floor(v);
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export function planPool(input: PoolPlanInput): PoolPlan {
  const users = Math.max(1, positiveInt('users', input.users));
  const cores = Math.max(1, positiveInt('cores', input.cores));
  const memoryBytes = positiveInt('memoryBytes', input.memoryBytes);
  const model = input.headlessShell ? MEMORY_MODEL.headlessShell : MEMORY_MODEL.full;
  const perContext = input.perContextBytes ?? input.measured?.perUserBytes ?? model.perContextBytes;
  const cap = Math.max(1, positiveInt('maxContextsPerBrowser', input.maxContextsPerBrowser ?? MAX_CONTEXTS_PER_BROWSER));

  const browsers = Math.ceil(users / cap);
  const contextsPerBrowser = Math.ceil(users / browsers);

  const browserBudgetBytes = Math.max(
    0,
    memoryBytes * (1 - MEMORY_HEADROOM_FRACTION) - NODE_BASE_BYTES - users * NODE_PER_USER_BYTES,
  );
  const expectedBrowserBytes = browsers * model.perBrowserBytes + users * perContext;
  // Capacity with this many browsers; more users would also need more browsers, so recompute per cap.
  const perUserAll = perContext + NODE_PER_USER_BYTES + model.perBrowserBytes / cap;
  const memoryCapacityUsers = Math.max(
    0,
    Math.floor((memoryBytes * (1 - MEMORY_HEADROOM_FRACTION) - NODE_BASE_BYTES) / perUserAll),
  );

  const warnings: string[] = [];
  if (expectedBrowserBytes > browserBudgetBytes) {
    warnings.push(
      `${users} users need ~${gb(expectedBrowserBytes)} of browser memory (${Math.round(perContext / MB)} MB per context, ` +
        `${browsers} browser${browsers > 1 ? 's' : ''}) but ~${gb(browserBudgetBytes)} is available after headroom: ` +
        `about ${memoryCapacityUsers} users fit this machine`,
    );
  }
  const m = input.measured;
  const cpuCapacityUsers = m && m.userCpuPerSecond > 0 ? Math.floor((cores * CPU_BUDGET_FRACTION) / m.userCpuPerSecond + 1e-9) : undefined;
  if (cpuCapacityUsers !== undefined && users > cpuCapacityUsers) {
    warnings.push(
      `${users} users need ~${Math.round(users * m!.userCpuPerSecond * 100)} % CPU (measured ${(m!.userCpuPerSecond * 1000).toFixed(1)} ms of CPU per user-second) ` +
        `but ${cores} core${cores > 1 ? 's' : ''} at ${Math.round(CPU_BUDGET_FRACTION * 100)} % hold ≈ ${cpuCapacityUsers} users: the harness will saturate`,
    );
  }
  if (!input.headlessShell) {
    warnings.push('full Chromium uses ~2x the memory per context of chromium-headless-shell; install the shell for density');
  }

  return {
    browsers,
    contextsPerBrowser,
    // A launch costs ~0.5 s of CPU; more than one per two cores only slows everything down.
    launchConcurrency: clamp(Math.floor(cores / 2), 1, browsers),
    // Creating a context (and its renderer) is the CPU-heavy part of a new user: about one per core in flight.
    contextConcurrency: clamp(cores, 1, 8),
    expectedBrowserBytes,
    browserBudgetBytes,
    memoryCapacityUsers,
    ...(cpuCapacityUsers !== undefined ? { cpuCapacityUsers } : {}),
    warnings,
  };
}

function gb(bytes: number): string {
  return bytes >= 1024 * MB ? `${(bytes / (1024 * MB)).toFixed(1)} GB` : `${Math.round(bytes / MB)} MB`;
}
