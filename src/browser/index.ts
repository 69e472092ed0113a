/**
 * Browsers: find a Chromium (discover), launch it with Rookery's switches (flags, launch), and pool contexts
 * for many users with crash isolation and no orphan processes (pool, plan, process-guard).
 */
export { discoverChromium, BrowserNotFoundError, type DiscoveredBrowser, type DiscoverOptions, type BrowserSource } from './discover.js';
export { chromiumArgs } from './flags.js';
export { launchChromium, type LaunchChromiumOptions } from './launch.js';
export {
  BrowserPool,
  BrowserCrashedError,
  PoolClosedError,
  type BrowserPoolOptions,
  type Lease,
  type BlockableResource,
  type BrowserCrashEvent,
  type BrowserLaunchEvent,
  type PoolStats,
} from './pool.js';
export { planPool, MAX_CONTEXTS_PER_BROWSER, MEMORY_MODEL, type PoolPlan, type PoolPlanInput } from './plan.js';
export { killTrackedBrowsers, trackedBrowserPids } from './process-guard.js';
