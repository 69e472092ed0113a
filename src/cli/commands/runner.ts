/** `rookery runner --join ws://HOST:PORT`: a runner agent for distributed runs (see src/cluster/runner.ts). */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputPath } from '../../report/output-paths.js';
import { RUNNER_DEFAULTS, runRunnerAgent } from '../../cluster/runner.js';
import { startLiteWorkers } from '../../lite/workers.js';
import { checkToken } from '../../cluster/auth.js';
import { formatDuration, parseDuration } from '../../load/duration.js';
import { sigintController } from '../run-support.js';
import { wholeNumber } from '../flag-parsers.js';
import { readCalibration } from '../../load/calibration-file.js';
import { liteCapacity } from '../../load/capacity.js';
import { machineCapacity } from '../../health/machine.js';

interface RunnerFlags {
  join: string;
  token?: string;
  tokenFile?: string;
  capacity?: number;
  liteCapacity?: number;
  liteWorkers?: number;
  calibration?: string;
  browserEndpoint?: string;
  partialDir?: string;
  name?: string;
  connectTimeout?: string;
  idleTimeout?: string;
  grace?: string;
  quiet?: boolean;
}

function readTokenFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`--token-file: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * --capacity / --lite-capacity win; else a calibration's measured capacities (browser users; lite users when it was
 * measured with `calibrate --lite`); else the runner's defaults (memory estimate; workers × LITE_USERS_PER_WORKER).
 */
function capacityOf(flags: RunnerFlags, log: (line: string) => void): { capacity?: number; liteCapacity?: number } {
  const c = flags.calibration !== undefined && (flags.capacity === undefined || flags.liteCapacity === undefined) ? readCalibration(flags.calibration) : undefined;
  const out: { capacity?: number; liteCapacity?: number } = {};
  if (flags.capacity !== undefined) out.capacity = flags.capacity;
  else if (c) {
    log(`capacity ${c.capacityUsers} users of ${c.scenario} (calibrated ${c.measuredAt}, limited by ${c.limitedBy})`);
    out.capacity = Math.max(1, c.capacityUsers);
  }
  if (flags.liteCapacity !== undefined) out.liteCapacity = flags.liteCapacity;
  else if (c?.lite) {
    out.liteCapacity = liteCapacity(c, machineCapacity());
    log(`lite capacity ${out.liteCapacity} users of ${c.scenario} (calibrated ${c.measuredAt})`);
  }
  return out;
}

export function registerRunner(program: Command): void {
  program
    .command('runner')
    .description('Join a distributed run as a runner: dial the collector, run its scenario slice, stream results')
    .requiredOption('--join <url>', 'the collector, ws://HOST:PORT')
    .option('--token <token>', 'the run token (default: $ROOKERY_TOKEN; prefer the environment: argv is visible to other users)')
    .option('--token-file <path>', 'read the run token from this file (what `--backend manual` tells you to copy)')
    .option('--capacity <n>', 'users this runner can hold (its weight; default: what memory holds)', wholeNumber('--capacity', 1))
    .option('--lite-capacity <n>', 'lite users this runner can hold (their weight; default --lite-workers × LITE_USERS_PER_WORKER = 500; 0: none)', wholeNumber('--lite-capacity', 0))
    .option('--lite-workers <n>', 'lite worker processes for lite users (default: one per core)', wholeNumber('--lite-workers', 1))
    .option('--calibration <file>', 'capacities measured by `rookery calibrate` (and `calibrate --lite`) on this machine (used when --capacity / --lite-capacity are not given)')
    .option('--browser-endpoint <url>', 'drive browsers here (Playwright server ws://… or CDP http://…:9222) instead of launching them')
    .option('--partial-dir <dir>', 'where partial results go if the collector is lost', RUNNER_DEFAULTS.partialDir)
    .option('--name <name>', 'how this runner is shown (default host-pid)')
    .option('--connect-timeout <duration>', 'keep dialling the collector this long', formatDuration(RUNNER_DEFAULTS.connectTimeoutMs))
    .option('--idle-timeout <duration>', 'leave when joined but given no work for this long', formatDuration(RUNNER_DEFAULTS.idleTimeoutMs))
    .option('--grace <duration>', 'after losing the collector, users get this long to finish', formatDuration(RUNNER_DEFAULTS.collectorLossGraceMs))
    .option('--quiet', 'only problems on stderr')
    .action(async (flags: RunnerFlags) => {
      // Where partial results would go if the collector is lost: checked now, not when they are needed.
      checkOutputPath(join(flags.partialDir ?? RUNNER_DEFAULTS.partialDir, 'partial.json'), '--partial-dir');
      const token = checkToken(flags.token ?? (flags.tokenFile ? readTokenFile(flags.tokenFile) : process.env.ROOKERY_TOKEN));
      // The collector (our parent with the local backend) may be gone: writing to its pipes must not kill us.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
      const prefix = `[runner ${flags.name ?? process.pid}]`;
      const log = (line: string) => {
        if (flags.quiet && !/lost|protocol error|fail|refused|cannot|could not|partial|exiting/i.test(line)) return;
        process.stderr.write(`${prefix} ${line}\n`);
      };
      const stop = sigintController(log);
      try {
        const result = await runRunnerAgent({
          join: flags.join,
          token,
          ...capacityOf(flags, log),
          liteWorkersFactory: startLiteWorkers,
          ...(flags.liteWorkers !== undefined ? { liteWorkers: flags.liteWorkers } : {}),
          ...(flags.browserEndpoint ? { browserEndpoint: flags.browserEndpoint } : {}),
          ...(flags.partialDir ? { partialDir: flags.partialDir } : {}),
          ...(flags.name ? { name: flags.name } : {}),
          ...(flags.connectTimeout ? { connectTimeoutMs: parseDuration(flags.connectTimeout, '--connect-timeout') } : {}),
          ...(flags.idleTimeout ? { idleTimeoutMs: parseDuration(flags.idleTimeout, '--idle-timeout') } : {}),
          ...(flags.grace ? { collectorLossGraceMs: parseDuration(flags.grace, '--grace') } : {}),
          log,
          signal: stop.signal,
        });
        if (result.exitCode !== 0) log(`exiting: ${result.reason}`);
        process.exitCode = result.exitCode;
      } finally {
        stop.dispose();
      }
      // Everything is closed; a stray handle must not keep a finished runner (or its pod) alive.
      setTimeout(() => process.exit(), 2_000).unref();
    });
}
