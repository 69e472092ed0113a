/**
 * A single-machine run: the plan (plan.ts), one in-process runner executing all of it (slice-run.ts, the code
 * remote runners use too), and the run's collector (run-collector.ts, also the distributed collector's) merging
 * its snapshots in-process and building Results. Partial results survive faults: whatever was recorded before
 * an error or Ctrl-C is kept.
 */
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { loadFeeder } from '../scenario/feeder.js';
import { LoadConfigError } from '../common/config-error.js';
import { formatHealthLine, sampleWarnings } from '../health/format.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { Results, Snapshot } from '../metrics/model.js';
import { ServerScraper, resolveServerMetrics } from '../server-metrics/scraper.js';
import { pkgVersion } from './run-results.js';
import type { ProgressState } from './progress-state.js';
import { createRunVisual, type VisualRunOptions } from '../visual/run-visual.js';
import type { VisualSession } from '../visual/session.js';
import { checkpointNote, startCheckpoints, type Checkpointer, type CheckpointOptions } from './checkpoint.js';
import { findCalibration } from './calibration-file.js';
import { capacityMessage, type Calibration } from './capacity.js';
import type { LiteWorkersFactory } from './lite-group.js';
import { RunCollector } from './run-collector.js';
import { SliceRun, peakUsers } from './slice-run.js';
import { dealParts, definedOnly, planRun, resolveVariantMode, slicesOf, type PartDeal, type RunOverrides } from './plan.js';

export interface RunLocalOptions {
  scenarioFile: string;
  /** CLI overrides of the scenario's options (CLI wins). */
  overrides: RunOverrides;
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

export { peakUsers, resolveVariantMode };

/**
 * A local run: the plan, one in-process runner executing the whole plan as its slice (slice-run.ts, the code every
 * remote runner uses too), and the run's collector (run-collector.ts) merging its snapshots directly — no
 * encoding in between — into the one Results.
 */
export async function runLocal(opts: RunLocalOptions): Promise<RunLocalOutcome> {
  const loaded = opts.loaded ?? (await loadScenario(opts.scenarioFile));
  const scenario = loaded.scenario;
  const planned = planRun(loaded, { overrides: opts.overrides, thresholds: opts.thresholds, capacity: opts.capacity, cores: availableParallelism() });
  const { plan, options } = planned;
  const target = plan.target;
  const serverMetrics = resolveServerMetrics(options.serverMetrics, opts.overrides.serverMetricsUrls);
  if (planned.warning) opts.log?.(planned.warning);
  await checkTarget(target);
  const feeder = loadFeeder(options.data, dirname(loaded.file));
  // One runner holding every part of the plan: its browser users, and its lite users over `mix.workers` processes.
  const deal = dealParts(plan, [{ capacity: 1, ...(plan.mix ? { lite: { capacity: 1, workers: plan.mix.workers } } : {}) }]);
  const slices = slicesOf(plan.profile, deal, deal.parts[0] as PartDeal['parts'][number]);

  const startedAt = Date.now();
  const registry = new MetricsRegistry({ startedAt });
  const visual = createRunVisual({ dir: opts.overrides.visualDir, ...definedOnly(opts.visual ?? {}) }, { scenario: scenario.name, scenarioSample: options.visualSample, recorder: registry, timeoutMs: plan.settings.actionTimeoutMs, log: opts.log });
  const collector = new RunCollector({ startedAt });
  const calibration = resolveCalibration(opts.capacity?.calibration, scenario.name, opts.log);
  const requested = slices.browser ? peakUsers(slices.browser) : 0;
  if (calibration) {
    const m = capacityMessage(calibration, requested);
    opts.log?.(m.warn ? `WARNING: ${m.text}` : m.text);
  }
  // phoenix_live_view is what the page reports, never our npm copy: the target is any app.
  const playwright = pkgVersion('playwright');
  if (playwright) collector.addVersions({ playwright });
  let lastInterval: Snapshot | undefined;
  let interrupted: string | undefined;
  let loadStartedAt: number | undefined;
  let setupData: unknown;
  let checkpoints: Checkpointer | undefined;
  let server: Results['server'];
  let scraper: ServerScraper | undefined;
  const runner: SliceRun = new SliceRun(
    { loaded, target, settings: plan.settings, browserUsers: slices.browser !== undefined, poolUsers: requested, segments: plan.segments, feeder, data: options.data, dataDir: dirname(loaded.file), globalUserIds: slices.lite.length > 0 },
    {
      startedAt,
      registry,
      calibration,
      ...definedOnly({ prewarm: opts.capacity?.prewarm, governor: opts.capacity?.governor }),
      liteWorkers: opts.liteWorkers,
      launchArgs: opts.launchArgs,
      visual: visual.snapshot,
      log: opts.log,
      // The in-process transport: snapshots go straight into the collector.
      onSnapshot: (s, part) => {
        const source = part ?? 'local';
        collector.add(s, source);
        opts.onSnapshot?.(s, source);
        if (part === undefined) lastInterval = s;
        // The browser users' interval drives the live progress; without them, the first lite worker's does.
        if (part === undefined || (!slices.browser && part === 'lite-0')) progress(s);
      },
      onVersion: (name, value) => collector.addVersions({ [name]: value }),
    },
  );
  const progress = (s: Snapshot) => {
    if (!opts.onProgress) return;
    const h = runner.health.latest();
    const clock = runner.clock() ?? { elapsedMs: Date.now() - startedAt, totalMs: 0 };
    opts.onProgress(
      collector.progress({
        now: Date.now(),
        status: { ...clock, ...runner.status() },
        interval: s,
        health: h ? formatHealthLine(h, runner.health.cores) : undefined,
        saturated: h ? sampleWarnings(h, runner.health.cores).length > 0 : false,
        runners: { live: 1, total: 1, inProcess: true },
        opening: runner.opening(),
      }),
    );
  };
  const resultsAt = (endedAt: number, extra: { interrupted?: string | undefined; server?: Results['server'] }) =>
    collector.results({
      scenario: scenario.name,
      target,
      profile: plan.profile,
      endedAt,
      health: runner.healthSummary(collector.accumulator),
      variants: planned.variants,
      thresholds: planned.thresholds,
      visual: visual.summary(),
      variantMode: planned.variantMode,
      segments: plan.segments,
      loadStartedAt,
      ...extra,
    });
  // No usable browser is one clear error before the load (exit 2), not one user error per iteration.
  await runner.preflight().catch(async (err: unknown) => {
    await runner.close();
    throw err;
  });
  const onAbort = () => {
    interrupted = interruptionNote(opts.signal);
    runner.stop(interrupted);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  runner.startHealth();
  try {
    setupData = await scenario.setup?.({ target, options });
    if (serverMetrics) {
      scraper = new ServerScraper(serverMetrics, startedAt, undefined, () => runner.connectedCounts());
      await scraper.start();
    }
    await runner.prepare(setupData, slices);
    await runner.prewarm(opts.signal);
    if (opts.signal?.aborted) onAbort();
    loadStartedAt = Date.now(); // the profile's clock (phases of intervals) starts here, after launch and setup()
    if (opts.checkpoint) {
      checkpoints = startCheckpoints(opts.checkpoint, () => {
        const now = Date.now();
        return resultsAt(now, { interrupted: [interrupted, checkpointNote(now)].filter(Boolean).join('; ') });
      }, opts.log);
    }
    const outcome = await runner.run();
    interrupted = interrupted ?? outcome?.interrupted;
  } catch (err) {
    // Keep what was measured; the caller reports the error and still gets partial results.
    interrupted = `run failed: ${err instanceof Error ? err.message : String(err)}`;
    if (!lastInterval) registry.error('harness', interrupted);
    collector.add(registry.takeSnapshot(), 'local');
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await checkpoints?.stop();
    server = await scraper?.stop('local');
    try {
      await scenario.teardown?.({ target, options }, setupData);
    } catch (err) {
      opts.log?.(`teardown failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    await runner.close();
  }
  const results = resultsAt(Date.now(), { interrupted, server });
  return { results, passed: results.thresholds.every((t) => t.pass), visual };
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
