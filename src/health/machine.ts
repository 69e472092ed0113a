/** What this machine (or container) can give the harness: the inputs of pool sizing and of the health verdict. */
import { availableParallelism, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { readMemoryInfo } from './procfs.js';

export interface MachineCapacity {
  /** CPU cores usable by this process (affinity, and a cgroup v2 cpu.max quota when one applies). */
  cores: number;
  /** Memory usable by this process (cgroup v2 memory.max when below physical memory). */
  memoryBytes: number;
}

/** `cpu.max` is `"<quota> <period>"` or `"max <period>"`; returns whole cores, undefined when unlimited. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (!Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return undefined;
  return Math.max(1, Math.ceil(q / p));
}

export function machineCapacity(cgroupRoot = '/sys/fs/cgroup'): MachineCapacity {
  let cores = availableParallelism();
  try {
    const quota = parseCpuMax(readFileSync(`${cgroupRoot}/cpu.max`, 'utf8'));
    if (quota !== undefined) cores = Math.min(cores, quota);
  } catch {
    // No cgroup v2 CPU limit visible: affinity is the limit.
  }
  const memoryBytes = readMemoryInfo('/proc', cgroupRoot)?.totalBytes ?? totalmem();
  return { cores, memoryBytes };
}
