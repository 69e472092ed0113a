/**
 * What `run()` (run.ts) does once started: settle the options (config file under the scenario's options under the
 * caller's), dispatch to the one-machine run or the distributed one (the only place that knows there are two),
 * then the finish both share: visual diffs next to the results file (`Results.visual`), the `results` event, and
 * the reporters' files. Loaded lazily by run() so that importing 'rookery' does not load Playwright.
 */
import { resolve } from 'node:path';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { expandLoad, resolveProfile } from '../load/profile.js';
import { runLocal, type RunLocalOptions, type RunLocalOutcome } from '../load/run-local.js';
import type { CheckpointOptions } from '../load/checkpoint.js';
import type { ProgressState } from '../load/progress-state.js';
import type { Results } from '../metrics/model.js';
import { LoadConfigError } from '../common/config-error.js';
import { startLiteWorkers } from '../lite/workers.js';
import { runDistributed } from '../cluster/run-distributed.js';
import { LocalBackend } from '../cluster/backends/local.js';
import { checkpointPathFor } from '../report/output-paths.js';
import { resolveConfig, resolveReporters, withConfig } from './config.js';
import { attachVisualArtifacts, writeResultFiles, type RunOutputs } from './outputs.js';
import type { ClusterRunOptions, RunHandle, RunOptions, RunSettings } from './run.js';

export async function execute(options: RunOptions, handle: RunHandle, signal: AbortSignal): Promise<{ results: Results; outputs: RunOutputs }> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const log = (line: string): void => {
    handle.emit('log', line);
  };
  const { config } = options.loadedConfig ?? (await resolveConfig(options.config, cwd));
  const loaded = options.loaded ?? (await loadWhat(options.scenario, cwd));
  const configured = withConfig(loaded.scenario.options, config);
  const { thresholds, ...settings } = settingsOf(options);
  // Checked here first so that a mistake inside `load` is named as the user wrote it (`options.load.users`).
  // (`--users 0 --lite-users N` runs lite users only: the run sets the user count itself, see runLocal.)
  const liteOnly = settings.users === 0 && (settings.liteUsers ?? configured.liteUsers ?? 0) > 0;
  resolveProfile(configured, liteOnly ? { ...settings, users: undefined } : settings, { overrides: options.loaded ? 'flags' : 'options' });
  // The config goes under the scenario's options; `load` becomes the shorthand keys the run resolves.
  const scenarioOptions = expandLoad(configured, 'options.load').layer;
  const layered: LoadedScenario = { ...loaded, scenario: { ...loaded.scenario, options: scenarioOptions } };
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
      onInterval: (s, source) => d.handle.emit('interval', s, source),
      ...(d.options.capacity ? { capacity: d.options.capacity } : {}),
      ...(d.options.visual ? { visual: d.options.visual } : {}),
      ...(d.options.launchArgs ? { launchArgs: d.options.launchArgs } : {}),
    });
  }
  if (d.loaded.bundle.code === '') throw new LoadConfigError('runners need a scenario file (they load it in their own processes); pass its path as `scenario`');
  const cluster: ClusterRunOptions = typeof runners === 'number' ? { runners } : runners;
  // Pre-warm and the governor apply to each runner's own pool (a calibration is each runner's: `rookery runner --calibration`).
  const capacity = cluster.capacity ?? (d.options.capacity ? { ...(d.options.capacity.prewarm !== undefined ? { prewarm: d.options.capacity.prewarm } : {}), ...(d.options.capacity.governor !== undefined ? { governor: d.options.capacity.governor } : {}) } : undefined);
  return runDistributed({
    ...common,
    ...cluster,
    ...(capacity ? { capacity } : {}),
    backend: cluster.backend ?? new LocalBackend(),
    onRunnerInterval: (id, s) => d.handle.emit('interval', s, id),
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
