import { describe, expect, it } from 'vitest';
import { compareResults, compareVariants, judge, DEFAULT_CRITERIA } from '../../src/report/compare.js';
import { decodeDistribution } from '../../src/report/distribution.js';
import type { Results } from '../../src/metrics/model.js';
import { DEFAULT_EVENTS, encodeSamples, fakeResults, logNormal, rng, type FakeEvent } from '../support/fake-results.js';

const LIST: FakeEvent[] = [
  { event: 'add', view: '/items', count: 1500, rttMs: { median: 8, sigma: 0.35 }, diffBytes: { median: 6000, sigma: 0.1 }, streamOps: 0 },
];
const STREAM: FakeEvent[] = [
  { event: 'add', view: '/items', count: 1500, rttMs: { median: 8, sigma: 0.35 }, diffBytes: { median: 300, sigma: 0.1 }, streamOps: 1 },
];

function find(c: ReturnType<typeof compareResults>, key: string) {
  const m = c.metrics.find((x) => x.key === key);
  if (!m) throw new Error(`no ${key} in comparison (have ${c.metrics.map((x) => x.key).join(', ')})`);
  return m;
}

/** Scales every RTT median: a machine that is a little slower or busier in one run. */
function noisy(events: readonly FakeEvent[], factor: number): FakeEvent[] {
  return events.map((e) => ({ ...e, rttMs: { ...e.rttMs, median: e.rttMs.median * factor } }));
}

describe('compareResults', () => {
  it('two runs of the same scenario (different seeds, 3 % machine drift) show no clear difference anywhere', () => {
    for (const [sa, sb] of [
      [1, 2],
      [3, 4],
      [5, 6],
    ] as const) {
      const a = fakeResults({ seed: sa });
      const b = fakeResults({ seed: sb, events: noisy(DEFAULT_EVENTS, 1.03) });
      const c = compareResults(a, b);
      expect(c.metrics.length).toBeGreaterThan(20);
      const called = c.metrics.filter((m) => m.verdict.direction !== 'none').map((m) => `${m.key}: ${m.verdict.text} (${m.verdict.detail})`);
      expect(called).toEqual([]);
      for (const m of c.metrics) expect(m.verdict.text).toBe('no clear difference');
    }
  });

  it('finds the diff-bytes difference of stream vs list (~300 B vs ~6 kB) with the right direction', () => {
    const list = fakeResults({ seed: 10, events: LIST, scenario: 'list' });
    const stream = fakeResults({ seed: 11, events: STREAM, scenario: 'stream' });
    const c = compareResults(list, stream, { names: ['list', 'stream'] });
    const bytes = find(c, 'lv_diff_bytes{event=add,view=/items}');
    expect(bytes.verdict.direction).toBe('b-lower');
    expect(bytes.verdict.text).toBe('stream smaller');
    expect(bytes.diff.p50.pct).toBeLessThan(-90);
    expect(bytes.test!.cliffsDelta).toBe(1);
    expect(bytes.test!.p).toBeLessThan(1e-10);
    expect(bytes.test!.medianDiffCi![1]).toBeLessThan(-5000);
    // Same RTT distribution on both sides: no call.
    expect(find(c, 'lv_event_rtt_ms{event=add,view=/items}').verdict.direction).toBe('none');

    const reversed = compareResults(stream, list, { names: ['stream', 'list'] });
    expect(find(reversed, 'lv_diff_bytes{event=add,view=/items}').verdict).toMatchObject({ direction: 'a-lower', text: 'stream smaller' });
  });

  it('calls a real latency improvement "faster" and lists one-sided metrics', () => {
    const slow = fakeResults({ seed: 20, events: LIST });
    const fast = fakeResults({ seed: 21, events: noisy(LIST, 0.7).map((e) => ({ ...e, event: 'add' })) });
    const c = compareResults(slow, fast, { names: ['before', 'after'] });
    const rtt = find(c, 'lv_event_rtt_ms{event=add,view=/items}');
    expect(rtt.verdict.text).toBe('after faster');
    expect(rtt.diff.p50.pct!).toBeLessThan(-20);

    const other = fakeResults({ seed: 22 });
    const partial = compareResults(slow, other);
    expect(partial.onlyInA).toContain('lv_event_rtt_ms{event=add,view=/items}');
    expect(partial.onlyInB).toContain('lv_event_rtt_ms{event=inc,view=/counter}');
  });

  it('requires a practical effect: a significant but tiny shift is "no clear difference"', () => {
    const rand = rng(5);
    const a = Array.from({ length: 40_000 }, () => logNormal(rand, { median: 10, sigma: 0.3 }));
    const b = Array.from({ length: 40_000 }, () => logNormal(rand, { median: 10.3, sigma: 0.3 }));
    const da = decodeDistribution(encodeSamples(a, 'ms'), 'ms');
    const db = decodeDistribution(encodeSamples(b, 'ms'), 'ms');
    const { test, verdict } = judge(da, db, 'ms', ['A', 'B'], DEFAULT_CRITERIA, { resamples: 200, seed: 1 });
    expect(test!.p).toBeLessThan(0.01); // n is large enough that a 3 % shift is "significant" …
    expect(Math.abs(test!.cliffsDelta)).toBeLessThan(0.147); // … but negligible
    expect(verdict.direction).toBe('none');
    expect(verdict.detail).toMatch(/negligible effect/);
  });

  it('below the absolute floor for timings (0.5 ms) there is no call even for a large relative change', () => {
    const rand = rng(6);
    const a = Array.from({ length: 3000 }, () => logNormal(rand, { median: 0.6, sigma: 0.1 }));
    const b = Array.from({ length: 3000 }, () => logNormal(rand, { median: 0.9, sigma: 0.1 }));
    const { verdict } = judge(
      decodeDistribution(encodeSamples(a, 'ms'), 'ms'),
      decodeDistribution(encodeSamples(b, 'ms'), 'ms'),
      'ms',
      ['A', 'B'],
      DEFAULT_CRITERIA,
      { resamples: 0, seed: 1 },
    );
    expect(verdict.direction).toBe('none');
    expect(verdict.detail).toMatch(/< 0.5 ms/);
  });

  it('too few samples: no call, and the reason says so', () => {
    const { test, verdict } = judge(
      decodeDistribution(encodeSamples([1, 2, 3], 'bytes'), 'bytes'),
      decodeDistribution(encodeSamples([100, 200, 300], 'bytes'), 'bytes'),
      'bytes',
      ['A', 'B'],
      DEFAULT_CRITERIA,
      { resamples: 0, seed: 1 },
    );
    expect(test).toBeNull();
    expect(verdict).toMatchObject({ direction: 'none', text: 'no clear difference' });
    expect(verdict.detail).toMatch(/too few samples/);
  });

  it('uses the mean when medians tie (discrete metrics like stream ops)', () => {
    const zerosAndOnes = (ones: number): number[] => [...new Array<number>(1000 - ones).fill(0), ...new Array<number>(ones).fill(1)];
    const { verdict } = judge(
      decodeDistribution(encodeSamples(zerosAndOnes(100), 'count'), 'count'),
      decodeDistribution(encodeSamples(zerosAndOnes(450), 'count'), 'count'),
      'count',
      ['A', 'B'],
      DEFAULT_CRITERIA,
      { resamples: 0, seed: 1 },
    );
    expect(verdict).toMatchObject({ direction: 'a-lower', text: 'A lower' });
    expect(verdict.detail).toMatch(/^mean \+350/);
  });
});

describe('compareVariants', () => {
  const run: Results = fakeResults({ seed: 30, variants: { list: { events: LIST }, stream: { events: STREAM } } });

  it('compares the variant labels of one run in the same shape as two runs', () => {
    const c = compareVariants(run);
    expect(c.a.name).toBe('list');
    expect(c.b.name).toBe('stream');
    const bytes = find(c, 'lv_diff_bytes{event=add,view=/items}');
    expect(bytes.verdict.text).toBe('stream smaller');
    expect(bytes.labels).toEqual({ event: 'add', view: '/items' });
    // Views are identical in both variants: no difference called.
    expect(find(c, 'lv_mount_ms{view=/counter}').verdict.direction).toBe('none');
    expect(c.counters.find((x) => x.key === 'lv_events{event=add,view=/items}')).toMatchObject({ a: 1500, b: 1500 });
  });

  it('picks named variants and rejects a run without variants', () => {
    expect(compareVariants(run, { a: 'stream', b: 'list' }).a.name).toBe('stream');
    expect(() => compareVariants(fakeResults({ seed: 1 }))).toThrow(/fewer than two variants/);
  });
});
