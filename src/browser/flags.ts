/**
 * Chromium switches for load generation on locked-down machines.
 *
 * Chromium honours only the last `--disable-features` switch, and Playwright already passes one with its own
 * list. So ours repeats Playwright's list (as of playwright-core 1.65, checked by test/integration/browser-pool.test.ts)
 * and adds the omnibox popup features: without them every context starts a second renderer (~2x memory).
 */

/** Playwright's own --disable-features list (playwright-core src/server/chromium/chromiumSwitches.ts). */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
] as const;

export const ROOKERY_DISABLED_FEATURES = [
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
  'WebUIOmniboxFullPopup',
  'Translate',
  'BackForwardCache',
] as const;

/** Needed where Chromium's background connections are refused (sandboxed CI, no internet, running as root). */
export const BASE_SWITCHES = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--mute-audio',
] as const;

export function chromiumArgs(extra: readonly string[] = []): string[] {
  const features: string[] = [...PLAYWRIGHT_DISABLED_FEATURES, ...ROOKERY_DISABLED_FEATURES];
  const userFeatures = extra.filter((a) => a.startsWith('--disable-features='));
  for (const f of userFeatures) features.push(...f.slice('--disable-features='.length).split(',').filter(Boolean));
  const rest = extra.filter((a) => !a.startsWith('--disable-features='));
  return [...BASE_SWITCHES, ...rest, `--disable-features=${[...new Set(features)].join(',')}`];
}
