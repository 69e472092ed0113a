/**
 * CPU-seconds spent by the harness (this Node process) and its browsers' process trees between two readings: the
 * measuring stick of calibration. Processes that exit between readings lose their last partial interval, so short
 * readings around context *closes* undercount; calibration only measures opens and steady running.
 */
import { CLOCK_TICKS_PER_SECOND, listPids, readMachineCpu, readProcStat, readPssBytes, type CpuTimes } from './procfs.js';
import { ProcessTree } from './tree.js';
import { machineCpuPercent } from './cpu.js';

export interface CpuReading {
  /** Node + browser trees, CPU-seconds since an arbitrary origin (only differences mean something). */
  cpuSeconds: number;
  ticks: Map<string, number>;
  machine: CpuTimes | undefined;
}

export class CpuMeter {
  private readonly tree: ProcessTree;

  constructor(
    private readonly pids: () => readonly number[],
    private readonly procRoot = '/proc',
  ) {
    this.tree = new ProcessTree({ listPids: () => listPids(procRoot), stat: (pid) => readProcStat(pid, procRoot) });
  }

  read(): CpuReading {
    const u = process.cpuUsage();
    const members = this.tree.scan([...this.pids()]).members;
    const ticks = new Map<string, number>();
    for (const p of members) ticks.set(`${p.pid}:${p.startTicks}`, p.cpuTicks);
    return { cpuSeconds: (u.user + u.system) / 1e6, ticks, machine: readMachineCpu(this.procRoot) };
  }

  /** CPU-seconds between two readings (processes born in between count whole; exited ones are lost). */
  static between(a: CpuReading, b: CpuReading): number {
    let ticks = 0;
    for (const [key, t] of b.ticks) ticks += t - (a.ticks.get(key) ?? 0);
    return b.cpuSeconds - a.cpuSeconds + Math.max(0, ticks) / CLOCK_TICKS_PER_SECOND;
  }

  /** Whole-machine CPU between two readings, % of one core. */
  static machinePercent(a: CpuReading, b: CpuReading, cores: number): number | undefined {
    return a.machine && b.machine ? machineCpuPercent(a.machine, b.machine, cores) ?? undefined : undefined;
  }

  /** PSS of the browser trees, bytes (≈1.4 ms per process: for calibration, not every second). */
  pssBytes(): number {
    let sum = 0;
    for (const p of this.tree.scan([...this.pids()]).members) sum += readPssBytes(p.pid, this.procRoot) ?? 0;
    return sum;
  }
}
