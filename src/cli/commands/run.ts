/** `rookery run <scenario.ts>`: one machine, many real-browser users, live progress, results and CI gates. */
import { startLiteWorkers } from '../../lite/workers.js';
import type { Command } from 'commander';
import { runLocal, type RunLocalOptions } from '../../load/run-local.js';
import { loadScenario } from '../../scenario/load.js';
import { checkOutputFlags, reportRun, commonRunFlags, overridesFrom, prepareOutputs, progressPrinter, sigintController, type RunFlags } from '../run-support.js';
import { clusterRunFlags, runClusterCommand, type ClusterFlags } from './run-cluster.js';
import { metricsFlags, startLiveMetrics, type MetricsFlags } from '../metrics-flags.js';
import { capacityFrom, capacityRunFlags, type CapacityFlags } from '../capacity-flags.js';

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('Run a scenario: many real-browser LiveView users by a load profile')
    .argument('<scenario>', 'scenario file (.ts or .js) whose default export is defineScenario({...})');
  capacityRunFlags(metricsFlags(clusterRunFlags(commonRunFlags(cmd)))).action(async (scenarioFile: string, flags: RunFlags & ClusterFlags & MetricsFlags & CapacityFlags) => {
    if (flags.runners !== undefined) {
      process.exitCode = await runClusterCommand(scenarioFile, flags);
      return;
    }
    const overrides = overridesFrom(flags);
    const progress = progressPrinter(flags.quiet ?? false);
    // Loaded first so the default results file can be named and every output checked before a browser starts.
    checkOutputFlags(flags);
    const loaded = await loadScenario(scenarioFile);
    const outputs = prepareOutputs(flags, loaded.scenario.name, progress.log);
    const live = await startLiveMetrics(flags, progress.log);
    const stop = sigintController(progress.log);
    const options: RunLocalOptions = {
      scenarioFile,
      loaded,
      overrides,
      thresholds: flags.threshold ?? [],
      onProgress: live.progress(progress.update),
      log: progress.log,
      signal: stop.signal,
      liteWorkers: startLiteWorkers,
      ...(outputs.checkpoint ? { checkpoint: outputs.checkpoint } : {}),
      capacity: capacityFrom(flags),
    };
    try {
      const outcome = await runLocal(options);
      progress.done();
      process.exitCode = await reportRun(outcome, outputs, progress.log, stop.stoppedBy());
    } finally {
      stop.dispose();
      await live.close();
    }
  });
}
