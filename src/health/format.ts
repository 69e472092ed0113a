/** One-line health for live progress: `cpu node 35% chromium 140%/200% · lag p99 4ms · rss 1.2 GB`. */
import type { HealthSample } from './sampler.js';
import { bytes, DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './verdict.js';

/** What is over a threshold in this one sample (short words for a progress line). */
export function sampleWarnings(sample: HealthSample, cores: number, thresholds: Partial<HealthThresholds> = {}): string[] {
  const t = { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds };
  const capacity = Math.max(1, cores) * 100;
  const out: string[] = [];
  if (sample.lag.p99 > t.lagP99Ms) out.push('lag');
  if (sample.cpuPercent.node + (sample.cpuPercent.chromium ?? 0) >= t.harnessCpuFraction * capacity) out.push('cpu');
  else if (sample.cpuPercent.node >= t.nodeCpuPercent) out.push('node cpu');
  else if (sample.cpuPercent.machine !== null && sample.cpuPercent.machine >= t.machineCpuFraction * capacity) out.push('machine cpu');
  const m = sample.memory;
  if (m && m.availableBytes < Math.max(t.minMemoryAvailableFraction * m.totalBytes, t.minMemoryAvailableBytes)) out.push('memory');
  return out;
}

export function formatHealthLine(sample: HealthSample, cores: number, thresholds: Partial<HealthThresholds> = {}): string {
  const capacity = `${Math.max(1, cores) * 100}%`;
  const cpu =
    sample.cpuPercent.chromium === null
      ? `cpu node ${Math.round(sample.cpuPercent.node)}%/${capacity}`
      : `cpu node ${Math.round(sample.cpuPercent.node)}% chromium ${Math.round(sample.cpuPercent.chromium)}%/${capacity}`;
  const lag = `lag p99 ${Math.round(sample.lag.p99)}ms`;
  const rss = `rss ${bytes(sample.rssBytes.node + (sample.rssBytes.chromium ?? 0))}`;
  const warnings = sampleWarnings(sample, cores, thresholds);
  return [cpu, lag, rss, ...(warnings.length > 0 ? [`SATURATED (${warnings.join(', ')})`] : [])].join(' · ');
}
