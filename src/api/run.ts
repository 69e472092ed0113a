/**
 * `run()`: a whole load run from a script, the same run `rookery run` does (the CLI is a shell over it). It
 * returns at once an awaitable event emitter, autocannon's shape:
 *
 *   const r = run({ scenario: 'scenarios/counter.ts', target: 'http://localhost:4000',
 *                   load: { kind: 'constant', users: 10, duration: '1m' } });
 *   r.on('progress', (p) => console.log(p.iterations));
 *   const results = await r;          // Results, thresholds judged
 *
 * Steps: settle the options (config file under the scenario's options under these), dispatch to the one-machine
 * run or the distributed one (the only place that knows there are two), then the finish both share: visual
 * diffs next to the results file (`Results.visual`), the `results` event, and the reporters' files.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/define.js';
import { expandLoad } from '../load/profile.js';
import { runLocal, type CapacityOptions, type RunLocalOptions, type RunLocalOutcome } from '../load/run-local.js';
import type { CheckpointOptions } from '../load/checkpoint.js';
import type { ProgressState } from '../load/progress-state.js';
import type { VisualRunOptions } from '../visual/run-visual.js';
import type { Results, Snapshot } from '../metrics/model.js';
import { LoadConfigError } from '../common/config-error.js';
import { startLiteWorkers } from '../lite/workers.js';
import { runDistributed, type RunDistributedOptions } from '../cluster/run-distributed.js';
import { LocalBackend } from '../cluster/backends/local.js';
import { resolveConfig, resolveReporters, withConfig, type RookeryConfig } from './config.js';
import { attachVisualArtifacts, writeResultFiles, type RunOutputs } from './outputs.js';
import { checkpointPathFor } from '../report/output-paths.js';

/**
 * Settings of one run. Each one, when given, wins over the scenario's `options` of the same name, which win over
 * the config file; unset everywhere, Rookery's default applies (listed on ScenarioOptions). `thresholds` add to
 * the scenario's and the config's instead.
 */
export type RunSettings = Omit<RunLocalOptions['overrides'], 'visualDir' | 'serverMetricsUrls'> & {
  /** Threshold expressions judged besides the scenario's and the config's, e.g. `lv_errors:count==0`. */
  thresholds?: string[];
};

/** A distributed run (`rookery run --runners N`): runners join a collector in this process. */
export type ClusterRunOptions = Omit<RunDistributedOptions, 'scenarioFile' | 'loaded' | 'overrides' | 'thresholds' | 'onProgress' | 'onRunnerSnapshot' | 'log' | 'signal' | 'checkpoint' | 'backend'> & {
  /** Where runners come from. Default: child processes on this machine (`LocalBackend`). */
  backend?: RunDistributedOptions['backend'];
};

export interface RunOptions<Data = unknown, Row = Record<string, unknown>> extends RunSettings {
  /**
   * What to run: a scenario file (.ts/.js, bundled like `rookery run` does; relative to `cwd`) or a scenario
   * object (`defineScenario({...})`) defined in the script itself. A scenario object runs browser users on this
   * machine; lite users and runners need a file (they load it in other processes).
   */
  scenario: string | Scenario<Data, Row>;
  /** Folder that relative paths and the config search start from. Default `process.cwd()`. */
  cwd?: string;
  /**
   * The project config: a file path, a config object, or `false` for none. Default: `rookery.config.ts` (or
   * .mts/.js/.mjs) found from `cwd` upward to the package root, as `rookery run` does.
   */
  config?: string | RookeryConfig | false;
  /** Files to write at the end (absolute, or relative to `cwd`); they win over the config's reporters. Default: none. */
  reporters?: { json?: string; html?: string };
  /** Write the results so far to `<reporters.json>.partial` this often while the run lasts. Default: off. */
  checkpointMs?: number;
  /** Stops the run gracefully when aborted, keeping the results so far (as `stop()` does). */
  signal?: AbortSignal;
  /** Distributed: a runner count (local child processes), or the collector's options. Default: one machine. */
  runners?: number | ClusterRunOptions;
  /** Ramp governor, pre-warm and calibrated capacity. Default: governor on, no pre-warm, calibration if found. */
  capacity?: CapacityOptions;
  /** Visual checks (u.snapshot): baselines folder (default `visual-baselines`), sample share, mode. */
  visual?: VisualRunOptions;
  /** Extra Chromium switches. */
  launchArgs?: readonly string[];
  /** The scenario already loaded (the CLI loads it first to name its files); wins over `scenario`. */
  loaded?: LoadedScenario;
  /** The `--server-metrics` URLs: replace the URLs of `serverMetrics`, keep its mapping. */
  serverMetricsUrls?: string[];
}

/** The events of a run, with their arguments. */
export interface RunEvents {
  /** Once per interval (one second): users, iterations, errors, the latest interval, harness health. */
  progress: [state: ProgressState];
  /** Every interval snapshot as it is merged; `source` is `local`, `lite-<n>`, or the runner's id. */
  snapshot: [snapshot: Snapshot, source: string];
  /** A line the run would print (warnings, capacity, prewarm, runner events). */
  log: [line: string];
  /** The final Results, thresholds judged, before the reporters write their files. */
  results: [results: Results];
  /** The run ended and its files are written. */
  done: [results: Results];
  /** The run could not start or failed (only emitted when someone listens; the promise rejects either way). */
  error: [error: Error];
}

/**
 * A run in progress: an EventEmitter (see RunEvents) that is also awaitable for its Results. A failure that
 * prevents a run (bad options, unreachable target, no browser) rejects; a failure during the run still resolves,
 * with the partial results and `meta.interrupted` saying why.
 */
export class RunHandle extends EventEmitter<RunEvents> implements PromiseLike<Results> {
  readonly #stopper = new AbortController();
  readonly #done: Promise<Results>;
  #outputs: RunOutputs | undefined;

  /** @internal */
  constructor(body: (handle: RunHandle, signal: AbortSignal) => Promise<{ results: Results; outputs: RunOutputs }>, signal: AbortSignal | undefined) {
    super();
    const stopSignal = signal ? AbortSignal.any([signal, this.#stopper.signal]) : this.#stopper.signal;
    // Started on the next tick, so listeners attached right after run() returns see every event.
    this.#done = new Promise<void>((go) => setImmediate(go))
      .then(() => body(this, stopSignal))
      .then(
        ({ results, outputs }) => {
          this.#outputs = outputs;
          this.emit('done', results);
          return results;
        },
        (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          if (this.listenerCount('error') > 0) this.emit('error', error);
          throw error;
        },
      );
    // A script that only listens for events must not die of an unhandled rejection; awaiting still rejects.
    this.#done.catch(() => undefined);
  }

  /** Stops the run gracefully: users finish (within the graceful stop) and the results so far are kept. */
  stop(): void {
    this.#stopper.abort('stop()');
  }

  /** What the reporters wrote (paths, and whether a file went elsewhere), once the run is done. */
  get outputs(): RunOutputs | undefined {
    return this.#outputs;
  }

  then<A = Results, B = never>(onFulfilled?: ((value: Results) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#done.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Results | B> {
    return this.#done.catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<Results> {
    return this.#done.finally(onFinally);
  }
}

/** Starts a run; see the module comment and RunOptions. */
export function run<Data = unknown, Row = Record<string, unknown>>(options: RunOptions<Data, Row>): RunHandle {
  return new RunHandle((handle, signal) => execute(options as RunOptions, handle, signal), options.signal);
}

async function execute(options: RunOptions, handle: RunHandle, signal: AbortSignal): Promise<{ results: Results; outputs: RunOutputs }> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const log = (line: string): void => {
    handle.emit('log', line);
  };
  const { config } = await resolveConfig(options.config, cwd);
  const loaded = options.loaded ?? (await loadWhat(options.scenario, cwd));
  // The config goes under the scenario's options; `load` becomes the shorthand keys the run resolves.
  const scenarioOptions = expandLoad(withConfig(loaded.scenario.options, config), 'options.load').layer;
  const layered: LoadedScenario = { ...loaded, scenario: { ...loaded.scenario, options: scenarioOptions } };
  const { thresholds, ...settings } = settingsOf(options);
  if (loaded.bundle.code === '' && [settings.liteUsers, settings.liteShare, scenarioOptions.liteUsers, scenarioOptions.liteShare].some((v) => v !== undefined)) {
    throw new LoadConfigError('lite users need a scenario file (lite workers load it in their own processes); pass its path as `scenario`');
  }
  const overrides: RunLocalOptions['overrides'] = {
    ...expandLoad(settings, 'load').layer,
    ...(options.visual?.dir !== undefined ? { visualDir: options.visual.dir } : {}),
    ...(options.serverMetricsUrls ? { serverMetricsUrls: options.serverMetricsUrls } : {}),
  };
  const reporters = resolveReporters({ json: abs(options.reporters?.json, cwd), html: abs(options.reporters?.html, cwd) }, config, loaded.scenario.name);
  const checkpoint: CheckpointOptions | undefined = reporters.json && options.checkpointMs ? { path: checkpointPathFor(reporters.json), everyMs: options.checkpointMs } : undefined;

  const outcome = await dispatch({ options, loaded: layered, overrides, thresholds: thresholds ?? [], checkpoint, signal, handle, log });

  // The finish `run()` and `rookery run` share: the same Results whoever asked.
  const visualWritten = attachVisualArtifacts(outcome.results, outcome.visual, reporters.json, log);
  handle.emit('results', outcome.results);
  const outputs = await writeResultFiles(outcome.results, { ...reporters, partial: checkpoint?.path }, log);
  if (!visualWritten) outputs.failed = true;
  return { results: outcome.results, outputs };
}

interface Dispatch {
  options: RunOptions;
  loaded: LoadedScenario;
  overrides: RunLocalOptions['overrides'];
  thresholds: string[];
  checkpoint: CheckpointOptions | undefined;
  signal: AbortSignal;
  handle: RunHandle;
  log: (line: string) => void;
}

/** One machine (runLocal) or a collector with runners (runDistributed): everything else is shared. */
async function dispatch(d: Dispatch): Promise<RunLocalOutcome> {
  const common = {
    scenarioFile: d.loaded.file,
    loaded: d.loaded,
    overrides: d.overrides,
    thresholds: d.thresholds,
    onProgress: (state: ProgressState) => d.handle.emit('progress', state),
    log: d.log,
    signal: d.signal,
    ...(d.checkpoint ? { checkpoint: d.checkpoint } : {}),
  };
  const { runners } = d.options;
  if (runners === undefined) {
    return runLocal({
      ...common,
      liteWorkers: startLiteWorkers,
      onSnapshot: (s, source) => d.handle.emit('snapshot', s, source),
      ...(d.options.capacity ? { capacity: d.options.capacity } : {}),
      ...(d.options.visual ? { visual: d.options.visual } : {}),
      ...(d.options.launchArgs ? { launchArgs: d.options.launchArgs } : {}),
    });
  }
  if (d.loaded.bundle.code === '') throw new LoadConfigError('runners need a scenario file (they load it in their own processes); pass its path as `scenario`');
  const cluster: ClusterRunOptions = typeof runners === 'number' ? { runners } : runners;
  return runDistributed({
    ...common,
    ...cluster,
    backend: cluster.backend ?? new LocalBackend(),
    onRunnerSnapshot: (id, s) => d.handle.emit('snapshot', s, id),
  });
}

/** A file is bundled and loaded; a scenario object is used as it is (it has no bundle for other processes). */
async function loadWhat(scenario: RunOptions['scenario'], cwd: string): Promise<LoadedScenario> {
  if (typeof scenario === 'string') return loadScenario(resolve(cwd, scenario));
  if (typeof scenario !== 'object' || scenario === null || typeof scenario.user !== 'function' || typeof scenario.name !== 'string') {
    throw new LoadConfigError('run({ scenario }): expected a scenario file path or defineScenario({ name, user })');
  }
  return { scenario, file: resolve(cwd, `inline scenario "${scenario.name}"`), bundle: { code: '', sha256: '' } };
}

/** The run's own settings out of its options (everything that is not about how to run it). */
function settingsOf(options: RunOptions): RunSettings {
  const { scenario: _s, cwd: _c, config: _cf, reporters: _r, checkpointMs: _cp, signal: _sg, runners: _rn, capacity: _ca, visual: _v, launchArgs: _l, loaded: _ld, serverMetricsUrls: _u, ...settings } = options;
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as RunSettings;
}

function abs(path: string | undefined, cwd: string): string | undefined {
  return path === undefined ? undefined : resolve(cwd, path);
}
