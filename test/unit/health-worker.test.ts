import { describe, expect, it } from 'vitest';
import { foldWorkerHealth } from '../../src/health/worker-health.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import type { HealthSummary } from '../../src/metrics/model.js';

const base: HealthSummary = { saturated: false, reasons: [], eventLoopLagP99Ms: 3, eventLoopLagMaxMs: 9, cpuPeakPercent: { node: 20, chromium: 0 }, rssPeakBytes: { node: 1e8 }, cores: 2 };

function worker(lags: number[], cpu: number, rss: number) {
  const reg = new MetricsRegistry({ startedAt: 0, clock: () => 1000 });
  for (const v of lags) reg.record('harness_event_loop_lag_ms', { client: 'lite' }, v);
  reg.record('harness_event_loop_lag_ms', {}, 500); // the parent's own lag is not the workers'
  reg.gauge('harness_cpu_percent', { process: 'lite' }, cpu);
  reg.gauge('harness_rss_bytes', { process: 'lite' }, rss);
  return reg.takeInterval();
}

describe('foldWorkerHealth', () => {
  it('adds worker CPU and RSS peaks and leaves a healthy verdict alone', () => {
    const s = worker(Array<number>(100).fill(2), 80, 3e8);
    const out = foldWorkerHealth(base, s, [s], { client: 'lite', process: 'lite' });
    expect(out.saturated).toBe(false);
    expect(out.cpuPeakPercent).toEqual({ node: 20, chromium: 0, lite: 80 });
    expect(out.rssPeakBytes.lite).toBe(3e8);
  });

  it('flags the run when the workers lag, naming them', () => {
    const s = worker([...Array<number>(90).fill(2), ...Array<number>(10).fill(120)], 190, 3e8);
    const out = foldWorkerHealth(base, s, [s], { client: 'lite', process: 'lite' });
    expect(out.saturated).toBe(true);
    expect(out.reasons[0]).toMatch(/^lite worker event-loop lag p99 12\d\.\d ms > 50 ms/);
  });

  it('without worker readings the summary is unchanged', () => {
    const reg = new MetricsRegistry({ startedAt: 0 });
    const s = reg.takeInterval();
    expect(foldWorkerHealth(base, s, [s], { client: 'lite', process: 'lite' })).toBe(base);
  });
});
