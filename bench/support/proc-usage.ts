/**
 * What processes cost, read from /proc by the bench's parent process (never by the harness it measures, so the
 * reading adds no lag there): CPU ticks of a process tree split into its root (the Node harness) and descendants
 * (Chromium), the fixture's ticks, the whole machine's, and PSS memory of the tree.
 */
import { readFileSync, readdirSync } from 'node:fs';
import {
  CLOCK_TICKS_PER_SECOND,
  descendantsOf,
  readCmdline,
  readMachineCpu,
  readPssBytes,
  readProcessTable,
  type ProcStat,
} from '../../src/health/procfs.js';

export interface CpuReading {
  at: number;
  /** Ticks per process, keyed `pid:startTicks` so pid reuse never looks like a delta. */
  harness: Map<string, number>;
  chromium: Map<string, number>;
  /** Chromium process kind per key: browser, renderer, gpu-process, utility, zygote… */
  kinds: Map<string, string>;
  fixture: Map<string, number>;
  machineBusy: number;
  /** Machine ticks in irq + softirq (loopback networking lands here, in no process) and steal (the hypervisor). */
  machineIrq: number;
  machineSteal: number;
  /** This process (the bench orchestrator), µs. */
  selfMicros: number;
  /**
   * With `{ exact: true }`: each Chromium process's run time in ns, summed over its threads from
   * /proc/PID/task/TID/schedstat. Tick accounting (the fields above) samples whoever runs at each 10 ms tick, which
   * is fair for busy processes but can misattribute many short wake-ups (idle pages); this does not.
   */
  chromiumNs?: Map<string, number>;
  /** With `{ exact: true }`: per thread (`pid:startTicks:tid`), its process kind, name, run time (ns) and times it ran (wake-ups). */
  chromiumThreads?: Map<string, { kind: string; name: string; ns: number; runs: number }>;
}

export interface CpuShare {
  seconds: number;
  /** Chromium's share split by process kind (browser = the CDP endpoint and network stack; renderer = pages). */
  chromiumByKind: Record<string, number>;
  /** % of one core (200 % = both cores of a 2-core machine busy). */
  harness: number;
  chromium: number;
  fixture: number;
  bench: number;
  machine: number;
  /** Interrupt and softirq time (kernel network processing of loopback traffic, mostly), in no process. */
  irq: number;
  /** Time the hypervisor gave to other guests while we wanted the CPU. */
  steal: number;
  /** Everything else on the machine (other people's jobs, kernel threads): machine − ours − irq − steal. */
  others: number;
  /** From schedstat when both readings were exact: Chromium's % of one core, in all and by process kind. */
  chromiumExact?: number;
  chromiumExactByKind?: Record<string, number>;
  /** Per `kind / thread name` (pools summed): ns run and wake-ups in the window, threads present at both readings. */
  chromiumThreads?: Record<string, { ns: number; runs: number }>;
}

function ticksOf(table: ReadonlyMap<number, ProcStat>, pids: readonly number[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const pid of pids) {
    const p = table.get(pid);
    if (p) m.set(`${p.pid}:${p.startTicks}`, p.cpuTicks);
  }
  return m;
}

const kindCache = new Map<string, string>();

/** `--type=renderer` etc. from the command line; the browser process has no --type. Cached per process. */
function kindOf(p: ProcStat): string {
  const key = `${p.pid}:${p.startTicks}`;
  let kind = kindCache.get(key);
  if (kind === undefined) {
    // Zygote-forked children rewrite argv into one space-joined string, so search the joined line.
    const line = readCmdline(p.pid)?.join(' ') ?? '';
    const type = /--type=(\S+)/.exec(line)?.[1];
    const sub = /--utility-sub-type=(?:[\w]+\.mojom\.)?(\S+)/.exec(line)?.[1];
    kind = type ? (type === 'utility' && sub ? `utility:${sub}` : type) : 'browser';
    kindCache.set(key, kind);
  }
  return kind;
}

/**
 * A process's run time in ns over all its threads (threads that exited are not counted), and each thread's
 * (schedstat: run ns, wait ns, times run; comm: the thread's name, digits stripped so pools group).
 */
function runtimeNs(key: string, kind: string, threads: Map<string, { kind: string; name: string; ns: number; runs: number }>): number | undefined {
  const pid = Number(key.split(':')[0]);
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const tid of tasks) {
    try {
      const [run, , runs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, '');
      ns += run ?? 0;
      threads.set(`${key}:${tid}`, { kind, name, ns: run ?? 0, runs: runs ?? 0 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns;
}

const toolCache = new Map<string, boolean>();

/**
 * esbuild's service process (a child of bench/run.js, which bundles the benches): a tool of the bench, not part of
 * the measured tree. Every other descendant is (Chromium, or lite worker processes). Judged by the executable's
 * name, not the whole line (a checkout path may contain anything); cached per process (`pid:startTicks`).
 */
function isBenchTool(p: ProcStat | undefined): boolean {
  if (!p) return true;
  const key = `${p.pid}:${p.startTicks}`;
  let yes = toolCache.get(key);
  if (yes === undefined) {
    const exe = readCmdline(p.pid)?.[0] ?? '';
    yes = /^esbuild$/.test(exe.slice(exe.lastIndexOf('/') + 1));
    toolCache.set(key, yes);
  }
  return yes;
}

export function readCpu(harnessPid: number, fixturePid: number | undefined, options: { exact?: boolean } = {}): CpuReading {
  const table = readProcessTable();
  const tree = descendantsOf(table, [harnessPid]);
  const fixtureTree = fixturePid === undefined ? [] : descendantsOf(table, [fixturePid]);
  // The fixture may be a child of the harness (probe bench): it is not Chromium.
  const notChromium = new Set([harnessPid, ...fixtureTree]);
  // Nor is esbuild's service process when a bench runs through bench/run.js. (Lite workers are counted here: the
  // "chromium" share is the harness's descendants, Chromium or lite workers.)
  const chromiumPids = tree.filter((p) => !notChromium.has(p) && !isBenchTool(table.get(p)));
  const kinds = new Map<string, string>();
  for (const pid of chromiumPids) {
    const p = table.get(pid);
    if (p) kinds.set(`${p.pid}:${p.startTicks}`, kindOf(p));
  }
  const cpu = process.cpuUsage();
  let chromiumNs: Map<string, number> | undefined;
  let chromiumThreads: CpuReading['chromiumThreads'];
  if (options.exact) {
    chromiumNs = new Map();
    chromiumThreads = new Map();
    for (const [key, kind] of kinds) {
      const ns = runtimeNs(key, kind, chromiumThreads);
      if (ns !== undefined) chromiumNs.set(key, ns);
    }
  }
  return {
    chromiumNs,
    chromiumThreads,
    at: performance.now(),
    harness: ticksOf(table, [harnessPid]),
    chromium: ticksOf(table, chromiumPids),
    kinds,
    fixture: ticksOf(table, fixtureTree),
    machineBusy: readMachineCpu()?.busyTicks ?? 0,
    ...machineIrqSteal(),
    // When the harness is this very process (probe bench), its CPU is already in `harness`.
    selfMicros: harnessPid === process.pid ? 0 : cpu.user + cpu.system,
  };
}

/** irq, softirq and steal columns of the first line of /proc/stat. */
function machineIrqSteal(): { machineIrq: number; machineSteal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    return { machineIrq: (v[5] ?? 0) + (v[6] ?? 0), machineSteal: v[7] ?? 0 };
  } catch {
    return { machineIrq: 0, machineSteal: 0 };
  }
}

function delta(a: Map<string, number>, b: Map<string, number>): number {
  let ticks = 0;
  // Processes that started in the window count from zero; ones that exited lose their last partial window.
  for (const [key, t] of b) ticks += t - (a.get(key) ?? 0);
  return ticks;
}

export function cpuShare(a: CpuReading, b: CpuReading): CpuShare {
  const seconds = (b.at - a.at) / 1000;
  const pct = (ticks: number): number => (seconds > 0 ? ((ticks / CLOCK_TICKS_PER_SECOND) / seconds) * 100 : 0);
  const harness = pct(delta(a.harness, b.harness));
  const chromium = pct(delta(a.chromium, b.chromium));
  const fixture = pct(delta(a.fixture, b.fixture));
  const bench = seconds > 0 ? ((b.selfMicros - a.selfMicros) / 1e6 / seconds) * 100 : 0;
  const machine = pct(b.machineBusy - a.machineBusy);
  const byKind: Record<string, number> = {};
  for (const [key, t] of b.chromium) {
    const kind = b.kinds.get(key) ?? 'other';
    byKind[kind] = (byKind[kind] ?? 0) + t - (a.chromium.get(key) ?? 0);
  }
  const chromiumByKind = Object.fromEntries(Object.entries(byKind).map(([k, t]) => [k, pct(t)]));
  const irq = pct(b.machineIrq - a.machineIrq);
  const steal = pct(b.machineSteal - a.machineSteal);
  let exact: Pick<CpuShare, 'chromiumExact' | 'chromiumExactByKind' | 'chromiumThreads'> = {};
  if (a.chromiumNs && b.chromiumNs && seconds > 0) {
    const nsPct = (ns: number): number => (ns / 1e9 / seconds) * 100;
    const byKindNs: Record<string, number> = {};
    let all = 0;
    // Per thread, not per process: a process's total counts only its live threads, so a thread that exited in the
    // window would take its whole history out of the difference (even below zero). Summing each thread's own
    // difference loses only an exited thread's last partial window; threads born in the window count from zero.
    for (const [key, t] of b.chromiumThreads ?? []) {
      const d = t.ns - (a.chromiumThreads?.get(key)?.ns ?? 0);
      byKindNs[t.kind] = (byKindNs[t.kind] ?? 0) + d;
      all += d;
    }
    const threads: Record<string, { ns: number; runs: number }> = {};
    for (const [key, t] of b.chromiumThreads ?? []) {
      const before = a.chromiumThreads?.get(key);
      if (!before) continue;
      const g = (threads[`${t.kind} / ${t.name}`] ??= { ns: 0, runs: 0 });
      g.ns += t.ns - before.ns;
      g.runs += t.runs - before.runs;
    }
    exact = {
      chromiumExact: nsPct(all),
      chromiumExactByKind: Object.fromEntries(Object.entries(byKindNs).map(([k, ns]) => [k, nsPct(ns)])),
      chromiumThreads: threads,
    };
  }
  return {
    seconds,
    chromiumByKind,
    harness,
    chromium,
    fixture,
    bench,
    machine,
    irq,
    steal,
    others: Math.max(0, machine - harness - chromium - fixture - bench - irq - steal),
    ...exact,
  };
}

export interface TreeMemory {
  /** PSS of the Node harness process. */
  harnessBytes: number;
  /** PSS summed over every Chromium process under the harness. */
  chromiumBytes: number;
  chromiumProcesses: number;
  fixtureBytes: number;
  /** Wall time the reading took (smaps_rollup costs ~1.4 ms per Chromium process). */
  readMs: number;
  /** Node child processes under the harness (lite workers): PSS and the V8 flags each was started with. */
  nodeChildren?: Array<{ pid: number; pssBytes: number; flags: string[] }>;
}

/** A Node process's own flags (`node --a --b script …` → ['--a', '--b']); undefined for other executables. */
function nodeFlags(pid: number): string[] | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (!/(^|\/)node$/.test(argv[0] ?? '')) return undefined;
    const flags: string[] = [];
    for (const a of argv.slice(1)) {
      if (!a.startsWith('-')) break;
      flags.push(a);
    }
    return flags;
  } catch {
    return undefined;
  }
}

export function readTreeMemory(harnessPid: number, fixturePid: number | undefined): TreeMemory {
  const t0 = performance.now();
  const table = readProcessTable();
  const notChromium = new Set([harnessPid, ...(fixturePid === undefined ? [] : descendantsOf(table, [fixturePid]))]);
  const tree = descendantsOf(table, [harnessPid]).filter((p) => !notChromium.has(p));
  let chromiumBytes = 0;
  const nodeChildren: NonNullable<TreeMemory['nodeChildren']> = [];
  for (const pid of tree) {
    const pss = readPssBytes(pid) ?? 0;
    chromiumBytes += pss;
    const flags = nodeFlags(pid);
    if (flags) nodeChildren.push({ pid, pssBytes: pss, flags });
  }
  return {
    harnessBytes: readPssBytes(harnessPid) ?? 0,
    chromiumBytes,
    chromiumProcesses: tree.length,
    fixtureBytes: fixturePid === undefined ? 0 : readPssBytes(fixturePid) ?? 0,
    readMs: performance.now() - t0,
    ...(nodeChildren.length ? { nodeChildren } : {}),
  };
}
