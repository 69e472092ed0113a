/** HealthSampler against the real process and a real Chromium tree (Linux /proc). */
import { afterAll, describe, expect, it } from 'vitest';
import { HealthSampler, type MetricsSink } from '../../src/health/sampler.js';
import { BrowserPool } from '../../src/browser/pool.js';
import type { Labels } from '../../src/metrics/model.js';

class FakeSink implements MetricsSink {
  readonly records: Array<{ name: string; labels: Labels; value: number }> = [];
  readonly gauges: Array<{ name: string; labels: Labels; value: number }> = [];
  record(name: string, labels: Labels, value: number): void {
    this.records.push({ name, labels, value });
  }
  gauge(name: string, labels: Labels, value: number): void {
    this.gauges.push({ name, labels, value });
  }
  lastGauge(name: string, process: string): number | undefined {
    return this.gauges.filter((g) => g.name === name && g.labels.process === process).at(-1)?.value;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Deliberately block the event loop.
  }
}

describe('HealthSampler', () => {
  let pool: BrowserPool | undefined;
  afterAll(async () => {
    await pool?.close();
  });

  it('sees a 200 ms synchronous block as event-loop lag and records it', async () => {
    const sink = new FakeSink();
    // A long interval: this test takes its samples by hand.
    const sampler = new HealthSampler({ intervalMs: 60_000, resolutionMs: 10, sink });
    sampler.start();
    try {
      await sleep(100);
      busyFor(200);
      await sleep(50);
      const s = await sampler.sampleNow();
      // The timer due 10 ms after the block started fired ~190 ms late.
      expect(s.lag.max).toBeGreaterThan(150);
      expect(s.lag.count).toBeGreaterThan(3);
      expect(s.cpuPercent.node).toBeGreaterThan(0);
      expect(s.rssBytes.node).toBeGreaterThan(10 * 1024 * 1024);
      const lags = sink.records.filter((r) => r.name === 'harness_event_loop_lag_ms');
      expect(lags).toHaveLength(s.lag.count);
      expect(Math.max(...lags.map((r) => r.value))).toBe(s.lag.max);
      expect(sink.lastGauge('harness_cpu_percent', 'node')).toBe(s.cpuPercent.node);
      expect(sink.lastGauge('harness_rss_bytes', 'node')).toBe(s.rssBytes.node);
      // No browsers given: Chromium is measured as nothing, not as unknown (this is Linux).
      expect(s.cpuPercent.chromium).toBe(0);
      expect(s.chromiumProcesses).toBe(0);
      expect(s.memory?.totalBytes).toBeGreaterThan(0);
    } finally {
      await sampler.stop();
    }
    const summary = sampler.summary();
    expect(summary.eventLoopLagMaxMs).toBeGreaterThan(150);
  });

  it('measures Chromium CPU and memory over the browser and its renderers while a page spins', async () => {
    pool = new BrowserPool({ browsers: 1, contextsPerBrowser: 2 });
    const lease = await pool.acquire(1);
    await lease.page.setContent('<p>spin</p>');
    const sink = new FakeSink();
    const sampler = new HealthSampler({ intervalMs: 60_000, pids: () => pool!.pids(), sink, pssBudgetMs: 1_000 });
    sampler.start();
    try {
      // The renderer spins for 1.5 s; evaluate() resolves when it is done.
      const spinning = lease.page.evaluate(() => {
        const end = Date.now() + 1500;
        let x = 0;
        while (Date.now() < end) x++;
        return x;
      });
      await sleep(1000);
      const s = await sampler.sampleNow();
      await spinning;
      expect(s.chromiumProcesses).toBeGreaterThanOrEqual(3); // browser + zygote(s) + renderer at least
      expect(s.cpuPercent.chromium).toBeGreaterThan(10);
      expect(s.chromiumMemory).toBe('pss');
      expect(s.rssBytes.chromium).toBeGreaterThan(20 * 1024 * 1024);
      expect(s.cpuPercent.machine).toBeGreaterThan(0);
      expect(sink.lastGauge('harness_cpu_percent', 'chromium')).toBe(s.cpuPercent.chromium);
      expect(sink.lastGauge('harness_rss_bytes', 'chromium')).toBe(s.rssBytes.chromium);
    } finally {
      await sampler.stop();
    }
    expect(sampler.samples().length).toBe(2);
  });
});
