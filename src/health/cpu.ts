/**
 * CPU percentages from tick counters, as pure functions (tested with synthetic /proc readings).
 *
 * A share of the machine can never exceed cores × 100 %. Three things made the old sampler report more (373 % of
 * Chromium on 2 cores): the ticks were read up to hundreds of ms after the wall-clock stamp they were divided by (the
 * reads yield to a lagging event loop), a process first seen mid-run had its whole lifetime counted in one interval,
 * and /proc/stat's iowait may go backwards. Here every window is the time between the two tick reads, a process
 * is counted whole only if it started after the previous read, and each result is clamped to [0, cores × 100]
 * (tick quantisation: ±1 tick per process per window).
 */
import { CLOCK_TICKS_PER_SECOND, type CpuTimes, type ProcStat } from './procfs.js';

/** Tick counts of a process tree at one moment. */
export interface TreeTicks {
  /** `${pid}:${startTicks}` → utime + stime, so a reused pid is a new process. */
  ticks: Map<string, number>;
  /** When the ticks were read: monotonic ms (performance.now()). */
  atMs: number;
  /** The same moment as clock ticks since boot (/proc/uptime), to tell processes born since from older ones. */
  uptimeTicks: number;
}

export function treeTicks(members: readonly ProcStat[], atMs: number, uptimeTicks: number): TreeTicks {
  const ticks = new Map<string, number>();
  for (const p of members) ticks.set(`${p.pid}:${p.startTicks}`, p.cpuTicks);
  return { ticks, atMs, uptimeTicks };
}

/**
 * CPU of a process tree between two readings, % of one core, clamped to [0, cores × 100]. A process absent from
 * `prev` counts in full when it started after `prev` was read; otherwise (it existed but was not in the tree then,
 * e.g. a browser registered late) only its later deltas count. A process that exited loses its last partial window.
 */
export function treeCpuPercent(prev: TreeTicks, now: TreeTicks, cores: number): number {
  const windowMs = now.atMs - prev.atMs;
  if (!(windowMs > 0)) return 0;
  let delta = 0;
  for (const [key, t] of now.ticks) {
    const before = prev.ticks.get(key);
    if (before !== undefined) delta += Math.max(0, t - before);
    else if (startOf(key) >= prev.uptimeTicks) delta += t;
  }
  const percent = ((delta / CLOCK_TICKS_PER_SECOND) * 1000 * 100) / windowMs;
  return clampCores(percent, cores);
}

function startOf(key: string): number {
  return Number(key.slice(key.indexOf(':') + 1));
}

/** Whole-machine CPU from two /proc/stat readings, % of `cores` cores (top's convention). */
export function machineCpuPercent(prev: CpuTimes, now: CpuTimes, cores: number): number | null {
  const total = now.totalTicks - prev.totalTicks;
  if (!(total > 0)) return null;
  // iowait (part of idle here) is documented to go backwards at times, which would make busy > total.
  const busy = Math.min(total, Math.max(0, now.busyTicks - prev.busyTicks));
  return clampCores((busy / total) * Math.max(1, cores) * 100, cores);
}

/** Node's own CPU from two process.cpuUsage() readings taken `windowMs` apart. */
export function nodeCpuPercent(prev: NodeJS.CpuUsage, now: NodeJS.CpuUsage, windowMs: number, cores: number): number {
  if (!(windowMs > 0)) return 0;
  const micros = now.user - prev.user + (now.system - prev.system);
  return clampCores((micros / 1000 / windowMs) * 100, cores);
}

export function clampCores(percent: number, cores: number): number {
  if (!Number.isFinite(percent) || percent < 0) return 0;
  return Math.min(percent, Math.max(1, cores) * 100);
}
