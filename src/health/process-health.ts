/**
 * Self-health of one worker process (lite users run in worker processes, src/lite): event-loop lag, CPU, RSS
 * and garbage-collection pauses of this process, written each interval to the metrics sink with the worker's
 * labels. The parent sums gauges across workers (src/metrics/accumulator.ts) and merges the histograms exactly,
 * so `harness_cpu_percent{process=lite}` is the CPU of all lite workers together, as `process=chromium` is of
 * all browsers.
 */
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { EventLoopLagProbe, lagStats, type LagStats } from './lag.js';
import type { Labels } from '../metrics/model.js';

export interface ProcessHealthSink {
  record(name: 'harness_event_loop_lag_ms' | 'harness_gc_pause_ms', labels: Labels, value: number): void;
  gauge(name: 'harness_cpu_percent' | 'harness_rss_bytes', labels: Labels, value: number): void;
}

export interface ProcessHealthReading {
  cpuPercent: number;
  rssBytes: number;
  lag: LagStats;
  /** GC pauses in the interval: count, total and longest (ms); young-generation (scavenge) pauses separately. */
  gc: { count: number; totalMs: number; maxMs: number; minorCount: number };
}

export class ProcessHealth {
  private readonly lag = new EventLoopLagProbe(10);
  private gcPauses: Array<{ ms: number; minor: boolean }> = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      this.gcPauses.push({ ms: e.duration, minor: kind === perfConstants.NODE_PERFORMANCE_GC_MINOR });
    }
  });
  private lastCpu = process.cpuUsage();
  private lastWall = performance.now();

  /** `processLabel` names these processes in `harness_cpu_percent{process}` and `harness_rss_bytes{process}`. */
  constructor(private readonly sink: ProcessHealthSink, private readonly processLabel: string) {}

  start(): void {
    this.lag.start();
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.lag.stop();
    this.observer.disconnect();
  }

  /** Reads the interval since the last call and writes it to the sink. */
  sample(): ProcessHealthReading {
    const cpu = process.cpuUsage(this.lastCpu);
    const wall = performance.now();
    const wallMs = Math.max(1, wall - this.lastWall);
    this.lastCpu = process.cpuUsage();
    this.lastWall = wall;
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    const rssBytes = process.memoryUsage.rss();
    const lagValues = this.lag.drain();
    const pauses = this.gcPauses;
    this.gcPauses = [];
    for (const v of lagValues) this.sink.record('harness_event_loop_lag_ms', {}, v);
    for (const p of pauses) this.sink.record('harness_gc_pause_ms', { process: this.processLabel }, p.ms);
    this.sink.gauge('harness_cpu_percent', { process: this.processLabel }, cpuPercent);
    this.sink.gauge('harness_rss_bytes', { process: this.processLabel }, rssBytes);
    return {
      cpuPercent,
      rssBytes,
      lag: lagStats(lagValues),
      gc: {
        count: pauses.length,
        totalMs: pauses.reduce((n, p) => n + p.ms, 0),
        maxMs: pauses.reduce((m, p) => Math.max(m, p.ms), 0),
        minorCount: pauses.filter((p) => p.minor).length,
      },
    };
  }
}
