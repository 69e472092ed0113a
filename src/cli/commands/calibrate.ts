/** `rookery calibrate <scenario>`: measure what one user of a scenario costs on this machine, and how many fit. */
import type { Command } from 'commander';
import { DEFAULT_CALIBRATE_STEADY_MS, calibrate, describeCalibration } from '../../load/calibrate.js';
import { calibrationPath, writeCalibration } from '../../load/calibration-file.js';
import { formatDuration, parseDuration } from '../../load/duration.js';
import { DEFAULT_LITE_CALIBRATE_USERS, calibrateLite } from '../../lite/calibrate.js';

interface CalibrateFlags {
  target?: string;
  users?: string;
  duration?: string;
  out?: string;
  lite?: boolean;
  liteUsers?: string;
}

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('Measure CPU per context open, CPU per user and per action, memory per user; say how many users this machine holds')
    .argument('<scenario>', 'scenario file (.ts or .js)')
    .option('--target <url>', 'base URL of the app (overrides options.target)')
    .option('--users <n>', 'users measured at once (default: 2 per core, 2..8)')
    .option('--duration <duration>', 'steady measuring time (browser and lite users alike)', formatDuration(DEFAULT_CALIBRATE_STEADY_MS))
    .option('--lite', 'also measure lite users (one lite worker process): CPU per connect, per user and per action, memory per user')
    .option('--lite-users <n>', `lite users measured with --lite (half first, then all; default ${DEFAULT_LITE_CALIBRATE_USERS})`)
    .option('--out <file>', 'where to write it (default .rookery/calibration-<scenario>.json, which `rookery run` reads)')
    .action(async (scenarioFile: string, flags: CalibrateFlags) => {
      const users = flags.users === undefined ? undefined : Number(flags.users);
      if (users !== undefined && (!Number.isInteger(users) || users < 1)) throw new Error(`--users: ${JSON.stringify(flags.users)} is not a whole number ≥ 1`);
      const liteUsers = flags.liteUsers === undefined ? undefined : Number(flags.liteUsers);
      if (liteUsers !== undefined && (!Number.isInteger(liteUsers) || liteUsers < 2)) throw new Error(`--lite-users: ${JSON.stringify(flags.liteUsers)} is not a whole number ≥ 2`);
      if (liteUsers !== undefined && !flags.lite) throw new Error('--lite-users needs --lite');
      const steadyMs = flags.duration === undefined ? undefined : parseDuration(flags.duration, '--duration');
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const c = await calibrate({ scenarioFile, target: flags.target, users, steadyMs, log });
      if (flags.lite) c.lite = await calibrateLite({ scenarioFile, target: flags.target, users: liteUsers, steadyMs, log });
      const file = writeCalibration(c, flags.out ?? calibrationPath(c.scenario));
      process.stdout.write(`${describeCalibration(c)}\nwritten: ${file}\n`);
    });
}
