import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { decodeDistribution, meanOf, mergeDistributions, percentileGrid, valueAtPercentile, valuesAtPercentiles } from '../../src/report/distribution.js';
import { encodeSamples, fakeResults, logNormal, rng } from '../support/fake-results.js';

describe('decodeDistribution', () => {
  it('decodes ms metrics from µs and states exactly the summary percentiles and mean', () => {
    const results = fakeResults({ seed: 3, intervals: 12 });
    for (const m of results.metrics) {
      const d = decodeDistribution(m.hdr, m.unit);
      expect(d.total).toBe(m.count);
      for (const [p, v] of [[50, m.p50], [95, m.p95], [99, m.p99], [99.9, m.p999]] as const) {
        expect(valueAtPercentile(d, p)).toBe(v);
      }
      // One histogram value (MetricHistogram) computes both: no tolerance.
      expect(meanOf(d)).toBe(m.mean);
    }
  });

  it('matches hdr-histogram-js getValueAtPercentile on awkward percentiles', () => {
    const rand = rng(1);
    const samples = Array.from({ length: 997 }, () => logNormal(rand, { median: 20, sigma: 0.8 }));
    const encoded = encodeSamples(samples, 'ms');
    const h = decodeFromCompressedBase64(encoded);
    const d = decodeDistribution(encoded, 'ms');
    for (const p of [1, 10, 33.3, 50, 66.7, 90, 99, 99.5, 100]) expect(valueAtPercentile(d, p)).toBe(h.getValueAtPercentile(p) / 1000);
  });

  it('merges exactly and handles empty or invalid input', () => {
    const a = decodeDistribution(encodeSamples([1, 2, 2], 'bytes'), 'bytes');
    const b = decodeDistribution(encodeSamples([2, 3], 'bytes'), 'bytes');
    expect(mergeDistributions([a, b], 'bytes').buckets).toEqual([
      { value: 1, count: 1 },
      { value: 2, count: 3 },
      { value: 3, count: 1 },
    ]);
    const empty = decodeDistribution('', 'ms');
    expect([empty.unit, empty.buckets, empty.total]).toEqual(['ms', [], 0]);
    expect(valueAtPercentile(empty, 50)).toBeNull();
    expect(meanOf(empty)).toBeNull();
    expect(() => decodeDistribution('not base64 hdr', 'ms')).toThrow(/undecodable HDR histogram/);
  });
});

describe('percentile grid', () => {
  it('starts at 0 and 50, doubles the tail resolution, and stops where the samples run out', () => {
    const grid = percentileGrid(1000);
    expect(grid[0]).toBe(0);
    expect(grid[4]).toBe(50);
    expect(grid[8]).toBe(75);
    expect(1 / (1 - grid[grid.length - 1]! / 100)).toBeLessThanOrEqual(1000);
    const d = decodeDistribution(encodeSamples(Array.from({ length: 100 }, (_, i) => i + 1), 'count'), 'count');
    const values = valuesAtPercentiles(d, grid);
    expect(values[4]).toBe(50);
    // Beyond 1/(1−p) > n (here p > 99 %) a percentile is just the maximum: left out.
    expect(values.filter((v) => v !== null)).toHaveLength(grid.filter((p) => 1 / (1 - p / 100) <= 100).length);
    expect(values[values.length - 1]).toBeNull();
  });
});
