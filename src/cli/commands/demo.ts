/**
 * `rookery demo`: the main job on a fresh machine. Starts the built-in fixture app on a free loopback port,
 * runs the bundled demo tour with a modest load, prints the summary, writes results JSON and the HTML report.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { startFixture } from '../../../fixtures/server/index.js';
import { runLocal } from '../../load/run-local.js';
import { commonRunFlags, overridesFrom, progressPrinter, reportRun, sigintController, type RunFlags } from '../run-support.js';

const DEMO_SCENARIO = fileURLToPath(new URL('../../../../scenarios/demo.ts', import.meta.url));

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description('Run the demo tour against the built-in LiveView fixture app (no app of your own needed)')
    .option('--event-delay-ms <n>', 'fixture: server handling time per event', (v) => Number(v), 0)
    .option('--scenario <file>', 'run another scenario against the fixture instead', DEMO_SCENARIO);
  commonRunFlags(cmd).action(async (flags: RunFlags & { eventDelayMs: number; scenario: string }) => {
    const progress = progressPrinter(flags.quiet ?? false);
    const fixture = await startFixture({ port: 0, host: '127.0.0.1', eventDelayMs: flags.eventDelayMs });
    progress.log(`fixture app: ${fixture.url}`);
    const stop = sigintController(progress.log);
    try {
      const outcome = await runLocal({
        scenarioFile: flags.scenario,
        overrides: { ...overridesFrom(flags), target: fixture.url },
        thresholds: flags.threshold ?? [],
        onProgress: progress.update,
        log: progress.log,
        signal: stop.signal,
      });
      progress.done();
      const html = flags.html ?? 'rookery-results/demo-report.html';
      process.exitCode = await reportRun(outcome, { ...flags, out: flags.out ?? 'rookery-results/demo-results.json', html }, progress.log);
    } finally {
      stop.dispose();
      await fixture.close();
    }
  });
}
