/**
 * `rookery` command line. Each sub-command lives in ./commands/<name>.ts and registers itself here, so a new
 * command touches one file plus one line below.
 *
 * Exit codes: 0 ok, 1 a threshold failed, 2 a harness or configuration error.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { registerCompare } from './commands/compare.js';
import { registerFixture } from './commands/fixture.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerDemo } from './commands/demo.js';
import { registerRunner } from './commands/runner.js';
import { registerCtl } from './commands/ctl.js';
import { registerBaseline } from './commands/baseline.js';
import { registerSetup } from './commands/setup.js';
import { registerCalibrate } from './commands/calibrate.js';

export const EXIT_OK = 0;
export const EXIT_THRESHOLD = 1;
export const EXIT_ERROR = 2;

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('rookery')
    .description('Load harness for Phoenix LiveView apps, driving real headless Chromium')
    .version(pkg.version)
    .exitOverride()
    .showHelpAfterError('(run `rookery --help` for usage)');
  registerSetup(program);
  registerRun(program);
  registerDemo(program);
  registerFixture(program);
  registerReport(program);
  registerCompare(program);
  registerRunner(program);
  registerCtl(program);
  registerBaseline(program);
  registerCalibrate(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 through here; bad flags exit 2.
      process.exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
      return;
    }
    process.stderr.write(`rookery: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT_ERROR;
  }
}

await main(process.argv);
