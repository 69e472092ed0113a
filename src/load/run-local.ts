/**
 * A single-machine run: load the scenario, check the target, start the browser pool and health sampler, run
 * the engine, merge its interval snapshots in-process (the same Accumulator a remote collector uses), and
 * build Results. Partial results survive faults: whatever was recorded before an error or Ctrl-C is kept.
 */
import { dirname } from 'node:path';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { loadFeeder } from '../scenario/feeder.js';
import type { InputMode, ScenarioOptions } from '../scenario/define.js';
import { resolveProfile, type LoadProfile, type ProfileOverrides } from './profile.js';
import { parseDuration } from './duration.js';
import { LoadConfigError } from '../common/config-error.js';
import { LoadEngine, type EngineStatus } from './engine.js';
import { BrowserPool } from '../browser/pool.js';
import { HealthSampler } from '../health/sampler.js';
import { formatHealthLine, sampleWarnings } from '../health/format.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { Accumulator } from '../metrics/accumulator.js';
import { parseThreshold } from '../metrics/thresholds.js';
import type { Results, Snapshot, VariantSegment } from '../metrics/model.js';
import { ServerScraper, resolveServerMetrics } from '../server-metrics/scraper.js';
import { DEFAULT_SETTLE_MS, sequentialPlan } from './sequential.js';
import { assembleResults, pkgVersion } from './run-results.js';
import type { ProgressState } from './progress-state.js';
import { createRunVisual, type VisualRunOptions } from '../visual/run-visual.js';
import type { VisualSession } from '../visual/session.js';
import { checkpointNote, startCheckpoints, type Checkpointer, type CheckpointOptions } from './checkpoint.js';
import { findCalibration } from './calibration-file.js';
import { capacityMessage, type Calibration } from './capacity.js';
import { DEFAULT_RAMP_COSTS, governLeases, openRatePerSecond, RampGovernor, type RampCosts } from './governor.js';
import { prewarmContexts } from './prewarm.js';
import { CpuMeter } from '../health/meter.js';
import { availableParallelism } from 'node:os';
import { planMix } from './mix-plan.js';
import type { LiteGroup, LiteWorkersFactory } from './lite-group.js';
import { foldWorkerHealth } from '../health/worker-health.js';
import { createThrottle } from './throttle.js';

export interface RunLocalOptions {
  scenarioFile: string;
  /** CLI overrides of the scenario's options (CLI wins). */
  overrides: ProfileOverrides & Pick<ScenarioOptions, 'target' | 'browsers' | 'contextsPerBrowser' | 'input' | 'abortOnError' | 'actionTimeout' | 'blockResources' | 'variantMode' | 'settle' | 'liteUsers' | 'liteShare' | 'liteWorkers' | 'liteUsersPerWorker'> & {
    visualDir?: string;
    /** --server-metrics URLs (replace options.serverMetrics' URLs, keep its mapping). */
    serverMetricsUrls?: string[];
  };
  /** Thresholds added on the command line (the scenario's own are kept). */
  thresholds?: string[];
  /** Called once per interval with the live state. */
  onProgress?: (state: ProgressState) => void;
  /** Starts lite-user worker processes (src/lite/workers.ts `startLiteWorkers`); needed when the run has lite users. */
  liteWorkers?: LiteWorkersFactory;
  /** Every interval snapshot as it is merged, with its source (`local`, or `lite-<n>` for lite workers). */
  onSnapshot?: (snapshot: Snapshot, source: string) => void;
  log?: (line: string) => void;
  /** Aborting it stops the run gracefully; results so far are kept. Abort with the signal's name (`ac.abort('SIGTERM')`) to have it recorded. */
  signal?: AbortSignal;
  /** Write the results so far to this file every `everyMs` while the run lasts (`<out>.partial`). */
  checkpoint?: CheckpointOptions;
  /** Preloaded scenario (demo runs several), instead of scenarioFile. */
  loaded?: LoadedScenario;
  /** Visual checks (u.snapshot): baseline folder, sample share, compare or record (src/visual). */
  visual?: VisualRunOptions;
  /** Ramp governor, pre-warm and calibrated capacity (see governor.ts, prewarm.ts, calibrate.ts). */
  capacity?: CapacityOptions;
  /** Extra Chromium switches (benchmarks A/B launch flags with it). */
  launchArgs?: readonly string[];
}

export interface CapacityOptions {
  /** Open the pool's contexts before the load starts. Default false. */
  prewarm?: boolean;
  /** Pace context openings by the CPU budget. Default true. */
  governor?: boolean;
  /** Measured costs; default: `.rookery/calibration-<scenario>.json` when it was measured on this machine. */
  calibration?: Calibration | false;
}

export interface RunLocalOutcome {
  results: Results;
  /** True when every threshold passed. */
  passed: boolean;
  /** The run's visual checks: worst diffs to save next to the results, or recorded baselines. */
  visual?: VisualSession;
}

/** Fails fast, with the URL, when nothing answers at the target. Any HTTP answer counts as reachable. */
export async function checkTarget(target: string, timeoutMs = 5_000): Promise<void> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new LoadConfigError(`--target: ${JSON.stringify(target)} is not a URL (try http://localhost:4000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LoadConfigError(`--target: ${target} must be http(s)`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    throw new LoadConfigError(`target unreachable: ${url.href} (${cause}). Is the app running and is --target right?`);
  }
}

/** `meta.interrupted` of a run stopped through its AbortSignal, naming the real signal (the abort reason). */
export function interruptionNote(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  // A signal's name, or `stop()` when the public run() was stopped from code.
  const name = typeof reason === 'string' && /^(SIG[A-Z0-9]+|stop\(\))$/.test(reason) ? reason : 'SIGINT';
  return `interrupted (${name}): results are partial`;
}

/** The most users the profile ever asks for: sizes the browser pool. */
export function peakUsers(profile: LoadProfile): number {
  if (profile.kind === 'constant') return profile.users;
  if (profile.kind === 'stages') return Math.max(1, ...profile.stages.map((s) => s.target));
  return profile.maxInFlight;
}

export async function runLocal(opts: RunLocalOptions): Promise<RunLocalOutcome> {
  const loaded = opts.loaded ?? (await loadScenario(opts.scenarioFile));
  const scenario = loaded.scenario;
  const options: ScenarioOptions = { ...scenario.options, ...definedOnly(opts.overrides) };
  const target = options.target;
  if (!target) throw new LoadConfigError(`no target: pass --target URL or set options.target in ${loaded.file}`);
  // `--users 0 --lite-users N`: only lite users (a profile needs ≥ 1 user; planMix sets the real counts).
  const liteOnly = opts.overrides.users === 0 && (options.liteUsers ?? 0) > 0;
  const variantSetup = resolveVariantMode(scenario.variants, options, resolveProfile(scenario.options ?? {}, liteOnly ? { ...opts.overrides, users: undefined } : opts.overrides));
  const profile = variantSetup.profile;
  const serverMetrics = resolveServerMetrics(options.serverMetrics, opts.overrides.serverMetricsUrls);
  const thresholdExprs = [...(scenario.options?.thresholds ?? []), ...(opts.thresholds ?? [])];
  for (const t of thresholdExprs) parseThreshold(t); // bad expressions fail before any browser starts
  const actionTimeoutMs = options.actionTimeout === undefined ? 15_000 : parseDuration(options.actionTimeout, 'actionTimeout');
  const input: InputMode = options.input ?? 'fast';
  if (input !== 'fast' && input !== 'playwright') throw new LoadConfigError(`--input must be fast or playwright, got ${JSON.stringify(input)}`);
  // Browser and lite users (src/load/mix-plan.ts): one schedule, dealt between the pool and the lite workers.
  const mix = planMix({
    profile,
    browserUsers: opts.overrides.users ?? scenario.options?.users,
    liteUsers: options.liteUsers,
    liteShare: options.liteShare,
    workers: options.liteWorkers,
    usersPerWorker: options.liteUsersPerWorker,
    cores: availableParallelism(),
  });
  if (mix.lite.length > 0 && input === 'playwright') throw new LoadConfigError("--input playwright needs browser users: lite users only have the in-page input path (run them with --input fast)");
  if (mix.warning) opts.log?.(mix.warning);
  if (mix.lite.length > 0 && variantSetup.segments) throw new LoadConfigError("variantMode 'sequential' runs browser users only for now; use interleaved variants with lite users");
  await checkTarget(target);
  const feeder = loadFeeder(options.data, dirname(loaded.file));

  const startedAt = Date.now();
  const registry = new MetricsRegistry({ startedAt });
  const visual = createRunVisual({ dir: opts.overrides.visualDir, ...definedOnly(opts.visual ?? {}) }, { scenario: scenario.name, scenarioSample: options.visualSample, recorder: registry, timeoutMs: actionTimeoutMs, log: opts.log });
  const accumulator = new Accumulator({ startedAt, intervalMs: 1_000 });
  const calibration = resolveCalibration(opts.capacity?.calibration, scenario.name, opts.log);
  // Browser users only: lite users run in worker processes, not on the pool.
  const requested = mix.browser ? peakUsers(mix.browser) : 0;
  if (calibration) {
    const m = capacityMessage(calibration, requested);
    opts.log?.(m.warn ? `WARNING: ${m.text}` : m.text);
  }
  const pool = new BrowserPool({
    users: Math.max(1, requested),
    ...(calibration ? { measured: { perUserBytes: calibration.perUserBytes, userCpuPerSecond: calibration.userCpuPerSecond } } : {}),
    ...(options.browsers !== undefined ? { browsers: options.browsers } : {}),
    ...(options.contextsPerBrowser !== undefined ? { contextsPerBrowser: options.contextsPerBrowser } : {}),
    ...(options.blockResources ? { blockResources: options.blockResources } : {}),
    ...(opts.launchArgs ? { launchArgs: opts.launchArgs } : {}),
    // Relative URLs in page.goto / context.request resolve against the target, as with Playwright's use.baseURL.
    contextOptions: { baseURL: target },
  });
  // No usable browser is one clear error before the load (exit 2), not one user error per iteration.
  if (mix.browser) await pool.preflight().catch(async (err: unknown) => {
    await pool.close();
    throw err;
  });
  const health = new HealthSampler({ intervalMs: 1_000, pids: () => pool.pids(), sink: registry });
  const costs: RampCosts = calibration ? { openCpuSeconds: calibration.openCpuSeconds, userCpuPerSecond: calibration.userCpuPerSecond } : { ...DEFAULT_RAMP_COSTS };
  const governor: RampGovernor | undefined =
    opts.capacity?.governor === false
      ? undefined
      : new RampGovernor((): number => {
          const s = health.latest();
          return openRatePerSecond({
            cores: health.cores,
            costs,
            activeUsers: pool.stats().leased,
            // The harness's own CPU (Node + its browsers): other tenants of a shared machine are not ours to budget.
            measuredCpuPercent: s ? s.cpuPercent.node + (s.cpuPercent.chromium ?? 0) : undefined,
            previousRate: governor?.currentRate ?? 0,
          });
        });
  // phoenix_live_view is what the page reports (onClientVersion below), never our npm copy: the target is any app.
  const versions: Record<string, string> = {};
  const playwright = pkgVersion('playwright');
  if (playwright) versions.playwright = playwright;

  let loadStartedAt: number | undefined;
  const resultsInput = (endedAt: number) => ({
    scenario: scenario.name,
    target,
    profile: mix.whole,
    startedAt,
    endedAt,
    accumulator,
    // Lite workers' own lag, CPU and memory count in the verdict like the browsers'.
    health: lite ? foldWorkerHealth(health.summary(), accumulator.totals(), accumulator.intervals(), { client: 'lite', process: 'lite' }) : health.summary(),
    versions,
    variants: scenario.variants ? Object.keys(scenario.variants) : undefined,
    thresholds: thresholdExprs,
    visual: visual.summary(),
    variantMode: variantSetup.mode,
    segments: variantSetup.segments,
    loadStartedAt,
  });
  let engine: LoadEngine | undefined;
  let scraper: ServerScraper | undefined;
  let lite: LiteGroup | undefined;
  let lastInterval: Snapshot | undefined;
  let lvErrors = 0;
  const countLvErrors = (s: Snapshot) => {
    for (const c of s.counters) if (c.name === 'lv_errors') lvErrors += c.value;
  };
  let interrupted: string | undefined;
  let setupData: unknown;
  let checkpoints: Checkpointer | undefined;
  let server: Results['server'];
  const onAbort = () => {
    interrupted = interruptionNote(opts.signal);
    engine?.stop(interrupted);
    lite?.stop(interrupted);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  health.start();
  try {
    setupData = await scenario.setup?.({ target, options });
    if (serverMetrics) {
      scraper = new ServerScraper(serverMetrics, startedAt, undefined, () => engine?.connectedCounts() ?? []);
      await scraper.start();
    }
    const progress = (s: Snapshot, st: EngineStatus) => {
      const sample = health.latest();
      const ls = lite?.status();
      opts.onProgress?.({
        ...st,
        ...(ls ? { active: st.active + ls.active, target: st.target + ls.target, iterations: st.iterations + ls.iterations, errors: st.errors + ls.errors, dropped: st.dropped + ls.dropped } : {}),
        lvErrors,
        interval: s,
        health: sample ? formatHealthLine(sample, health.cores) : undefined,
        ...(governor && governor.waiting > 0 ? { opening: { waiting: governor.waiting, perSecond: governor.currentRate } } : {}),
        saturated: sample ? sampleWarnings(sample, health.cores).length > 0 : false,
        totals: () => accumulator.totals(),
      });
    };
    // One set of throttles for the whole run: the browser users' engine and every lite worker share it.
    const throttles = new Map(Object.entries(scenario.throttles ?? {}).map(([name, spec]) => [name, createThrottle(spec, `throttles.${name}`)]));
    if (mix.lite.length > 0) {
      const idle: EngineStatus = { phase: 'running', elapsedMs: 0, totalMs: 0, active: 0, target: 0, iterations: 0, errors: 0, dropped: 0 };
      if (!opts.liteWorkers) throw new LoadConfigError('this run cannot start lite users (no lite worker factory was given to runLocal; the rookery CLI passes one)');
      lite = opts.liteWorkers({
        setup: {
          bundle: { ...loaded.bundle, file: loaded.file, resolveDir: dirname(loaded.file) },
          target,
          input,
          actionTimeoutMs,
          abortOnError: options.abortOnError ?? false,
          setupData,
          data: options.data,
          dataDir: dirname(loaded.file),
          startedAt,
        },
        slices: mix.lite,
        throttles,
        onSnapshot: (s, source) => {
          accumulator.add(s, source);
          opts.onSnapshot?.(s, source);
          countLvErrors(s);
          // Without browser users, the first worker's interval drives the live progress.
          if (!mix.browser && source === 'lite-0') progress(s, { ...idle, elapsedMs: Date.now() - startedAt });
        },
        onVersion: (v) => {
          versions.phoenix_live_view = v;
        },
        onError: (kind, message) => registry.error(kind, message),
        log: opts.log,
      });
      await lite.start();
    }
    if (mix.browser) engine = new LoadEngine({
      scenario,
      profile: mix.browser,
      throttles,
      ...(mix.lite.length > 0 ? { userIds: 'global' as const } : {}),
      target,
      // Reusing an idle (e.g. pre-warmed) context opens nothing, so it never waits for the governor.
      leases: governor ? governLeases(pool, governor, () => pool.stats().idle === 0) : pool,
      registry,
      feeder,
      setupData,
      input,
      actionTimeoutMs,
      abortOnError: options.abortOnError ?? false,
      visual: visual.snapshot,
      onSnapshot: (s) => {
        accumulator.add(s);
        opts.onSnapshot?.(s, 'local');
        lastInterval = s;
        countLvErrors(s);
        progress(s, engine!.status());
      },
      onClientVersion: (v) => {
        versions.phoenix_live_view = v;
      },
      log: opts.log,
      ...(variantSetup.segments ? { sequential: variantSetup.segments } : {}),
    });
    if (opts.capacity?.prewarm && mix.browser && !opts.signal?.aborted) {
      // Measured here, the cost of an open also paces the ramp's own openings (users beyond the pool's contexts).
      const meter = new CpuMeter(() => pool.pids());
      const before = meter.read();
      const w = await prewarmContexts(pool, requested, opts.signal);
      const cpu = CpuMeter.between(before, meter.read());
      if (w.contexts > 0) costs.openCpuSeconds = cpu / w.contexts;
      opts.log?.(`prewarm: ${w.contexts} contexts opened in ${(w.ms / 1000).toFixed(1)} s, ${(cpu / Math.max(1, w.contexts)).toFixed(3)} CPU-s each${w.failed > 0 ? ` (${w.failed} failed)` : ''}`);
    }
    if (opts.signal?.aborted) onAbort();
    loadStartedAt = Date.now(); // the profile's clock (phases of intervals) starts here, after launch and setup()
    if (opts.checkpoint) {
      checkpoints = startCheckpoints(opts.checkpoint, () => {
        const now = Date.now();
        return assembleResults({ ...resultsInput(now), interrupted: [interrupted, checkpointNote(now)].filter(Boolean).join('; ') });
      }, opts.log);
    }
    const outcomes = await Promise.all([engine?.run(), lite?.run()]);
    interrupted = interrupted ?? outcomes.find((o) => o?.interrupted)?.interrupted;
  } catch (err) {
    // Keep what was measured; the caller reports the error and still gets partial results.
    interrupted = `run failed: ${err instanceof Error ? err.message : String(err)}`;
    if (!lastInterval) registry.error('harness', interrupted);
    accumulator.add(registry.takeSnapshot());
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await checkpoints?.stop();
    server = await scraper?.stop('local');
    try {
      await scenario.teardown?.({ target, options }, setupData);
    } catch (err) {
      opts.log?.(`teardown failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    await health.stop();
    await lite?.close();
    await pool.close();
  }

  const chromium = pool.browserVersion();
  if (chromium) versions.chromium = chromium;
  const results = assembleResults({ ...resultsInput(Date.now()), interrupted, server });
  return { results, passed: results.thresholds.every((t) => t.pass), visual };
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

function resolveCalibration(given: Calibration | false | undefined, scenario: string, log: ((line: string) => void) | undefined): Calibration | undefined {
  if (given === false) return undefined;
  if (given) return given;
  try {
    return findCalibration(scenario);
  } catch (err) {
    log?.(`ignoring calibration: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
