/**
 * One HealthSummary for a distributed run from each runner's own. Saturation anywhere taints the run, so the
 * verdict is "any", reasons say which runner, and peaks are the busiest runner's (each runner is a machine or a
 * share of one; adding peaks of different machines would describe no machine).
 */
import type { HealthSummary } from '../metrics/model.js';

export function mergeHealth(parts: ReadonlyArray<{ runner: string; health: HealthSummary }>): HealthSummary {
  const maxRecord = (pick: (h: HealthSummary) => Readonly<Record<string, number>>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const { health } of parts) for (const [k, v] of Object.entries(pick(health))) out[k] = Math.max(out[k] ?? 0, v);
    return out;
  };
  return {
    saturated: parts.some((p) => p.health.saturated),
    reasons: parts.flatMap((p) => p.health.reasons.map((r) => `runner ${p.runner}: ${r}`)),
    eventLoopLagP99Ms: Math.max(0, ...parts.map((p) => p.health.eventLoopLagP99Ms)),
    eventLoopLagMaxMs: Math.max(0, ...parts.map((p) => p.health.eventLoopLagMaxMs)),
    cpuPeakPercent: maxRecord((h) => h.cpuPeakPercent),
    rssPeakBytes: maxRecord((h) => h.rssPeakBytes),
    cores: Math.max(0, ...parts.map((p) => p.health.cores)),
  };
}
