/**
 * `rookery demo`: the main job on a fresh machine. Starts the built-in fixture app on a free loopback port,
 * runs the bundled demo tour with a modest load, prints the summary, writes results JSON and the HTML report.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { commonRunFlags, type RunFlags } from '../run-support.js';
import { runScenarioCommand } from '../run-command.js';

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
  // No --target: the demo runs against the fixture it starts (a --target would be silently overridden).
  commonRunFlags(cmd, { target: false }).action(async (flags: RunFlags & { eventDelayMs: number; scenario: string }) => {
    let fixture: { url: string; child: ChildProcess } | undefined;
    try {
      process.exitCode = await runScenarioCommand(
        flags.scenario,
        { ...flags, out: flags.out ?? 'rookery-results/demo-results.json', html: flags.html ?? 'rookery-results/demo-report.html' },
        {
          noConfig: true,
          beforeRun: async (log) => {
            fixture = await startFixtureProcess(flags.eventDelayMs);
            log(`fixture app: ${fixture.url}`);
            return { target: fixture.url };
          },
        },
      );
    } finally {
      fixture?.child.kill('SIGTERM');
    }
  });
}
