import { describe, expect, it } from 'vitest';
import { healthVerdict } from '../../src/health/verdict.js';
import { formatHealthLine } from '../../src/health/format.js';
import { combinedLagQuantile, lagStats, LAG_BUCKET_BOUNDS_MS } from '../../src/health/lag.js';
import type { HealthSample } from '../../src/health/sampler.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

/** 100 timer ticks of 1 ms, with the given extra delays replacing the first ones. */
function ticks(...spikes: number[]): number[] {
  return [...spikes, ...new Array<number>(100 - spikes.length).fill(1)];
}

/** A healthy 1-second sample on a 2-core machine unless overridden. */
function sample(over: {
  lag?: number[];
  node?: number;
  chromium?: number | null;
  machine?: number | null;
  available?: number;
  intervalMs?: number;
}): HealthSample {
  return {
    at: 0,
    intervalMs: over.intervalMs ?? 1000,
    lag: lagStats(over.lag ?? ticks(6, 4, 3)),
    cpuPercent: { node: over.node ?? 30, chromium: over.chromium === undefined ? 60 : over.chromium, machine: over.machine === undefined ? 100 : over.machine },
    rssBytes: { node: 200 * MB, chromium: 1 * GB },
    chromiumMemory: 'pss',
    chromiumProcesses: 20,
    memory: { totalBytes: 24 * GB, availableBytes: over.available ?? 20 * GB },
    costMs: 2,
  };
}

const times = (n: number, s: HealthSample): HealthSample[] => Array.from({ length: n }, () => s);

describe('healthVerdict', () => {
  it('calls a comfortable run healthy and reports its peaks', () => {
    const v = healthVerdict([...times(9, sample({})), sample({ node: 45, chromium: 90, lag: ticks(12) })], 2);
    expect(v.saturated).toBe(false);
    expect(v.reasons).toEqual([]);
    expect(v.cores).toBe(2);
    expect(v.eventLoopLagMaxMs).toBe(12);
    expect(v.eventLoopLagP99Ms).toBeGreaterThanOrEqual(4);
    expect(v.eventLoopLagP99Ms).toBeLessThan(12);
    expect(v.cpuPeakPercent).toEqual({ node: 45, chromium: 90, machine: 100 });
    expect(v.rssPeakBytes).toEqual({ node: 200 * MB, chromium: GB });
  });

  it('flags event-loop lag p99 over 50 ms across the run', () => {
    // A third of the intervals had a 200 ms stall in their worst 10 %: the run's p99 is far above 50 ms.
    const bad = sample({ lag: ticks(210, 180, 150, 120, 100) });
    const v = healthVerdict([...times(6, sample({})), ...times(3, bad)], 2);
    expect(v.saturated).toBe(true);
    expect(v.eventLoopLagP99Ms).toBeGreaterThan(50);
    expect(v.eventLoopLagMaxMs).toBe(210);
    expect(v.reasons).toHaveLength(1);
    expect(v.reasons[0]).toMatch(/^event-loop lag p99 \d+(\.\d)? ms > 50 ms \(max 210 ms\)/);
  });

  it('does not flag a single short stall in a long run', () => {
    const v = healthVerdict([...times(199, sample({})), sample({ lag: ticks(150) })], 2);
    expect(v.saturated).toBe(false);
    expect(v.eventLoopLagMaxMs).toBe(150);
  });

  it('flags harness CPU ≥ 90 % of all cores for more than 20 % of the run, not for less', () => {
    const busy = sample({ node: 60, chromium: 130, machine: 195 }); // 190 % of 200 %
    const over = healthVerdict([...times(7, sample({})), ...times(3, busy)], 2);
    expect(over.saturated).toBe(true);
    expect(over.reasons).toEqual(['harness CPU (node + chromium) at ≥ 180 % of 2 cores (200 %) for 30 % of the run, peak 190 %']);
    const under = healthVerdict([...times(9, sample({})), busy], 2);
    expect(under.saturated).toBe(false);
  });

  it('weighs samples by their interval length', () => {
    const busyLong = sample({ node: 60, chromium: 130, intervalMs: 4000 });
    // 1 busy sample of 4 s against 6 healthy of 1 s: 40 % of the run's time.
    expect(healthVerdict([...times(6, sample({})), busyLong], 2).reasons[0]).toContain('for 40 % of the run');
  });

  it('flags a Node main thread pinned at one core even when the machine has spare cores', () => {
    const v = healthVerdict(times(5, sample({ node: 99, chromium: 100, machine: 220 })), 4);
    expect(v.saturated).toBe(true);
    expect(v.reasons).toEqual([expect.stringMatching(/^Node at ≥ 95 % of one core for 100 % of the run/)]);
  });

  it('flags a machine starved by other processes while the harness itself was light', () => {
    const v = healthVerdict(times(5, sample({ node: 20, chromium: 40, machine: 198 })), 2);
    expect(v.saturated).toBe(true);
    expect(v.reasons).toEqual([expect.stringMatching(/^machine CPU at ≥ 95 % busy for 100 % of the run while the harness averaged 60 % of 200 %/)]);
  });

  it('flags memory nearly exhausted at the low point', () => {
    const v = healthVerdict([...times(5, sample({})), sample({ available: 300 * MB })], 2);
    expect(v.saturated).toBe(true);
    expect(v.reasons).toEqual([expect.stringMatching(/^memory nearly exhausted: 300 MB of 24\.0 GB available/)]);
    // 5 % of 24 GB is 1.2 GB, so 1.5 GB free is fine.
    expect(healthVerdict([sample({ available: 1.5 * GB })], 2).saturated).toBe(false);
  });

  it('lists every reason that applies', () => {
    const v = healthVerdict(times(4, sample({ node: 100, chromium: 100, lag: ticks(300, 120), available: 100 * MB })), 2);
    expect(v.reasons.map((r) => r.split(' ')[0])).toEqual(['event-loop', 'harness', 'Node', 'memory']);
  });

  it('handles no samples and platforms without Chromium numbers', () => {
    expect(healthVerdict([], 2)).toEqual({
      saturated: false,
      reasons: [],
      eventLoopLagP99Ms: 0,
      eventLoopLagMaxMs: 0,
      cpuPeakPercent: { node: 0 },
      rssPeakBytes: { node: 0 },
      cores: 2,
    });
    const v = healthVerdict(times(3, sample({ chromium: null, machine: null })), 2);
    expect(v.cpuPeakPercent).toEqual({ node: 30 });
  });

  it('accepts stricter thresholds', () => {
    expect(healthVerdict(times(3, sample({ lag: ticks(25, 20) })), 2, { lagP99Ms: 10 }).saturated).toBe(true);
  });
});

describe('lag statistics', () => {
  it('computes nearest-rank percentiles of raw delays', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(lagStats(values)).toMatchObject({ count: 100, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
    // Buckets ≤1, ≤2, ≤5, ≤10, ≤20, ≤50, ≤100, then nothing above.
    expect(lagStats(values).buckets).toEqual([1, 1, 3, 5, 10, 30, 50, 0, 0, 0, 0, 0, 0]);
    expect(lagStats([]).count).toBe(0);
  });

  it('combines intervals exactly on the side of each bucket bound', () => {
    const good = lagStats(ticks(5));
    expect(good.buckets.reduce((a, b) => a + b, 0)).toBe(100);
    // 99 ticks of 1 ms: the combined p99 stays in the ≤ 1 ms bucket.
    expect(combinedLagQuantile([good, good, good], 0.99)).toBeLessThanOrEqual(1);
    // 20 of 300 ticks at 200 ms: p99 is in the (100, 200] bucket.
    const bad = lagStats(ticks(...new Array<number>(20).fill(200)));
    const p99 = combinedLagQuantile([good, good, bad], 0.99);
    expect(p99).toBeGreaterThan(100);
    expect(p99).toBeLessThanOrEqual(200);
    // 2 of 300 ticks at 200 ms are under 1 %: p99 stays low, though that interval's own p99 is 200.
    const twoSpikes = lagStats(ticks(200, 200));
    expect(twoSpikes.p99).toBe(200);
    expect(combinedLagQuantile([good, good, twoSpikes], 0.99)).toBeLessThan(50);
    expect(combinedLagQuantile([], 0.99)).toBe(0);
    expect(LAG_BUCKET_BOUNDS_MS).toContain(50);
  });
});

describe('formatHealthLine', () => {
  it('prints CPU against the cores, lag p99 and total resident memory', () => {
    const s = sample({ node: 35, chromium: 140, lag: ticks(4, 4) });
    expect(formatHealthLine(s, 2)).toBe('cpu node 35% chromium 140%/200% · lag p99 4ms · rss 1.2 GB');
  });

  it('says SATURATED and why when a sample is over a threshold', () => {
    const s = sample({ node: 80, chromium: 110, lag: ticks(70, 70) });
    expect(formatHealthLine(s, 2)).toBe('cpu node 80% chromium 110%/200% · lag p99 70ms · rss 1.2 GB · SATURATED (lag, cpu)');
  });

  it('omits Chromium where it cannot be measured', () => {
    const s = { ...sample({ chromium: null }), rssBytes: { node: 150 * MB, chromium: null } };
    expect(formatHealthLine(s, 2)).toBe('cpu node 30%/200% · lag p99 4ms · rss 150 MB');
  });
});
