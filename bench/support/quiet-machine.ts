/**
 * Waits for the shared machine to be quiet before a measurement: other people's test runs on a 2-core box would
 * otherwise show up as our latency. "Quiet" is judged on CPU actually used by anyone over a few seconds while
 * none of our load runs — not on the load average alone, which our own previous step keeps high for minutes
 * (hundreds of renderer threads count as runnable). Both are recorded. Bounded: after `retries` waits it
 * measures anyway and says so.
 */
import { loadavg } from 'node:os';
import { readMachineCpu } from '../../src/health/procfs.js';

export interface QuietOptions {
  /** Highest acceptable CPU use by everything on the machine, % of one core (200 = both cores of two). */
  maxBusyPercent: number;
  /** Sample length for that CPU reading. */
  sampleMs?: number;
  waitMs: number;
  retries: number;
  log: (line: string) => void;
}

export interface QuietOutcome {
  load1: number;
  /** Machine CPU busy just before the step, % of one core. */
  busyPercent: number;
  waitedMs: number;
  /** False when the retries ran out and the measurement goes ahead on a busy machine. */
  quiet: boolean;
}

export async function machineBusyPercent(sampleMs: number): Promise<number> {
  const a = readMachineCpu();
  const cores = Math.max(1, (await import('node:os')).cpus().length);
  await new Promise((r) => setTimeout(r, sampleMs));
  const b = readMachineCpu();
  if (!a || !b || b.totalTicks <= a.totalTicks) return 0;
  return ((b.busyTicks - a.busyTicks) / (b.totalTicks - a.totalTicks)) * cores * 100;
}

export async function waitForQuietMachine(opts: QuietOptions): Promise<QuietOutcome> {
  const t0 = Date.now();
  for (let attempt = 0; ; attempt++) {
    const busyPercent = await machineBusyPercent(opts.sampleMs ?? 5_000);
    const load1 = loadavg()[0] ?? 0;
    if (busyPercent <= opts.maxBusyPercent) return { load1, busyPercent, waitedMs: Date.now() - t0, quiet: true };
    if (attempt >= opts.retries) {
      opts.log(`machine still busy (${busyPercent.toFixed(0)} % CPU, load ${load1.toFixed(2)}) after ${attempt} waits: measuring anyway`);
      return { load1, busyPercent, waitedMs: Date.now() - t0, quiet: false };
    }
    opts.log(`machine busy: ${busyPercent.toFixed(0)} % CPU used by others (load ${load1.toFixed(2)}): waiting ${Math.round(opts.waitMs / 1000)} s (${attempt + 1}/${opts.retries})`);
    await new Promise((r) => setTimeout(r, opts.waitMs));
  }
}

export function currentLoad(): number {
  return loadavg()[0] ?? 0;
}
