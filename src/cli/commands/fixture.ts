/** `rookery fixture`: serve the built-in LiveView fixture app (fixtures/server) until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { parseLvBytes, startFixture } from '../../../fixtures/server/index.js';

interface FixtureFlags {
  port: string;
  host: string;
  eventDelayMs: string;
  jitterMs: string;
  seed: string;
  maxRecords: string;
  lvBytes?: string;
  memoryBaseBytes: string;
  heartbeatMs?: string;
  allowRemote?: boolean;
}

/** Loopback is the contract: the fixture has no auth and exposes its ground truth. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

function parseNumber(flag: string, value: string, opts: { integer?: boolean; max?: number } = {}): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (opts.integer && !Number.isInteger(n)) || (opts.max !== undefined && n > opts.max)) {
    throw new Error(`${flag} must be a non-negative ${opts.integer ? 'integer' : 'number'}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function registerFixture(program: Command): void {
  program
    .command('fixture')
    .description('Start the built-in LiveView fixture app on loopback')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4000')
    .option('--host <host>', 'interface to bind (loopback by default)', '127.0.0.1')
    .option('--event-delay-ms <ms>', 'server handling time added to every event', '0')
    .option('--jitter-ms <ms>', 'extra uniform random delay in [0, ms] per event', '0')
    .option('--seed <n>', 'seed for glitches and jitter', '1')
    .option('--max-records <n>', 'ground-truth ring buffer size', '100000')
    .option('--lv-bytes <spec>', 'synthetic server memory per connected LiveView at /metrics, by route: /stream=20000,/list=60000,*=50000')
    .option('--memory-base-bytes <n>', 'synthetic server memory with no LiveView connected', String(64 * 1024 * 1024))
    .option('--heartbeat-ms <ms>', "the pages' Phoenix heartbeat interval (default: phoenix.js's 30 s)")
    .option('--allow-remote', 'allow binding a non-loopback interface (the fixture has no authentication)')
    .action(async (flags: FixtureFlags) => {
      if (!isLoopbackHost(flags.host) && !flags.allowRemote) {
        throw new Error(`refusing to bind ${flags.host}: not a loopback address (pass --allow-remote to override)`);
      }
      const fixture = await startFixture({
        port: parseNumber('--port', flags.port, { integer: true, max: 65535 }),
        host: flags.host,
        eventDelayMs: parseNumber('--event-delay-ms', flags.eventDelayMs),
        jitterMs: parseNumber('--jitter-ms', flags.jitterMs),
        seed: parseNumber('--seed', flags.seed, { integer: true }),
        maxRecords: parseNumber('--max-records', flags.maxRecords, { integer: true }),
        lvBytes: flags.lvBytes === undefined ? {} : parseLvBytes(flags.lvBytes),
        memoryBaseBytes: parseNumber('--memory-base-bytes', flags.memoryBaseBytes),
        ...(flags.heartbeatMs === undefined ? {} : { heartbeatIntervalMs: parseNumber('--heartbeat-ms', flags.heartbeatMs, { integer: true }) }),
      });
      process.stdout.write(`Rookery fixture listening on ${fixture.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await fixture.close();
    });
}
