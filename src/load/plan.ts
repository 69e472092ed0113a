/**
 * planRun: a loaded scenario and the command line's overrides → the plan of one run. The plan is what every
 * runner needs, and nothing else: the scenario bundle, the target, the whole run's load profile (sequential
 * variants already laid out), how users behave, data rows, the split between browser and lite users. It is
 * plain JSON — the `assign` message of a distributed run carries it as is — and a local run hands the same plan
 * to its one in-process runner.
 *
 * How a plan becomes slices (`slicePlan`): the whole profile's global units (users, arrivals, iterations) are
 * dealt over *parts* with one apportionment (apportion.ts): each runner's browser users are one part, each of its
 * lite worker processes one part. Browser users are dealt by each runner's browser capacity, lite users by its
 * lite capacity, so user ids stay unique run-wide and every part follows the same schedule.
 */
import type { LoadedScenario } from '../scenario/load.js';
import type { InputMode, ScenarioOptions } from '../scenario/define.js';
import { resolveProfile, sliceProfile, type LoadProfile, type ProfileOverrides } from './profile.js';
import { parseDuration } from './duration.js';
import { LoadConfigError } from '../common/config-error.js';
import { parseThreshold } from '../metrics/thresholds.js';
import type { VariantSegment } from '../metrics/model.js';
import { DEFAULT_SETTLE_MS, sequentialPlan } from './sequential.js';
import { LITE_USERS_PER_WORKER, evenSplit, planMix } from './mix-plan.js';
import { apportionment } from './apportion.js';
import type { SliceSettings } from './slice-run.js';

/** How long a verb waits for a connect or a reply when the scenario and the command line do not say. */
export const DEFAULT_ACTION_TIMEOUT_MS = 15_000;

/** The overrides a run accepts on top of the scenario's options (the CLI's flags). */
export type RunOverrides = ProfileOverrides &
  Pick<ScenarioOptions, 'target' | 'browsers' | 'contextsPerBrowser' | 'input' | 'abortOnError' | 'actionTimeout' | 'blockResources' | 'variantMode' | 'settle' | 'liteUsers' | 'liteShare' | 'liteWorkers' | 'liteUsersPerWorker'> & {
    visualDir?: string;
    /** --server-metrics URLs (replace options.serverMetrics' URLs, keep its mapping). */
    serverMetricsUrls?: string[];
  };

/** The split between browser and lite users: weights of the whole profile's units (see mix-plan.ts). */
export interface PlanMix {
  browserWeight: number;
  liteWeight: number;
  /** Lite worker processes (a local run's; runners use their own unless the run sets `liteWorkers`). */
  workers: number;
  /** Set when the run fixed the lite worker count (`liteWorkers`). */
  fixedWorkers?: number;
  usersPerWorker: number;
}

/** One run's plan: JSON, the same for every runner. */
export interface RunPlan {
  scenario: { name: string; code: string; sha256: string };
  target: string;
  /** The whole run's profile (every user of both kinds; sequential variants laid out). */
  profile: LoadProfile;
  settings: SliceSettings;
  /** Sequential variants: each variant's segment of the schedule. */
  segments?: VariantSegment[];
  /** Browser and lite users; absent when every user is a browser user. */
  mix?: PlanMix;
  /** Pre-warm the pool's contexts, pace openings by the CPU budget (runners apply them to their own pools). */
  capacity?: { prewarm?: boolean; governor?: boolean };
}

/** What the orchestrator keeps besides the plan (not sent to runners). */
export interface PlannedRun {
  plan: RunPlan;
  options: ScenarioOptions;
  thresholds: string[];
  variantMode: 'interleaved' | 'sequential';
  variants: string[] | undefined;
  /** A warning about the lite users' density, to print once. */
  warning: string | undefined;
}

export interface PlanOptions {
  overrides: RunOverrides;
  thresholds?: readonly string[] | undefined;
  capacity?: { prewarm?: boolean; governor?: boolean } | undefined;
  /** Cores of this machine: a local run's default lite worker count. */
  cores: number;
}

export function planRun(loaded: LoadedScenario, opts: PlanOptions): PlannedRun {
  const scenario = loaded.scenario;
  const options: ScenarioOptions = { ...scenario.options, ...definedOnly(opts.overrides) };
  const target = options.target;
  if (!target) throw new LoadConfigError(`no target: pass --target URL or set options.target in ${loaded.file}`);
  // `--users 0 --lite-users N`: only lite users (a profile needs ≥ 1 user; planMix sets the real counts).
  const liteOnly = opts.overrides.users === 0 && (options.liteUsers ?? 0) > 0;
  const base = resolveProfile(scenario.options ?? {}, liteOnly ? { ...opts.overrides, users: undefined } : opts.overrides);
  const variantSetup = resolveVariantMode(scenario.variants, options, base);
  const thresholds = [...(scenario.options?.thresholds ?? []), ...(opts.thresholds ?? [])];
  for (const t of thresholds) parseThreshold(t); // bad expressions fail before any browser starts
  const input: InputMode = options.input ?? 'fast';
  if (input !== 'fast' && input !== 'playwright') throw new LoadConfigError(`--input must be fast or playwright, got ${JSON.stringify(input)}`);
  const mix = planMix({
    profile: variantSetup.profile,
    browserUsers: opts.overrides.users ?? scenario.options?.users,
    liteUsers: options.liteUsers,
    liteShare: options.liteShare,
    workers: options.liteWorkers,
    usersPerWorker: options.liteUsersPerWorker,
    cores: opts.cores,
  });
  if (mix.lite.length > 0 && input === 'playwright') throw new LoadConfigError('--input playwright needs browser users: lite users only have the in-page input path (run them with --input fast)');
  if (mix.lite.length > 0 && variantSetup.segments) throw new LoadConfigError("variantMode 'sequential' runs browser users only for now; use interleaved variants with lite users");
  const settings: SliceSettings = {
    input,
    actionTimeoutMs: options.actionTimeout === undefined ? DEFAULT_ACTION_TIMEOUT_MS : parseDuration(options.actionTimeout, 'actionTimeout'),
    abortOnError: options.abortOnError ?? false,
    ...(options.browsers !== undefined ? { browsers: options.browsers } : {}),
    ...(options.contextsPerBrowser !== undefined ? { contextsPerBrowser: options.contextsPerBrowser } : {}),
    ...(options.blockResources ? { blockResources: [...options.blockResources] } : {}),
  };
  const capacity = opts.capacity && (opts.capacity.prewarm !== undefined || opts.capacity.governor !== undefined) ? { ...definedOnly(opts.capacity) } : undefined;
  const plan: RunPlan = {
    scenario: { name: scenario.name, code: loaded.bundle.code, sha256: loaded.bundle.sha256 },
    target,
    profile: mix.whole,
    settings,
    ...(variantSetup.segments ? { segments: variantSetup.segments } : {}),
    ...(mix.lite.length > 0 ? { mix: mixWeights(mix.browser, mix.lite, options) } : {}),
    ...(capacity ? { capacity } : {}),
  };
  return {
    plan,
    options,
    thresholds,
    variantMode: variantSetup.mode,
    variants: scenario.variants ? Object.keys(scenario.variants) : undefined,
    warning: mix.warning,
  };
}

/** The browser:lite weights of a mix, read back from its slices (one apportionment; see mix-plan.ts). */
function mixWeights(browser: LoadProfile | undefined, lite: readonly LoadProfile[], options: ScenarioOptions): PlanMix {
  const liteWeight = lite.reduce((n, p) => n + (p.slice ? (p.slice.weights[p.slice.index] as number) : 0), 0);
  const browserWeight = browser?.slice ? (browser.slice.weights[browser.slice.index] as number) : 0;
  return {
    browserWeight,
    liteWeight,
    workers: lite.length,
    ...(options.liteWorkers !== undefined ? { fixedWorkers: options.liteWorkers } : {}),
    usersPerWorker: options.liteUsersPerWorker ?? LITE_USERS_PER_WORKER,
  };
}

/** A runner as the dealing sees it: its capacity for each kind of user, and its lite worker processes. */
export interface PartTaker {
  /** Browser users it can hold (its weight for them). */
  capacity: number;
  /** Lite users it can hold, and the worker processes it runs them in. Absent: it takes no lite users. */
  lite?: { capacity: number; workers: number } | undefined;
}

/** Each runner's parts in the flat weights: its browser part (if any) and one part per lite worker. */
export interface PartDeal {
  weights: number[];
  parts: Array<{ browser: number | undefined; lite: number[] }>;
}

/**
 * Deals a plan's parts over runners. Without lite users, the weights are the runners' capacities (one part
 * each). With them, browser units are split by browser capacity and lite units by lite capacity, then each
 * runner's lite units over its worker processes; parts of weight 0 are left out.
 */
export function dealParts(plan: Pick<RunPlan, 'mix'>, takers: readonly PartTaker[]): PartDeal {
  if (takers.length === 0) throw new Error('dealParts: no runners');
  const mix = plan.mix;
  if (!mix) return { weights: takers.map((t) => t.capacity), parts: takers.map((_, i) => ({ browser: i, lite: [] })) };
  const browserCaps = takers.map((t) => t.capacity);
  const liteCaps = takers.map((t) => t.lite?.capacity ?? 0);
  if (mix.liteWeight > 0 && liteCaps.every((c) => c === 0)) throw new LoadConfigError('the run has lite users but no runner can run them (no runner reported a lite capacity)');
  const browserShare = mix.browserWeight > 0 ? split(mix.browserWeight, browserCaps) : takers.map(() => 0);
  const liteShare = mix.liteWeight > 0 ? split(mix.liteWeight, liteCaps) : takers.map(() => 0);
  return numberParts(
    takers.map((t, i) => {
      const b = browserShare[i] as number;
      const l = liteShare[i] as number;
      const workers = Math.max(1, Math.min(mix.fixedWorkers ?? t.lite?.workers ?? 1, l));
      return { browser: b > 0 ? b : undefined, lite: l > 0 ? evenSplit(l, workers) : [] };
    }),
  );
}

/**
 * The flat weights and each runner's part indices into them, from each runner's browser weight (undefined: no
 * browser part) and its lite workers' weights, in runner order, browser part first: how every deal numbers parts.
 */
function numberParts(runners: ReadonlyArray<{ browser: number | undefined; lite: readonly number[] }>): PartDeal {
  const weights: number[] = [];
  const parts = runners.map((r) => ({
    browser: r.browser === undefined ? undefined : weights.push(r.browser) - 1,
    lite: r.lite.map((w) => weights.push(w) - 1),
  }));
  return { weights, parts };
}

/** A runner that keeps the parts it already runs when the load is re-dealt (its engine, its worker processes). */
export interface PartHolder extends PartTaker {
  holds: { browser: boolean; liteWorkers: number };
}

/** A re-deal over holders: `unowned` names the kinds of user nobody left can run (their units stay unrun). */
export interface PartRedeal extends PartDeal {
  unowned: Array<'browser' | 'lite'>;
}

/** Most a re-deal scales its weights by to give every part held at least one unit (see redealParts). */
const REDEAL_MAX_TOTAL = 1_000_000;

/**
 * Deals a plan's parts again over runners that keep what they run (a distributed run after a runner was lost):
 * browser units by browser capacity over the runners that have browser users, lite units by lite capacity over
 * the runners that have lite workers, each runner's lite units evenly over its worker processes. Every part held
 * gets at least one unit: if the plain split would leave one empty, both weights are scaled up (the browser:lite
 * ratio stays exact). A kind nobody holds any more keeps its units on an unowned part, so the others do not take
 * them over. Undefined when no scale up to REDEAL_MAX_TOTAL gives every part a unit.
 */
export function redealParts(plan: Pick<RunPlan, 'mix'>, holders: readonly PartHolder[]): PartRedeal | undefined {
  const mix = plan.mix;
  if (!mix) throw new Error('redealParts: the plan has no browser/lite mix');
  if (holders.length === 0) throw new Error('redealParts: no runners');
  const browserCaps = holders.map((h) => (h.holds.browser ? Math.max(1, h.capacity) : 0));
  const liteCaps = holders.map((h) => (h.holds.liteWorkers > 0 ? Math.max(1, h.lite?.capacity ?? 0) : 0));
  const dealt = (total: number, caps: number[]) => (total > 0 && caps.some((c) => c > 0) ? split(total, caps) : caps.map(() => 0));
  for (let scale = 1; (mix.browserWeight + mix.liteWeight) * scale <= REDEAL_MAX_TOTAL; scale *= 2) {
    const browser = dealt(mix.browserWeight * scale, browserCaps);
    const lite = dealt(mix.liteWeight * scale, liteCaps);
    if (holders.some((h, i) => (h.holds.browser && (browser[i] as number) < 1) || (lite[i] as number) < h.holds.liteWorkers)) continue;
    const { weights, parts } = numberParts(
      holders.map((h, i) => ({
        browser: h.holds.browser ? (browser[i] as number) : undefined,
        lite: h.holds.liteWorkers > 0 ? evenSplit(lite[i] as number, h.holds.liteWorkers) : [],
      })),
    );
    const unowned: PartRedeal['unowned'] = [];
    if (mix.browserWeight > 0 && browserCaps.every((c) => c === 0)) {
      unowned.push('browser');
      weights.push(mix.browserWeight * scale);
    }
    if (mix.liteWeight > 0 && liteCaps.every((c) => c === 0)) {
      unowned.push('lite');
      weights.push(mix.liteWeight * scale);
    }
    return { weights, parts, unowned };
  }
  return undefined;
}

/** A runner's slices of the whole profile: its browser users and one profile per lite worker. */
export function slicesOf(profile: LoadProfile, deal: Pick<PartDeal, 'weights'>, part: { browser: number | undefined; lite: readonly number[] }): { browser: LoadProfile | undefined; lite: LoadProfile[] } {
  return {
    browser: part.browser === undefined ? undefined : sliceProfile(profile, { weights: deal.weights, index: part.browser }),
    lite: part.lite.map((index) => sliceProfile(profile, { weights: deal.weights, index })),
  };
}

/** `total` dealt by `weights` (zero weights get 0): the apportionment's count of each. */
function split(total: number, weights: readonly number[]): number[] {
  const positive = weights.map((w, i) => ({ w, i })).filter((x) => x.w > 0);
  const deal = apportionment(positive.map((x) => x.w));
  const out = weights.map(() => 0);
  positive.forEach((x, k) => {
    out[x.i] = deal.unitsOf(k, total);
  });
  return out;
}


/** Interleaved (default) or sequential variants; sequential replaces the profile by its plan (sequential.ts). */
export function resolveVariantMode(
  variants: Readonly<Record<string, string>> | undefined,
  options: Pick<ScenarioOptions, 'variantMode' | 'settle'>,
  profile: LoadProfile,
): { mode: 'interleaved' | 'sequential'; profile: LoadProfile; segments: VariantSegment[] | undefined } {
  const mode = options.variantMode ?? 'interleaved';
  if (mode !== 'interleaved' && mode !== 'sequential') throw new LoadConfigError(`variantMode must be interleaved or sequential, got ${JSON.stringify(mode)}`);
  if (mode === 'interleaved') return { mode, profile, segments: undefined };
  if (!variants || Object.keys(variants).length === 0) throw new LoadConfigError("variantMode 'sequential' needs the scenario to declare variants");
  const settleMs = options.settle === undefined ? DEFAULT_SETTLE_MS : parseDuration(options.settle, 'settle');
  const plan = sequentialPlan(profile, Object.keys(variants), settleMs);
  return { mode, profile: plan.profile, segments: plan.segments };
}

export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
