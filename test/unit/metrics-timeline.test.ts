import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { IntervalMerger } from '../../src/metrics/merge.js';
import { buildSeries, downsampleIntervals } from '../../src/metrics/timeline.js';
import { summarize } from '../../src/metrics/summary.js';
import type { Interval } from '../../src/metrics/model.js';

const START = 1_700_000_000_000;

/** n one-second intervals of a deterministic pseudo-random workload (some intervals without any event). */
function run(n: number): Interval[] {
  const reg = new MetricsRegistry({ startedAt: START });
  let x = 7;
  const rnd = (): number => (x = (x * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const out: Interval[] = [];
  for (let s = 0; s < n; s++) {
    const events = s % 10 === 9 ? 0 : Math.floor(rnd() * 6);
    for (let i = 0; i < events; i++) {
      reg.record('lv_event_rtt_ms', { event: 'inc', view: '/c' }, 1 + rnd() * 200);
      reg.record('lv_diff_bytes', { event: 'inc', view: '/c' }, Math.floor(rnd() * 500));
      reg.count('lv_events', { event: 'inc', view: '/c' });
    }
    reg.gauge('users_active', {}, s);
    out.push(reg.takeInterval(START + (s + 1) * 1000));
  }
  return out;
}

function mergedStats(snaps: readonly Interval[]): unknown {
  const m = snaps.reduce((acc, s) => acc.add(s), new IntervalMerger()).result();
  return { histograms: m.histograms.map((h) => ({ ...summarize(h), hdr: undefined })), counters: m.counters };
}

describe('buildSeries', () => {
  it('gives one point per interval: t at the interval end, ms percentiles, counter deltas (0 when idle), gauges', () => {
    const snaps = run(12);
    const series = buildSeries(snaps, { startedAt: START, intervalMs: 1000 });
    expect(series.intervalMs).toBe(1000);
    expect(series.t).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 1000));
    // Only the _ms histogram gets a latency series.
    expect(series.latency.map((l) => l.name)).toEqual(['lv_event_rtt_ms']);
    const rtt = series.latency[0];
    const events = series.counters.find((c) => c.name === 'lv_events');
    snaps.forEach((s, i) => {
      const h = s.histograms.find((e) => e.name === 'lv_event_rtt_ms');
      const c = s.counters.find((e) => e.name === 'lv_events');
      expect(rtt?.count[i]).toBe(h ? summarize(h).count : 0);
      expect(rtt?.p95[i]).toBe(h ? summarize(h).p95 : null);
      expect(events?.values[i]).toBe(c ? c.value : 0);
    });
    expect(rtt?.count[9]).toBe(0);
    expect(rtt?.p50[9]).toBeNull();
    expect(series.gauges).toEqual([{ name: 'users_active', labels: {}, values: Array.from({ length: 12 }, (_, i) => i) }]);
  });

  it('downsamples long runs to at most maxPoints by exact merges of adjacent intervals', () => {
    const snaps = run(1000);
    const series = buildSeries(snaps, { startedAt: START, intervalMs: 1000, maxPoints: 300 });
    // ⌈1000 / 300⌉ = 4 intervals per point → 250 points, the last one ending at the run end.
    expect(series.intervalMs).toBe(4000);
    expect(series.t).toHaveLength(250);
    expect(series.t[0]).toBe(4000);
    expect(series.t.at(-1)).toBe(1_000_000);
    const countOf = (ss: readonly Interval[], name: string): number =>
      ss.reduce((sum, s) => sum + s.histograms.filter((h) => h.name === name).reduce((a, h) => a + summarize(h).count, 0), 0);
    const rtt = series.latency[0];
    expect(rtt?.count.reduce((a, b) => a + b, 0)).toBe(countOf(snaps, 'lv_event_rtt_ms'));
    const events = series.counters.find((c) => c.name === 'lv_events');
    expect(events?.values.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(snaps.reduce((a, s) => a + (s.counters[0]?.value ?? 0), 0));
    // Gauges: the last reading of each group.
    expect(series.gauges[0]?.values.slice(0, 3)).toEqual([3, 7, 11]);

    const points = downsampleIntervals(snaps, 300);
    expect(points).toHaveLength(250);
    // Merging every downsampled point gives exactly the run totals, for every histogram (not just _ms).
    expect(mergedStats(points)).toEqual(mergedStats(snaps));
    // And each point is exactly the merge of its four intervals.
    expect(mergedStats([points[17] as Interval])).toEqual(mergedStats(snaps.slice(68, 72)));
  });

  it('handles a run with no intervals', () => {
    expect(buildSeries([], { startedAt: START, intervalMs: 1000 })).toEqual({ intervalMs: 1000, t: [], latency: [], counters: [], gauges: [] });
  });
});
