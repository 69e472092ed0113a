/**
 * Was the load generator the bottleneck? A pure judgement over health samples: when it says `saturated`, the
 * run's latencies include the harness's own delays and its throughput is the harness's, not the app's.
 */
import { roundTo } from '../common/round.js';
import type { HealthSummary, HistogramEntry } from '../metrics/model.js';
import { createHistogram, decodeHistogram, scaleOf } from '../metrics/hdr.js';
import { combinedLagQuantile } from './lag.js';
import type { HealthSample } from './sampler.js';

export interface HealthThresholds {
  /** Run-wide event-loop lag p99 above this means timings were taken late. Default 50 ms. */
  lagP99Ms: number;
  /** Harness CPU (node + chromium) at or above this share of all cores counts as busy. Default 0.9. */
  harnessCpuFraction: number;
  /** Node at or above this % of one core counts as busy: its main thread drives every user. Default 95. */
  nodeCpuPercent: number;
  /** Whole-machine CPU at or above this share counts as busy (the app under test may share the cores). Default 0.95. */
  machineCpuFraction: number;
  /** Busy for more than this share of the run's time means saturated. Default 0.2. */
  sustainedFraction: number;
  /** Available memory below max(this share of total, minMemoryAvailableBytes) at any sample means saturated. Default 0.05. */
  minMemoryAvailableFraction: number;
  /** Default 256 MiB. */
  minMemoryAvailableBytes: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: Readonly<HealthThresholds> = Object.freeze({
  lagP99Ms: 50,
  harnessCpuFraction: 0.9,
  nodeCpuPercent: 95,
  machineCpuFraction: 0.95,
  sustainedFraction: 0.2,
  minMemoryAvailableFraction: 0.05,
  minMemoryAvailableBytes: 256 * 1024 * 1024,
});

export function healthVerdict(samples: readonly HealthSample[], cores: number, thresholds: Partial<HealthThresholds> = {}): HealthSummary {
  const t = { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds };
  const capacity = Math.max(1, cores) * 100;
  const reasons: string[] = [];

  const lagP99 = combinedLagQuantile(samples.map((s) => s.lag), 0.99);
  const lagMax = samples.reduce((m, s) => Math.max(m, s.lag.max), 0);
  if (lagP99 > t.lagP99Ms) {
    reasons.push(
      `event-loop lag p99 ${roundTo(lagP99, 1)} ms > ${t.lagP99Ms} ms (max ${roundTo(lagMax, 1)} ms): ` +
        'the harness observed and acted late, so measured latencies include its own delay',
    );
  }

  const totalTime = samples.reduce((n, s) => n + weight(s), 0);
  const shareOfRun = (busy: (s: HealthSample) => boolean): number =>
    totalTime > 0 ? samples.reduce((n, s) => n + (busy(s) ? weight(s) : 0), 0) / totalTime : 0;
  const harnessCpu = (s: HealthSample): number => s.cpuPercent.node + (s.cpuPercent.chromium ?? 0);

  const harnessBusy = shareOfRun((s) => harnessCpu(s) >= t.harnessCpuFraction * capacity);
  if (harnessBusy > t.sustainedFraction) {
    reasons.push(
      `harness CPU (node + chromium) at ≥ ${pct(t.harnessCpuFraction * capacity)} of ${cores} core${cores === 1 ? '' : 's'} ` +
        `(${pct(capacity)}) for ${pct(harnessBusy * 100)} of the run, peak ${pct(peak(samples, harnessCpu))}`,
    );
  }

  const nodeBusy = shareOfRun((s) => s.cpuPercent.node >= t.nodeCpuPercent);
  if (nodeBusy > t.sustainedFraction) {
    reasons.push(
      `Node at ≥ ${pct(t.nodeCpuPercent)} of one core for ${pct(nodeBusy * 100)} of the run: ` +
        'its single main thread drives every user and was the bottleneck',
    );
  }

  const withMachine = samples.filter((s) => s.cpuPercent.machine !== null);
  const machineBusy = shareOfRun((s) => s.cpuPercent.machine !== null && s.cpuPercent.machine >= t.machineCpuFraction * capacity);
  if (withMachine.length > 0 && machineBusy > t.sustainedFraction && harnessBusy <= t.sustainedFraction) {
    const harnessMean = withMachine.reduce((n, s) => n + harnessCpu(s), 0) / withMachine.length;
    reasons.push(
      `machine CPU at ≥ ${pct(t.machineCpuFraction * 100)} busy for ${pct(machineBusy * 100)} of the run while the harness ` +
        `averaged ${pct(harnessMean)} of ${pct(capacity)}: other processes (the app under test?) starved it`,
    );
  }

  let lowest: { available: number; total: number } | undefined;
  for (const s of samples) {
    if (s.memory && (!lowest || s.memory.availableBytes < lowest.available)) {
      lowest = { available: s.memory.availableBytes, total: s.memory.totalBytes };
    }
  }
  if (lowest && lowest.available < Math.max(t.minMemoryAvailableFraction * lowest.total, t.minMemoryAvailableBytes)) {
    reasons.push(
      `memory nearly exhausted: ${bytes(lowest.available)} of ${bytes(lowest.total)} available at the low point ` +
        '(browsers may be swapping or killed)',
    );
  }

  const cpuPeakPercent: Record<string, number> = { node: roundTo(peak(samples, (s) => s.cpuPercent.node), 1) };
  if (samples.some((s) => s.cpuPercent.chromium !== null)) cpuPeakPercent.chromium = roundTo(peak(samples, (s) => s.cpuPercent.chromium ?? 0), 1);
  if (withMachine.length > 0) cpuPeakPercent.machine = roundTo(peak(samples, (s) => s.cpuPercent.machine ?? 0), 1);
  const rssPeakBytes: Record<string, number> = { node: peak(samples, (s) => s.rssBytes.node) };
  if (samples.some((s) => s.rssBytes.chromium !== null)) rssPeakBytes.chromium = peak(samples, (s) => s.rssBytes.chromium ?? 0);

  return {
    saturated: reasons.length > 0,
    reasons,
    eventLoopLagP99Ms: roundTo(lagP99, 1),
    eventLoopLagMaxMs: roundTo(lagMax, 1),
    cpuPeakPercent,
    rssPeakBytes,
    cores,
  };
}

function weight(s: HealthSample): number {
  return s.intervalMs > 0 ? s.intervalMs : 0;
}

function peak(samples: readonly HealthSample[], f: (s: HealthSample) => number): number {
  return samples.reduce((m, s) => Math.max(m, f(s)), 0);
}

function pct(v: number): string {
  return `${Math.round(v)} %`;
}

export function bytes(v: number): string {
  const MB = 1024 * 1024;
  if (v >= 1024 * MB) return `${(v / (1024 * MB)).toFixed(1)} GB`;
  return `${Math.round(v / MB)} MB`;
}

const HEARTBEAT_RTT = 'ws_heartbeat_rtt_ms';

/**
 * Adds the probe's measured floor to a verdict: Phoenix heartbeats are answered without app work, so their round
 * trip is what network, server socket and harness add to every latency (Chromium stamps frames on the renderer's
 * main thread, late when the machine is short of CPU). A slow floor is a note, not a saturation reason: an
 * overloaded server delays heartbeats too.
 */
export function withProbeFloor(health: HealthSummary, histograms: readonly HistogramEntry[]): HealthSummary {
  const entries = histograms.filter((h) => h.name === HEARTBEAT_RTT);
  if (entries.length === 0) return health;
  const h = createHistogram();
  for (const e of entries) h.add(decodeHistogram(e.hdr));
  if (h.totalCount === 0) return health;
  const scale = scaleOf(HEARTBEAT_RTT);
  const floor = { p50: roundTo(h.getValueAtPercentile(50) / scale, 1), p95: roundTo(h.getValueAtPercentile(95) / scale, 1), count: h.totalCount };
  const note =
    `latencies include ≈ ${floor.p50} ms of network + harness delay (Phoenix heartbeat round trip p50 ${floor.p50} ms, ` +
    `p95 ${floor.p95} ms over ${floor.count} heartbeat${floor.count === 1 ? '' : 's'}: the probe's floor on this machine under this load)`;
  return { ...health, probeFloorMs: floor, notes: [...(health.notes ?? []), note] };
}
