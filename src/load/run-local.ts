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
import { MetricsRegistry } from '../metrics/registry.js';
import type { Results, Interval } from '../metrics/model.js';
import { resolveServerMetrics } from '../server-metrics/scraper.js';
import { pkgVersion } from './run-results.js';
import type { ProgressState } from './progress-state.js';
import { createRunVisual, type VisualRunOptions } from '../visual/run-visual.js';
import type { VisualSession } from '../visual/session.js';
import type { CheckpointOptions } from './checkpoint.js';
import { findCalibration } from './calibration-file.js';
import { capacityMessage, type Calibration } from './capacity.js';
import type { LiteWorkersFactory } from './lite-group.js';
import type { EngineOutcome } from './engine.js';
import { RunCollector } from './run-collector.js';
import { SliceRun, peakUsers, type SliceProfiles } from './slice-run.js';
import { dealParts, definedOnly, planRun, slicesOf, type PartDeal, type PlannedRun, type RunOverrides } from './plan.js';
import { runPipeline, type RunnersSummary, type RunTransport, type StartedRun } from './pipeline.js';

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
  /** Every interval as it is merged, with its source (`local`, or `lite-<n>` for lite workers). */
  onInterval?: (snapshot: Interval, source: string) => void;
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



/**
 * A local run: the plan, one in-process runner executing all of it (slice-run.ts, the code every remote runner
 * uses too), and the pipeline (pipeline.ts) around it, whose collector gets the runner's snapshots directly.
 */
export async function runLocal(opts: RunLocalOptions): Promise<RunLocalOutcome> {
  const loaded = opts.loaded ?? (await loadScenario(opts.scenarioFile));
  const planned = planRun(loaded, { overrides: opts.overrides, thresholds: opts.thresholds, capacity: opts.capacity, cores: availableParallelism() });
  if (planned.warning) opts.log?.(planned.warning);
  await checkTarget(planned.plan.target);
  const transport = new InProcessTransport(loaded, planned, opts);
  const results = await runPipeline(
    { loaded, planned, serverMetrics: resolveServerMetrics(planned.options.serverMetrics, opts.overrides.serverMetricsUrls), checkpoint: opts.checkpoint, signal: opts.signal, visual: () => transport.visual.summary(), log: opts.log },
    transport,
  );
  return { results, passed: results.thresholds.every((t) => t.pass), visual: transport.visual };
}

/** One runner in this process holding every part of the plan; its snapshots go straight into the collector. */
class InProcessTransport implements RunTransport {
  readonly scrapedBy = 'local';
  readonly visual: VisualSession;
  private readonly collector: RunCollector;
  private readonly registry: MetricsRegistry;
  private readonly runner: SliceRun;
  private readonly slices: SliceProfiles;
  private readonly startedAt = Date.now();
  private lastInterval: Interval | undefined;
  private outcome: Promise<EngineOutcome | undefined> | undefined;

  constructor(
    loaded: LoadedScenario,
    planned: PlannedRun,
    private readonly opts: RunLocalOptions,
  ) {
    const { plan, options } = planned;
    const scenario = loaded.scenario;
    // Its browser users, and its lite users over `mix.workers` processes: the whole plan as one runner's slice.
    const deal = dealParts(plan, [{ capacity: 1, ...(plan.mix ? { lite: { capacity: 1, workers: plan.mix.workers } } : {}) }]);
    this.slices = slicesOf(plan.profile, deal, deal.parts[0] as PartDeal['parts'][number]);
    this.registry = new MetricsRegistry({ startedAt: this.startedAt });
    this.visual = createRunVisual({ dir: opts.overrides.visualDir, ...definedOnly(opts.visual ?? {}) }, { scenario: scenario.name, scenarioSample: options.visualSample, recorder: this.registry, timeoutMs: plan.settings.actionTimeoutMs, log: opts.log });
    this.collector = new RunCollector({ startedAt: this.startedAt });
    // phoenix_live_view is what the page reports, never our npm copy: the target is any app.
    const playwright = pkgVersion('playwright');
    if (playwright) this.collector.addVersions({ playwright });
    const calibration = resolveCalibration(opts.capacity?.calibration, scenario.name, opts.log);
    const requested = this.slices.browser ? peakUsers(this.slices.browser) : 0;
    if (calibration) {
      const m = capacityMessage(calibration, requested);
      opts.log?.(m.warn ? `WARNING: ${m.text}` : m.text);
    }
    const hasBrowser = this.slices.browser !== undefined;
    this.runner = new SliceRun(
      { loaded, target: plan.target, settings: plan.settings, browserUsers: hasBrowser, poolUsers: requested, segments: plan.segments, feeder: loadFeeder(options.data, dirname(loaded.file)), data: options.data, dataDir: dirname(loaded.file), globalUserIds: this.slices.lite.length > 0 },
      {
        startedAt: this.startedAt,
        registry: this.registry,
        calibration,
        ...definedOnly({ prewarm: opts.capacity?.prewarm, governor: opts.capacity?.governor }),
        liteWorkers: opts.liteWorkers,
        launchArgs: opts.launchArgs,
        visual: this.visual.snapshot,
        log: opts.log,
        onInterval: (s, part) => {
          const source = part ?? 'local';
          this.collector.add(s, source);
          opts.onInterval?.(s, source);
          if (part === undefined) this.lastInterval = s;
          // The browser users' interval drives the live progress; without them, the first lite worker's does.
          if (part === undefined || (!hasBrowser && part === 'lite-0')) this.progress(s);
        },
        onVersion: (name, value) => this.collector.addVersions({ [name]: value }),
      },
    );
  }

  async open(): Promise<void> {
    // No usable browser is one clear error before the load (exit 2), not one user error per iteration.
    await this.runner.preflight();
    this.runner.startHealth();
  }

  async prepare(setupData: unknown, signal: AbortSignal | undefined): Promise<void> {
    await this.runner.prepare(setupData, this.slices);
    await this.runner.prewarm(signal);
  }

  start(): StartedRun {
    const loadStartedAt = Date.now(); // the profile's clock (phases of intervals) starts here, after launch and setup()
    this.outcome = this.runner.run();
    return { collector: this.collector, loadStartedAt };
  }

  async finished(): Promise<string | undefined> {
    return (await this.outcome)?.interrupted;
  }

  stop(reason: string): void {
    this.runner.stop(reason);
  }

  summary(): RunnersSummary {
    return { health: this.runner.healthSummary(this.collector.accumulator) };
  }

  keepOnFailure(message: string): RunCollector {
    if (!this.lastInterval) this.registry.error('harness', message);
    this.collector.add(this.registry.takeInterval(), 'local');
    return this.collector;
  }

  connectedSample(): ReturnType<SliceRun['connectedSample']> {
    return this.runner.connectedSample();
  }

  end(): void {}

  async close(): Promise<void> {
    await this.runner.close();
  }

  private progress(s: Interval): void {
    const { runner, opts } = this;
    if (!opts.onProgress) return;
    const h = runner.healthNow();
    const clock = runner.clock() ?? { elapsedMs: Date.now() - this.startedAt, totalMs: 0 };
    opts.onProgress(
      this.collector.progress({
        now: Date.now(),
        status: { ...clock, ...runner.status() },
        interval: s,
        health: h?.line,
        saturated: h?.saturated ?? false,
        runners: { live: 1, total: 1, inProcess: true },
        opening: runner.opening(),
      }),
    );
  }
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
