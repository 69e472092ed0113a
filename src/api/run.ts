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
import type { LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/define.js';
import type { CapacityOptions, RunLocalOptions } from '../load/run-local.js';
import type { ProgressState } from '../load/progress-state.js';
import type { VisualRunOptions } from '../visual/run-visual.js';
import type { Results, Interval } from '../metrics/model.js';
import type { RunDistributedOptions } from '../cluster/run-distributed.js';
import type { LoadedConfig, RookeryConfig } from './config.js';
import type { RunOutputs } from './outputs.js';

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
export type ClusterRunOptions = Omit<RunDistributedOptions, 'scenarioFile' | 'loaded' | 'overrides' | 'thresholds' | 'onProgress' | 'onRunnerInterval' | 'log' | 'signal' | 'checkpoint' | 'backend'> & {
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
  /** The config already resolved and checked (the CLI reads it first to place its files); wins over `config`. */
  loadedConfig?: LoadedConfig;
  /** The `--server-metrics` URLs: replace the URLs of `serverMetrics`, keep its mapping. */
  serverMetricsUrls?: string[];
}

/** The events of a run, with their arguments. */
export interface RunEvents {
  /** Once per interval (one second): users, iterations, errors, the latest interval, harness health. */
  progress: [state: ProgressState];
  /** Every interval as it is merged; `source` is `local`, `lite-<n>`, or the runner's id. */
  interval: [interval: Interval, source: string];
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
  // The run's machinery (Playwright, the cluster) loads on first use: importing 'rookery' stays light for scenario
  // files, config files and lite workers, which only need defineScenario and friends.
  return new RunHandle(async (handle, signal) => (await import('./execute.js')).execute(options as RunOptions, handle, signal), options.signal);
}
