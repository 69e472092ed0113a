/**
 * The `rookery` program: every sub-command registered, nothing parsed. Kept apart from main.ts (which runs it)
 * so a test can read the registered flags and hold them against the README's Command line section.
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';
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

// The package's own manifest by self-reference: the same from src/ (tests) and dist/ (the built CLI).
const pkg = createRequire(import.meta.url)('rookery/package.json') as { version: string };

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
