import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { machineCpuPercent, nodeCpuPercent, treeCpuPercent, treeTicks } from '../../src/health/cpu.js';
import type { ProcStat } from '../../src/health/procfs.js';
import { HealthSampler } from '../../src/health/sampler.js';
import { ProcessTree } from '../../src/health/tree.js';

const proc = (pid: number, ppid: number, cpuTicks: number, startTicks = 1000): ProcStat => ({ pid, ppid, pgid: 0, comm: 'chrome', state: 'S', cpuTicks, startTicks });

describe('CPU percentages from tick readings', () => {
  it('divides tick deltas by the time between the two reads', () => {
    const a = treeTicks([proc(10, 1, 100), proc(11, 10, 50)], 0, 5000);
    const b = treeTicks([proc(10, 1, 150), proc(11, 10, 80)], 1000, 5100);
    // 80 ticks = 0.8 CPU-s over 1 s
    expect(treeCpuPercent(a, b, 2)).toBeCloseTo(80, 6);
  });

  it('never exceeds cores × 100 % and never goes below 0', () => {
    const a = treeTicks([proc(10, 1, 100)], 0, 5000);
    const burst = treeTicks([proc(10, 1, 100 + 900)], 1000, 5100); // 9 CPU-s in 1 s: impossible on 2 cores
    expect(treeCpuPercent(a, burst, 2)).toBe(200);
    const backwards = treeTicks([proc(10, 1, 90)], 1000, 5100);
    expect(treeCpuPercent(a, backwards, 2)).toBe(0);
    expect(treeCpuPercent(a, treeTicks([proc(10, 1, 110)], 0, 5000), 2)).toBe(0); // empty window
  });

  it('counts a process born since the last read in full, but not the lifetime of one that joined the tree late', () => {
    const a = treeTicks([proc(10, 1, 100)], 0, 5000);
    const born = treeTicks([proc(10, 1, 100), proc(12, 10, 30, 5050)], 1000, 5100);
    expect(treeCpuPercent(a, born, 2)).toBeCloseTo(30, 6);
    // A browser registered late that has run for 20 CPU-s already: its history is not this second's work.
    const late = treeTicks([proc(10, 1, 100), proc(20, 1, 2000, 3000)], 1000, 5100);
    expect(treeCpuPercent(a, late, 2)).toBe(0);
  });

  it('treats a reused pid as a new process', () => {
    const a = treeTicks([proc(10, 1, 500, 1000)], 0, 5000);
    const reused = treeTicks([proc(10, 1, 20, 5020)], 1000, 5100);
    expect(treeCpuPercent(a, reused, 2)).toBeCloseTo(20, 6);
  });

  it('keeps machine CPU within the cores even when iowait goes backwards', () => {
    expect(machineCpuPercent({ busyTicks: 100, totalTicks: 1000 }, { busyTicks: 200, totalTicks: 1200 }, 2)).toBeCloseTo(100, 6);
    // idle+iowait fell by 10 while total grew by 100: busy delta 110 > total delta
    expect(machineCpuPercent({ busyTicks: 100, totalTicks: 1000 }, { busyTicks: 210, totalTicks: 1100 }, 2)).toBe(200);
    expect(machineCpuPercent({ busyTicks: 100, totalTicks: 1000 }, { busyTicks: 100, totalTicks: 1000 }, 2)).toBeNull();
  });

  it('caps Node at the cores too', () => {
    expect(nodeCpuPercent({ user: 0, system: 0 }, { user: 500_000, system: 0 }, 1000, 2)).toBeCloseTo(50, 6);
    expect(nodeCpuPercent({ user: 0, system: 0 }, { user: 5_000_000, system: 0 }, 1000, 2)).toBe(200);
  });
});

describe('ProcessTree', () => {
  it('reads stat only for tree members and processes first seen', () => {
    const table = new Map<number, ProcStat>([
      [1, proc(1, 0, 0)],
      [10, proc(10, 1, 0)],
      [11, proc(11, 10, 0)],
      [12, proc(12, 11, 0)],
      [50, proc(50, 1, 0)],
      [51, proc(51, 50, 0)],
    ]);
    const reads: number[] = [];
    const tree = new ProcessTree({ listPids: () => [...table.keys()], stat: (pid) => (reads.push(pid), table.get(pid)) });
    const first = tree.scan([10]);
    expect(first.members.map((p) => p.pid).sort((a, b) => a - b)).toEqual([10, 11, 12]);
    expect(first.statReads).toBe(6); // everything is new once
    reads.length = 0;
    table.set(13, proc(13, 11, 0)); // a new renderer
    table.delete(51); // another program's process exits
    const second = tree.scan([10]);
    expect(second.members.map((p) => p.pid).sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
    expect(reads.sort((a, b) => a - b)).toEqual([10, 11, 12, 13]); // not 1 or 50: outside the tree, already known
    expect(second.statReads).toBe(4);
  });

  it('re-examines every process when the roots change', () => {
    const table = new Map<number, ProcStat>([
      [10, proc(10, 1, 0)],
      [20, proc(20, 1, 0)],
      [21, proc(21, 20, 0)],
    ]);
    const tree = new ProcessTree({ listPids: () => [...table.keys()], stat: (pid) => table.get(pid) });
    expect(tree.scan([10]).members.map((p) => p.pid)).toEqual([10]);
    expect(tree.scan([10, 20]).members.map((p) => p.pid).sort((a, b) => a - b)).toEqual([10, 20, 21]);
  });

  it('drops a member that exits between the listing and the read', () => {
    const table = new Map<number, ProcStat>([
      [10, proc(10, 1, 0)],
      [11, proc(11, 10, 0)],
    ]);
    const tree = new ProcessTree({ listPids: () => [10, 11], stat: (pid) => table.get(pid) });
    tree.scan([10]);
    table.delete(11);
    expect(tree.scan([10]).members.map((p) => p.pid)).toEqual([10]);
  });
});

describe('HealthSampler over a synthetic /proc', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  const statLine = (pid: number, ppid: number, ticks: number, start: number): string =>
    `${pid} (chrome) S ${ppid} ${pid} ${pid} 0 -1 0 0 0 0 0 ${ticks} 0 0 0 20 0 1 0 ${start} 1000 100 18446744073709551615\n`;

  function writeProc(dir: string, procs: Array<[number, number, number, number]>, machine: [number, number], uptimeS: number): void {
    for (const [pid, ppid, ticks, start] of procs) {
      mkdirSync(join(dir, String(pid)), { recursive: true });
      writeFileSync(join(dir, String(pid), 'stat'), statLine(pid, ppid, ticks, start));
      writeFileSync(join(dir, String(pid), 'status'), 'VmRSS:\t 10240 kB\nRssAnon:\t 5120 kB\n');
    }
    const [busy, idle] = machine;
    writeFileSync(join(dir, 'stat'), `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\n`);
    writeFileSync(join(dir, 'uptime'), `${uptimeS.toFixed(2)} 0.00\n`);
  }

  it('reports at most cores × 100 % however far the tick counters jump within one window', async () => {
    root = mkdtempSync(join(tmpdir(), 'rookery-proc-'));
    mkdirSync(join(root, 'self'));
    writeFileSync(join(root, 'self', 'stat'), statLine(1, 0, 0, 0));
    writeFileSync(join(root, 'meminfo'), 'MemTotal: 1000000 kB\nMemAvailable: 500000 kB\n');
    writeProc(root, [[100, 1, 1000, 100], [101, 100, 5000, 200], [300, 1, 9999, 100]], [1000, 1000], 60);
    const sampler = new HealthSampler({ intervalMs: 60_000, procRoot: root, cores: 2, pids: () => [100] });
    sampler.start();
    try {
      // 10 000 ticks (100 CPU-s) in a few ms; a late-registered tree member with a long past; iowait going backwards.
      writeProc(root, [[100, 1, 6000, 100], [101, 100, 10_000, 200], [102, 100, 50_000, 300]], [5000, 900], 61);
      const s = await sampler.sampleNow();
      expect(s.chromiumProcesses).toBe(3);
      expect(s.cpuPercent.chromium).toBe(200);
      expect(s.cpuPercent.machine).toBe(200);
      expect(s.cpuPercent.node).toBeLessThanOrEqual(200);
      expect(s.rssBytes.chromium).toBe(3 * 10240 * 1024);
      // The unrelated process 300 never counts.
      writeProc(root, [[300, 1, 99_999, 100]], [5000, 2000], 62);
      const quiet = await sampler.sampleNow();
      expect(quiet.cpuPercent.chromium).toBe(0);
      expect(quiet.cpuPercent.machine).toBe(0);
    } finally {
      await sampler.stop();
    }
    for (const s of sampler.samples()) {
      for (const v of [s.cpuPercent.node, s.cpuPercent.chromium ?? 0, s.cpuPercent.machine ?? 0]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(200);
      }
    }
  });
});
