/**
 * `rookery demo`: the main job on a fresh machine. Starts the built-in fixture app on a free loopback port,
 * runs the bundled demo tour with a modest load, prints the summary, writes results JSON and the HTML report.
 */
import { startLiteWorkers } from '../../lite/workers.js';
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { runLocal } from '../../load/run-local.js';
import { checkOutputFlags, commonRunFlags, overridesFrom, prepareOutputs, progressPrinter, reportRun, sigintController, type RunFlags } from '../run-support.js';
import { loadScenario } from '../../scenario/load.js';

const DEMO_SCENARIO = fileURLToPath(new URL('../../../../scenarios/demo.ts', import.meta.url));
const BIN = fileURLToPath(new URL('../../../../bin/rookery.js', import.meta.url));

/**
 * The fixture runs in its own process, like a real app would: in-process, its CPU would show up as the
 * harness's own event-loop lag and CPU and spoil the saturation verdict.
 */
async function startFixtureProcess(eventDelayMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'fixture', '--port', '0', '--host', '127.0.0.1', '--event-delay-ms', String(eventDelayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the fixture app did not start within 15 s')), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the fixture app exited (code ${code}) before listening`));
    });
  });
  return { url, child };
}

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description('Run the demo tour against the built-in LiveView fixture app (no app of your own needed)')
    .option('--event-delay-ms <n>', 'fixture: server handling time per event', (v) => Number(v), 0)
    .option('--scenario <file>', 'run another scenario against the fixture instead', DEMO_SCENARIO);
  commonRunFlags(cmd).action(async (flags: RunFlags & { eventDelayMs: number; scenario: string }) => {
    const progress = progressPrinter(flags.quiet ?? false);
    const paths = { ...flags, out: flags.out ?? 'rookery-results/demo-results.json', html: flags.html ?? 'rookery-results/demo-report.html' };
    checkOutputFlags(paths);
    const loaded = await loadScenario(flags.scenario);
    const outputs = prepareOutputs(paths, loaded.scenario.name, progress.log);
    const fixture = await startFixtureProcess(flags.eventDelayMs);
    progress.log(`fixture app: ${fixture.url}`);
    const stop = sigintController(progress.log);
    try {
      const outcome = await runLocal({
        scenarioFile: flags.scenario,
        loaded,
        ...(outputs.checkpoint ? { checkpoint: outputs.checkpoint } : {}),
        overrides: { ...overridesFrom(flags), target: fixture.url },
        thresholds: flags.threshold ?? [],
        onProgress: progress.update,
        log: progress.log,
        signal: stop.signal,
        liteWorkers: startLiteWorkers,
      });
      progress.done();
      process.exitCode = await reportRun(outcome, outputs, progress.log, stop.stoppedBy());
    } finally {
      stop.dispose();
      fixture.child.kill('SIGTERM');
    }
  });
}
