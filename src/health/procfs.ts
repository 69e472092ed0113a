/**
 * Linux /proc readers for self-health and browser process tracking. Parsers are pure (tested with fixed text);
 * readers return `undefined` when a file is missing or unreadable (process gone, not Linux), never throw.
 *
 * Costs measured on the 2-core dev machine (Chromium 156): /proc/<pid>/stat ≈ 23 µs, status ≈ 23 µs,
 * smaps_rollup ≈ 1.4 ms per Chromium process (the kernel walks every mapping) — so PSS is read on a budget.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat. Fixed at 100 by the Linux ABI on all mainstream arches. */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T, … */
  state: string;
  ppid: number;
  pgid: number;
  /** User + system CPU time in clock ticks (see CLOCK_TICKS_PER_SECOND). */
  cpuTicks: number;
  /** Start time in clock ticks after boot: with pid, identifies a process across pid reuse. */
  startTicks: number;
}

/** Parses /proc/<pid>/stat. `comm` may contain spaces and parentheses, so fields are split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after comm start at field 3 (state); utime is field 14, stime 15, starttime 22.
  const f = text.slice(close + 2).trim().split(/\s+/);
  const state = f[0];
  const ppid = Number(f[1]);
  const pgid = Number(f[2]);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const start = Number(f[19]);
  if (!state || ![pid, ppid, pgid, utime, stime, start].every(Number.isFinite)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgid, cpuTicks: utime + stime, startTicks: start };
}

export interface StatusMemory {
  /** VmRSS: resident pages, shared ones counted in full in every process that maps them. */
  rssBytes: number;
  /** RssAnon: anonymous resident pages (heap, JS); the closest cheap proxy for a process's own memory. */
  rssAnonBytes: number;
}

export function parseStatusMemory(text: string): StatusMemory | undefined {
  const rss = /^VmRSS:\s+(\d+)\s*kB/m.exec(text);
  if (!rss?.[1]) return undefined; // kernel threads and zombies have no VmRSS
  const anon = /^RssAnon:\s+(\d+)\s*kB/m.exec(text);
  return { rssBytes: Number(rss[1]) * 1024, rssAnonBytes: Number(anon?.[1] ?? rss[1]) * 1024 };
}

/** Pss from /proc/<pid>/smaps_rollup: shared pages divided among the processes that share them. */
export function parsePssBytes(text: string): number | undefined {
  const m = /^Pss:\s+(\d+)\s*kB/m.exec(text);
  return m?.[1] ? Number(m[1]) * 1024 : undefined;
}

export interface MemoryInfo {
  totalBytes: number;
  availableBytes: number;
}

export function parseMeminfo(text: string): MemoryInfo | undefined {
  const total = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  const avail = /^MemAvailable:\s+(\d+)\s*kB/m.exec(text);
  if (!total?.[1] || !avail?.[1]) return undefined;
  return { totalBytes: Number(total[1]) * 1024, availableBytes: Number(avail[1]) * 1024 };
}

export interface CpuTimes {
  /** Ticks spent busy (everything but idle and iowait), summed over all CPUs. */
  busyTicks: number;
  totalTicks: number;
}

/** First line of /proc/stat: `cpu user nice system idle iowait irq softirq steal guest guest_nice`. */
export function parseMachineCpu(text: string): CpuTimes | undefined {
  const line = text.slice(0, text.indexOf('\n') >>> 0);
  if (!line.startsWith('cpu ')) return undefined;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 4 || !v.every(Number.isFinite)) return undefined;
  // guest time is already included in user; summing the first 8 fields avoids counting it twice.
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busyTicks: total - idle, totalTicks: total };
}

/** Parses `/proc/<pid>/cmdline` (NUL-separated). */
export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((s) => s.length > 0);
}

/** All pids in `roots` and their descendants (by ppid) that appear in `table`. Roots absent from the table are skipped. */
export function descendantsOf(table: ReadonlyMap<number, ProcStat>, roots: Iterable<number>): number[] {
  const parents = new Map<number, number>();
  for (const p of table.values()) parents.set(p.pid, p.ppid);
  return descendantsByParent(parents, roots);
}

/** Same as descendantsOf over a pid → parent pid map. */
export function descendantsByParent(parents: ReadonlyMap<number, number>, roots: Iterable<number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const queue = [...roots].filter((pid) => parents.has(pid));
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    for (const c of children.get(pid) ?? []) queue.push(c);
  }
  return out;
}

// ---- readers (side effects: file reads) ----

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function procAvailable(root = '/proc'): boolean {
  return readText(`${root}/self/stat`) !== undefined;
}

export function readProcStat(pid: number, root = '/proc'): ProcStat | undefined {
  const text = readText(`${root}/${pid}/stat`);
  return text === undefined ? undefined : parseProcStat(text);
}

export function readCmdline(pid: number, root = '/proc'): string[] | undefined {
  const text = readText(`${root}/${pid}/cmdline`);
  return text === undefined ? undefined : parseCmdline(text);
}

export function readStatusMemory(pid: number, root = '/proc'): StatusMemory | undefined {
  const text = readText(`${root}/${pid}/status`);
  return text === undefined ? undefined : parseStatusMemory(text);
}

export function readPssBytes(pid: number | 'self', root = '/proc'): number | undefined {
  const text = readText(`${root}/${pid}/smaps_rollup`);
  return text === undefined ? undefined : parsePssBytes(text);
}

export function readMachineCpu(root = '/proc'): CpuTimes | undefined {
  const text = readText(`${root}/stat`);
  return text === undefined ? undefined : parseMachineCpu(text);
}

/** Numeric entries of /proc (every process on the machine). */
export function listPids(root = '/proc'): number[] {
  try {
    return readdirSync(root)
      .filter((d) => d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57)
      .map(Number);
  } catch {
    return [];
  }
}

/** Reads /proc/<pid>/stat for every process. Use sparingly on busy machines (~23 µs per process). */
export function readProcessTable(root = '/proc'): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const pid of listPids(root)) {
    const s = readProcStat(pid, root);
    if (s) table.set(pid, s);
  }
  return table;
}

/**
 * Machine memory, limited by a cgroup v2 memory.max when one applies (containers): MemTotal alone would
 * promise memory the container can never use.
 */
export function readMemoryInfo(root = '/proc', cgroupRoot = '/sys/fs/cgroup'): MemoryInfo | undefined {
  const text = readText(`${root}/meminfo`);
  const info = text === undefined ? undefined : parseMeminfo(text);
  if (!info) return undefined;
  const max = Number(readText(`${cgroupRoot}/memory.max`)?.trim());
  const current = Number(readText(`${cgroupRoot}/memory.current`)?.trim());
  if (Number.isFinite(max) && max > 0 && max < info.totalBytes) {
    const cgAvailable = Number.isFinite(current) ? Math.max(0, max - current) : max;
    return { totalBytes: max, availableBytes: Math.min(info.availableBytes, cgAvailable) };
  }
  return info;
}

/** Whether `pid` is alive (exists and is not a zombie waiting to be reaped). */
export function isAlive(pid: number, root = '/proc'): boolean {
  const s = readProcStat(pid, root);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** Clock ticks since boot, from /proc/uptime (the unit of ProcStat.startTicks). */
export function readUptimeTicks(root = '/proc'): number | undefined {
  const text = readText(`${root}/uptime`);
  if (text === undefined) return undefined;
  const s = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(s) ? Math.floor(s * CLOCK_TICKS_PER_SECOND) : undefined;
}
