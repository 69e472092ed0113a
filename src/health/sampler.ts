/**
 * HealthSampler: every interval, what the load generator itself costs — event-loop lag, CPU and memory of the
 * Node harness and of its Chromium processes (each browser plus its renderers, GPU and utility processes).
 *
 * Chromium numbers come from /proc (Linux); elsewhere they are null and only Node is measured.
 * - CPU: utime+stime deltas per process (keyed by pid and start time, so pid reuse is not a delta). A process
 *   that exits between two samples loses its last partial interval.
 * - Memory: PSS (smaps_rollup) — shared pages split among sharers, the honest "memory per user". Summing
 *   VmRSS instead overstates it ~5× at 60 contexts (measured: 7.1 GB RSS vs 1.3 GB PSS), but smaps_rollup costs
 *   ~1.4 ms per process, so PSS is read within a time budget per sample — new processes first, then any
 *   reading older than pssMaxAgeMs; a process not yet measured counts as its RssAnon scaled by the measured
 *   PSS/RssAnon ratio. Where smaps_rollup is
 *   unreadable, the sum of VmRSS is reported and the sample says 'rss'.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import type { Labels } from '../metrics/model.js';
import { EventLoopLagProbe, lagStats, type LagStats } from './lag.js';
import {
  listPids,
  procAvailable,
  readMachineCpu,
  readMemoryInfo,
  readProcStat,
  readPssBytes,
  readStatusMemory,
  readUptimeTicks,
  type CpuTimes,
  type MemoryInfo,
  type ProcStat,
} from './procfs.js';
import { machineCpuPercent, nodeCpuPercent, treeCpuPercent, treeTicks, type TreeTicks } from './cpu.js';
import { ProcessTree } from './tree.js';
import { healthVerdict, type HealthThresholds } from './verdict.js';
import { sampleWarnings } from './format.js';
import { SATURATED_GAUGE } from '../metrics/windows.js';
import type { HealthSummary } from '../metrics/model.js';

/** The slice of the metrics registry the sampler writes to (src/metrics/registry.ts satisfies it). */
export interface MetricsSink {
  record(name: string, labels: Labels, value: number): void;
  gauge(name: string, labels: Labels, value: number): void;
}

export type ChromiumMemorySource = 'pss' | 'rss';

export interface HealthSample {
  /** Epoch ms at the end of the interval. */
  at: number;
  intervalMs: number;
  /** Event-loop lag over the interval, ms. */
  lag: LagStats;
  /** CPU in % of one core (top's convention: 2 busy cores = 200 %). `machine` is every process on the machine. */
  cpuPercent: { node: number; chromium: number | null; machine: number | null };
  /** Node: RSS. Chromium: see `chromiumMemory`. */
  rssBytes: { node: number; chromium: number | null };
  chromiumMemory: ChromiumMemorySource | null;
  /** Chromium processes measured (browsers and all their descendants). */
  chromiumProcesses: number | null;
  /** Machine (or cgroup) memory. */
  memory: MemoryInfo | null;
  /** Time the sampler spent in its own synchronous work for this sample, ms (its overhead on the event loop). */
  costMs: number;
}

export interface HealthSamplerOptions {
  /** Default 1000. */
  intervalMs?: number;
  /** Lag timer resolution. Default 10. */
  resolutionMs?: number;
  /** Root pids of the browsers (BrowserPool.pids). Descendants are found each sample. */
  pids?: () => readonly number[];
  sink?: MetricsSink;
  /** Called after each periodic sample (live progress). */
  onSample?: (sample: HealthSample) => void;
  /** Cores for the verdict and formatter. Default: os.availableParallelism(). */
  cores?: number;
  /** Wall-time budget for PSS reads per sample. Default 20 ms (at most ≈2 % of a core at 1 s intervals). */
  pssBudgetMs?: number;
  /** A process's PSS is re-read when older than this. Default 10 s. */
  pssMaxAgeMs?: number;
  /** Oldest samples beyond this are dropped. Default 86 400 (a day at 1 s). */
  maxSamples?: number;
  /** /proc root (tests). */
  procRoot?: string;
}

const GAUGE_CPU = 'harness_cpu_percent';
const GAUGE_RSS = 'harness_rss_bytes';
const LAG_HISTOGRAM = 'harness_event_loop_lag_ms';
/** Yield to the event loop after this much synchronous /proc reading, so sampling does not become lag. */
const YIELD_AFTER_MS = 2;

interface ProcessMemoryState {
  key: string;
  pssBytes: number | undefined;
  anonAtPss: number | undefined;
  measuredAt: number;
}

export class HealthSampler {
  readonly intervalMs: number;
  readonly cores: number;
  private readonly probe: EventLoopLagProbe;
  private readonly options: HealthSamplerOptions;
  private readonly procRoot: string;
  private readonly linux: boolean;
  private readonly history: HealthSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<HealthSample> | undefined;
  private last: { wall: number; cpu: NodeJS.CpuUsage; machine: CpuTimes | undefined; ticks: TreeTicks | undefined };
  private readonly tree: ProcessTree;
  private readonly memState = new Map<number, ProcessMemoryState>();
  private readonly pssReadable: boolean;

  constructor(options: HealthSamplerOptions = {}) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? 1000;
    this.cores = options.cores ?? availableParallelism();
    this.procRoot = options.procRoot ?? '/proc';
    this.linux = procAvailable(this.procRoot);
    // smaps_rollup needs Linux ≥ 4.14 and a /proc that lets us read it; our own is the test.
    this.pssReadable = this.linux && readPssBytes('self', this.procRoot) !== undefined;
    this.probe = new EventLoopLagProbe(options.resolutionMs ?? 10);
    const root = this.procRoot;
    this.tree = new ProcessTree({ listPids: () => listPids(root), stat: (pid) => readProcStat(pid, root) });
    this.last = { wall: performance.now(), cpu: process.cpuUsage(), machine: undefined, ticks: undefined };
  }

  /** Starts the lag probe and periodic sampling. The timer is unref'd. */
  start(): void {
    if (this.timer) return;
    this.probe.start();
    this.last = { wall: performance.now(), cpu: process.cpuUsage(), machine: this.linux ? readMachineCpu(this.procRoot) : undefined, ticks: undefined };
    // Baseline of Chromium CPU ticks, so the first sample is a delta too.
    if (this.linux) this.last.ticks = this.readTreeTicks().ticks;
    this.timer = setInterval(() => {
      void this.sampleNow().then(
        (s) => this.options.onSample?.(s),
        () => {},
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling and returns a final sample covering the time since the last one. */
  async stop(): Promise<HealthSample> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const final = await this.sampleNow();
    this.probe.stop();
    return final;
  }

  /** Takes a sample now (also used by the periodic timer; concurrent calls share one sample). */
  sampleNow(): Promise<HealthSample> {
    this.inFlight ??= this.takeSample().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  samples(): readonly HealthSample[] {
    return this.history;
  }

  latest(): HealthSample | undefined {
    return this.history[this.history.length - 1];
  }

  summary(thresholds?: Partial<HealthThresholds>): HealthSummary {
    return healthVerdict(this.history, this.cores, thresholds);
  }

  private async takeSample(): Promise<HealthSample> {
    const t0 = performance.now();
    const slices = new Slices();
    const wallMs = t0 - this.last.wall;
    const lagValues = this.probe.drain();
    const cpu = process.cpuUsage();
    const nodeCpu = nodeCpuPercent(this.last.cpu, cpu, wallMs, this.cores);

    let machineCpu: number | null = null;
    let memory: MemoryInfo | null = null;
    let chromiumCpu: number | null = null;
    let chromiumRss: number | null = null;
    let chromiumMemory: ChromiumMemorySource | null = null;
    let chromiumProcesses: number | null = null;
    let ticks = this.last.ticks;
    let machine: CpuTimes | undefined;

    if (this.linux) {
      machine = readMachineCpu(this.procRoot);
      if (machine && this.last.machine) machineCpu = machineCpuPercent(this.last.machine, machine, this.cores);
      memory = readMemoryInfo(this.procRoot) ?? null;
      const read = this.readTreeTicks();
      ticks = read.ticks;
      chromiumCpu = this.last.ticks ? treeCpuPercent(this.last.ticks, ticks, this.cores) : 0;
      chromiumProcesses = read.tree.length;
      const mem = await this.chromiumMemory(read.tree, slices);
      chromiumRss = mem.bytes;
      chromiumMemory = mem.source;
    }

    const nodeRss = process.memoryUsage.rss();
    const sample: HealthSample = {
      at: Date.now(),
      intervalMs: wallMs,
      lag: lagStats(lagValues),
      cpuPercent: { node: nodeCpu, chromium: chromiumCpu, machine: machineCpu },
      rssBytes: { node: nodeRss, chromium: chromiumRss },
      chromiumMemory,
      chromiumProcesses,
      memory,
      costMs: slices.busyMs,
    };
    this.last = { wall: t0, cpu, machine: machine ?? this.last.machine, ticks };
    this.history.push(sample);
    const max = this.options.maxSamples ?? 86_400;
    if (this.history.length > max) this.history.splice(0, this.history.length - max);
    this.write(sample, lagValues);
    return sample;
  }

  private write(sample: HealthSample, lagValues: readonly number[]): void {
    const sink = this.options.sink;
    if (!sink) return;
    for (const v of lagValues) sink.record(LAG_HISTOGRAM, {}, v);
    sink.gauge(GAUGE_CPU, { process: 'node' }, sample.cpuPercent.node);
    sink.gauge(GAUGE_RSS, { process: 'node' }, sample.rssBytes.node);
    if (sample.cpuPercent.chromium !== null) sink.gauge(GAUGE_CPU, { process: 'chromium' }, sample.cpuPercent.chromium);
    if (sample.rssBytes.chromium !== null) sink.gauge(GAUGE_RSS, { process: 'chromium' }, sample.rssBytes.chromium);
    // Per-interval saturation flag: results use it to keep saturated seconds out of steady-state figures.
    sink.gauge(SATURATED_GAUGE, {}, sampleWarnings(sample, this.cores).length > 0 ? 1 : 0);
  }

  // ---- Chromium processes ----

  private roots(): number[] {
    return [...(this.options.pids?.() ?? [])];
  }

  /**
   * The browsers' process tree and its CPU ticks, stamped with the moment they were read. One synchronous pass
   * (≈ 23 µs per member): yielding between reads would stretch the window the ticks cover away from the stamp.
   */
  private readTreeTicks(): { tree: ProcStat[]; ticks: TreeTicks } {
    const roots = this.roots();
    const tree = roots.length === 0 ? [] : this.tree.scan(roots).members;
    const atMs = performance.now();
    // Unknown uptime: a process new to the tree counts from its next delta only (never its whole life at once).
    const uptime = readUptimeTicks(this.procRoot) ?? Number.POSITIVE_INFINITY;
    return { tree, ticks: treeTicks(tree, atMs, uptime) };
  }

  private async chromiumMemory(tree: readonly ProcStat[], slices: Slices): Promise<{ bytes: number; source: ChromiumMemorySource }> {
    const anon = new Map<number, number>();
    let rssSum = 0;
    for (const p of tree) {
      const m = readStatusMemory(p.pid, this.procRoot);
      if (m) {
        anon.set(p.pid, m.rssAnonBytes);
        rssSum += m.rssBytes;
      }
      await slices.maybeYield();
    }
    // Forget processes that are gone (or whose pid now belongs to another process).
    const live = new Map(tree.map((p) => [p.pid, `${p.pid}:${p.startTicks}`]));
    for (const [pid, st] of this.memState) if (live.get(pid) !== st.key) this.memState.delete(pid);
    if (!this.pssReadable) return { bytes: rssSum, source: 'rss' };

    // Refresh PSS within the budget: never-measured processes first, then the stalest once it is old enough.
    const maxAge = this.options.pssMaxAgeMs ?? 10_000;
    const now = performance.now();
    const order = tree
      .filter((p) => anon.has(p.pid))
      .map((p) => ({ p, st: this.memState.get(p.pid) }))
      .filter(({ st }) => !st || now - st.measuredAt >= maxAge)
      .sort((a, b) => (a.st?.measuredAt ?? -1) - (b.st?.measuredAt ?? -1));
    const budget = this.options.pssBudgetMs ?? 20;
    const spentBefore = slices.busyMs;
    for (const { p } of order) {
      if (slices.busyMs - spentBefore > budget) break;
      const pss = readPssBytes(p.pid, this.procRoot);
      if (pss === undefined) continue; // exited meanwhile
      this.memState.set(p.pid, { key: live.get(p.pid)!, pssBytes: pss, anonAtPss: anon.get(p.pid), measuredAt: performance.now() });
      await slices.maybeYield();
    }
    // Nothing measured yet (zero budget, or every read lost a race with exit): RSS is all we honestly have.
    if (this.memState.size === 0) return { bytes: rssSum, source: 'rss' };
    let pssSum = 0;
    let anonSum = 0;
    for (const st of this.memState.values()) {
      if (st.pssBytes !== undefined && st.anonAtPss) {
        pssSum += st.pssBytes;
        anonSum += st.anonAtPss;
      }
    }
    const ratio = anonSum > 0 ? pssSum / anonSum : 1;
    let bytes = 0;
    for (const p of tree) {
      const st = this.memState.get(p.pid);
      if (st?.pssBytes !== undefined) bytes += st.pssBytes;
      else bytes += (anon.get(p.pid) ?? 0) * ratio;
    }
    return { bytes, source: 'pss' };
  }
}

/**
 * Splits synchronous /proc reading into slices of a few ms with event-loop turns in between, and counts only
 * the time spent in slices (the sampler's own cost, not the other work that ran while it yielded).
 */
class Slices {
  private busy = 0;
  private start = performance.now();

  /** Busy time so far, ms. */
  get busyMs(): number {
    return this.busy + (performance.now() - this.start);
  }

  async maybeYield(): Promise<void> {
    const now = performance.now();
    if (now - this.start <= YIELD_AFTER_MS) return;
    this.busy += now - this.start;
    await new Promise((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}
