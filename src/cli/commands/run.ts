/** `rookery run <scenario.ts>`: one machine, many real-browser users, live progress, results and CI gates. */
import type { Command } from 'commander';
import { commonRunFlags, type RunFlags } from '../run-support.js';
import { clusterRunFlags, runClusterCommand, type ClusterFlags } from './run-cluster.js';
import { metricsFlags, type MetricsFlags } from '../metrics-flags.js';
import { capacityFrom, capacityRunFlags, type CapacityFlags } from '../capacity-flags.js';
import { runScenarioCommand, type ConfigFlags } from '../run-command.js';

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('Run a scenario: many real-browser LiveView users by a load profile')
    .argument('<scenario>', 'scenario file (.ts or .js) whose default export is defineScenario({...})')
    .option('--config <file>', 'project config (default: rookery.config.ts found from the current folder up to the package root)');
  capacityRunFlags(metricsFlags(clusterRunFlags(commonRunFlags(cmd)))).action(async (scenarioFile: string, flags: RunFlags & ClusterFlags & MetricsFlags & CapacityFlags & ConfigFlags) => {
    if (flags.runners !== undefined) {
      process.exitCode = await runClusterCommand(scenarioFile, flags);
      return;
    }
    process.exitCode = await runScenarioCommand(scenarioFile, flags, { capacity: capacityFrom(flags) });
  });
}
