/** `rookery calibrate <scenario>`: measure what one user of a scenario costs on this machine, and how many fit. */
import type { Command } from 'commander';
import { calibrate, describeCalibration } from '../../load/calibrate.js';
import { calibrationPath, writeCalibration } from '../../load/calibration-file.js';
import { parseDuration } from '../../load/duration.js';

interface CalibrateFlags {
  target?: string;
  users?: string;
  duration?: string;
  out?: string;
}

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('Measure CPU per context open, CPU per user and per action, memory per user; say how many users this machine holds')
    .argument('<scenario>', 'scenario file (.ts or .js)')
    .option('--target <url>', 'base URL of the app (overrides options.target)')
    .option('--users <n>', 'users measured at once (default: 2 per core, 2..8)')
    .option('--duration <duration>', 'steady measuring time (default 20s)')
    .option('--out <file>', 'where to write it (default .rookery/calibration-<scenario>.json, which `rookery run` reads)')
    .action(async (scenarioFile: string, flags: CalibrateFlags) => {
      const users = flags.users === undefined ? undefined : Number(flags.users);
      if (users !== undefined && (!Number.isInteger(users) || users < 1)) throw new Error(`--users: ${JSON.stringify(flags.users)} is not a whole number ≥ 1`);
      const c = await calibrate({
        scenarioFile,
        target: flags.target,
        users,
        steadyMs: flags.duration === undefined ? undefined : parseDuration(flags.duration, '--duration'),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const file = writeCalibration(c, flags.out ?? calibrationPath(c.scenario));
      process.stdout.write(`${describeCalibration(c)}\nwritten: ${file}\n`);
    });
}
