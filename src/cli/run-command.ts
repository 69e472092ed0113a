/**
 * `rookery run` as a shell over the public `run()` (src/api/run.ts): flags become run options, progress and log
 * events go to the terminal, the summary prints on the `results` event (before the files are written), and the
 * Results become an exit code. Local and distributed runs take this same path.
 */
import { loadScenario } from '../scenario/load.js';
import { run, type ClusterRunOptions } from '../api/run.js';
import { resolveConfig, resolveReporters } from '../api/config.js';
import type { CapacityOptions } from '../load/run-local.js';
import { checkOutputFlags, overridesFrom, prepareOutputs, printSummary, progressPrinter, runExitCode, sigintController, signalExitCode, type RunFlags } from './run-support.js';
import { startLiveMetrics, type MetricsFlags } from './metrics-flags.js';

export interface ConfigFlags {
  /** `--config <file>`: the project config (default: rookery.config.ts found from the current folder up). */
  config?: string;
}

export interface RunCommandExtras {
  capacity?: CapacityOptions;
  /** Read no project config (`rookery demo` runs against its own fixture). */
  noConfig?: boolean;
  /** Called once the outputs are checked, before the run: what it returns wins over the flags (the demo's target). */
  beforeRun?: (log: (line: string) => void) => Promise<{ target?: string }>;
  /** A distributed run: the collector's options (backend, runner count, …), given the run's log. */
  cluster?: (log: (line: string) => void) => ClusterRunOptions;
}

/** Runs a scenario for the command line; returns the exit code (see runExitCode). */
export async function runScenarioCommand(scenarioFile: string, flags: RunFlags & MetricsFlags & ConfigFlags, extras: RunCommandExtras = {}): Promise<number> {
  const progress = progressPrinter(flags.quiet ?? false);
  const config = await resolveConfig(extras.noConfig ? false : flags.config, process.cwd());
  // Every output path is checked before the scenario is bundled or a browser starts.
  checkOutputFlags({ ...flags, out: flags.out ?? config.config.reporters?.json?.replaceAll('{scenario}', 'run') });
  const loaded = await loadScenario(scenarioFile);
  const paths = resolveReporters({ json: flags.out, html: flags.html }, config.config, loaded.scenario.name);
  const outputs = prepareOutputs({ ...flags, out: paths.json, html: paths.html }, loaded.scenario.name, progress.log);
  const live = await startLiveMetrics(flags, progress.log);
  const stop = sigintController(progress.log);
  const { visualDir, serverMetricsUrls, ...settings } = overridesFrom(flags);
  try {
    const late = (await extras.beforeRun?.(progress.log)) ?? {};
    const handle = run({
      ...settings,
      ...late,
      scenario: scenarioFile,
      loaded,
      loadedConfig: config,
      thresholds: flags.threshold ?? [],
      reporters: { json: outputs.results, ...(outputs.html ? { html: outputs.html } : {}) },
      ...(outputs.checkpoint ? { checkpointMs: outputs.checkpoint.everyMs } : {}),
      signal: stop.signal,
      ...(extras.capacity ? { capacity: extras.capacity } : {}),
      ...(extras.cluster ? { runners: extras.cluster(progress.log) } : {}),
      ...(visualDir !== undefined ? { visual: { dir: visualDir } } : {}),
      ...(serverMetricsUrls ? { serverMetricsUrls } : {}),
    });
    handle.on('progress', live.progress(progress.update));
    handle.on('log', progress.log);
    handle.on('results', (results) => {
      progress.done();
      for (const r of results.meta.runners ?? []) {
        if (r.lost) progress.log(`runner ${r.id} on ${r.host} was lost at ${r.lostAt ?? '?'}; see errors (cluster.runner_lost)`);
      }
      printSummary(results, progress.log, stop.stoppedBy());
    });
    const results = await handle;
    return runExitCode(results, handle.outputs ?? { failed: false }, progress.log, stop.stoppedBy());
  } catch (err) {
    // A distributed run stopped before the start (waiting for runners): nothing ran; the signal's exit code.
    const sig = stop.stoppedBy();
    if (!extras.cluster || !sig) throw err;
    progress.log(`rookery: ${err instanceof Error ? err.message : String(err)}`);
    return signalExitCode(sig);
  } finally {
    stop.dispose();
    await live.close();
  }
}
