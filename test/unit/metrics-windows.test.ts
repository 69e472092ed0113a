import { describe, expect, it } from 'vitest';
import { buildSeries } from '../../src/metrics/timeline.js';
import { evaluateThresholds, parseThreshold } from '../../src/metrics/thresholds.js';
import { intervalSaturation, selectIntervals, windowFigures, STEADY, type IntervalTag } from '../../src/metrics/windows.js';
import { phaseOfInterval, profilePhases, tagIntervals } from '../../src/load/phases.js';
import { assembleResults } from '../../src/load/run-results.js';
import type { LoadProfile } from '../../src/load/profile.js';
import { constantProfile as constant, PHASED_START as START, QUIET_HEALTH as HEALTH, recordPhasedRun } from '../support/phased-run.js';

describe('load phases', () => {
  it('splits each profile kind into ramp / hold / ramp-down spans', () => {
    expect(profilePhases(constant(10, 5000, 20_000))).toEqual([
      { stage: 0, kind: 'ramp', fromMs: 0, toMs: 5000, target: 10 },
      { stage: 1, kind: 'hold', fromMs: 5000, toMs: 25_000, target: 10 },
    ]);
    expect(profilePhases(constant(10, 0, 20_000))).toEqual([{ stage: 0, kind: 'hold', fromMs: 0, toMs: 20_000, target: 10 }]);
    const stages: LoadProfile = { kind: 'stages', gracefulStopMs: 0, stages: [{ durationMs: 3000, target: 5 }, { durationMs: 4000, target: 5 }, { durationMs: 0, target: 9 }, { durationMs: 2000, target: 0 }] };
    expect(profilePhases(stages).map((p) => [p.stage, p.kind, p.fromMs, p.toMs])).toEqual([
      [0, 'ramp', 0, 3000],
      [1, 'hold', 3000, 7000],
      // a zero-length stage has no interval of its own
      [3, 'ramp-down', 7000, 9000],
    ]);
    const arrival: LoadProfile = { kind: 'arrival', ratePerSec: 4, rampMs: 2000, durationMs: 8000, maxInFlight: 16, gracefulStopMs: 0 };
    expect(profilePhases(arrival).map((p) => p.kind)).toEqual(['ramp', 'hold']);
  });

  it('puts an interval in the phase of its midpoint and says whether it lies wholly inside', () => {
    const phases = profilePhases(constant(10, 5000, 20_000));
    expect(phaseOfInterval(phases, -1000, 0)).toEqual({ kind: 'setup', stage: null, whole: true });
    expect(phaseOfInterval(phases, -400, 600)).toEqual({ kind: 'ramp', stage: 0, whole: false });
    expect(phaseOfInterval(phases, 4000, 5000)).toEqual({ kind: 'ramp', stage: 0, whole: true });
    expect(phaseOfInterval(phases, 4600, 5600)).toEqual({ kind: 'hold', stage: 1, whole: false });
    expect(phaseOfInterval(phases, 24_000, 25_000)).toEqual({ kind: 'hold', stage: 1, whole: true });
    expect(phaseOfInterval(phases, 25_000, 26_000)).toEqual({ kind: 'stop', stage: null, whole: true });
  });
});

const recordRun = recordPhasedRun;

describe('interval tags and windows', () => {
  it('flags saturation from the sampler gauge or the interval lag, with reasons', () => {
    const { intervals } = recordRun();
    expect(intervalSaturation(intervals[5]!)).toEqual({ saturated: false, reasons: [] });
    expect(intervalSaturation(intervals[6]!)).toEqual({ saturated: true, reasons: ['harness saturated'] });
    expect(intervalSaturation(intervals[7]!).reasons).toEqual(['event-loop lag p99 120 ms']);
  });

  it('tags every interval with phase, 1-based stage and saturation', () => {
    const { intervals } = recordRun();
    const tags = tagIntervals(intervals, constant(5, 3000, 8000), START, START + 1000);
    expect(tags.map((t) => t.phase)).toEqual(['setup', 'ramp', 'ramp', 'ramp', 'hold', 'hold', 'hold', 'hold', 'hold', 'hold', 'hold', 'hold']);
    expect(tags.map((t) => t.stage)).toEqual([null, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(tags.map((t) => t.saturated)).toEqual([false, false, false, false, false, false, true, true, false, false, false, false]);
    expect(tags[0]).toMatchObject({ fromMs: 0, toMs: 1000 });
  });

  it('steady state = hold intervals the harness was not saturated in, merged exactly; the rest counted and listed', () => {
    const { intervals, rtts } = recordRun();
    const tags = tagIntervals(intervals, constant(5, 3000, 8000), START, START + 1000);
    const steady = windowFigures(intervals, tags, STEADY);
    expect(steady.selector).toBe('phase=hold, not saturated');
    expect(steady.intervals).toBe(6); // hold is 4..11, minus 6 and 7
    expect(steady.durationMs).toBe(6000);
    expect(steady.excludedIntervals).toBe(2);
    expect(steady.excluded).toEqual([
      { fromMs: 6000, toMs: 7000, intervals: 1, phase: 'hold', reasons: ['harness saturated'] },
      { fromMs: 7000, toMs: 8000, intervals: 1, phase: 'hold', reasons: ['event-loop lag p99 120 ms'] },
    ]);
    const expected = [4, 5, 8, 9, 10, 11].flatMap(rtts);
    const rtt = steady.metrics.find((m) => m.name === 'lv_event_rtt_ms')!;
    expect(rtt.count).toBe(expected.length);
    // HDR keeps 3 significant digits: 50 ms is stored in the bucket [49.984, 50.016).
    expect(rtt.min).toBeCloseTo(50, 1);
    expect(rtt.max).toBeCloseTo(120, 0);
    expect(steady.counters.find((c) => c.name === 'lv_events')!.value).toBe(expected.length);
    // The same phase with saturated intervals kept, and only the ramp.
    expect(selectIntervals(tags, { phase: 'hold', saturated: 'any' }).included).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(selectIntervals(tags, { phase: 'ramp' }).included).toEqual([1, 2, 3]);
    expect(selectIntervals(tags, { saturated: true }).included).toEqual([6, 7]);
    expect(selectIntervals(tags, { stage: 2 }).included).toEqual([4, 5, 8, 9, 10, 11]);
  });

  it('excludes intervals that straddle a phase boundary from a phase window', () => {
    const tags: IntervalTag[] = [
      { fromMs: 0, toMs: 1000, phase: 'ramp', stage: 1, whole: true, saturated: false, reasons: [] },
      { fromMs: 1000, toMs: 2000, phase: 'hold', stage: 2, whole: false, saturated: false, reasons: [] },
      { fromMs: 2000, toMs: 3000, phase: 'hold', stage: 2, whole: true, saturated: false, reasons: [] },
    ];
    expect(selectIntervals(tags, { phase: 'hold' })).toEqual({
      included: [2],
      excluded: [{ fromMs: 1000, toMs: 2000, intervals: 1, phase: 'hold', reasons: ['phase boundary'] }],
    });
  });

  it('series points carry phase, stage and saturation; a downsampled point is saturated if any of its intervals was', () => {
    const { intervals } = recordRun();
    const tags = tagIntervals(intervals, constant(5, 3000, 8000), START, START + 1000);
    const full = buildSeries(intervals, { startedAt: START, intervalMs: 1000, tags });
    expect(full.phase).toEqual(tags.map((t) => t.phase));
    expect(full.saturated).toEqual(tags.map((t) => t.saturated));
    const coarse = buildSeries(intervals, { startedAt: START, intervalMs: 1000, tags, maxPoints: 4 });
    expect(coarse.phase).toEqual(['mixed', 'mixed', 'hold', 'hold']);
    expect(coarse.stage).toEqual([null, null, 2, 2]);
    expect(coarse.saturated).toEqual([false, false, true, false]);
  });
});

describe('thresholds over windows', () => {
  it('parses phase, stage and saturated as interval selectors, with clear errors', () => {
    expect(parseThreshold('lv_event_rtt_ms{event=inc,phase=hold}:p95<100')).toMatchObject({ labels: { event: 'inc' }, window: { phase: 'hold' } });
    expect(parseThreshold('lv_events{stage=2,saturated=any}:rate>1').window).toEqual({ stage: 2, saturated: 'any' });
    expect(parseThreshold('lv_event_rtt_ms:p95<100').window).toBeUndefined();
    expect(() => parseThreshold('lv_event_rtt_ms{phase=steady}:p95<100')).toThrow(/phase must be one of setup, ramp, hold, ramp-down, stop/);
    expect(() => parseThreshold('lv_event_rtt_ms{stage=0}:p95<100')).toThrow(/stage must be a whole number ≥ 1/);
    expect(() => parseThreshold('lv_event_rtt_ms{saturated=no}:p95<100')).toThrow(/saturated must be true, false or any/);
    expect(() => parseThreshold('lv_event_rtt_ms{phse=hold}:p95<100')).toThrow(/did you mean 'phase'/);
  });

  it('judges the steady state apart from the whole run, and says what it left out', () => {
    const { acc } = recordRun();
    const results = assembleResults({
      scenario: 's',
      target: 'http://127.0.0.1:1',
      profile: constant(5, 3000, 8000),
      startedAt: START,
      endedAt: START + 12_000,
      loadStartedAt: START + 1000,
      accumulator: acc,
      health: HEALTH,
      versions: {},
      thresholds: ['lv_event_rtt_ms:max<100', 'lv_event_rtt_ms{phase=hold}:min>=49.9', 'lv_event_rtt_ms{phase=ramp}:max<=40.1', 'lv_events{phase=hold}:rate>0', 'lv_event_rtt_ms{phase=ramp-down}:p95<1'],
    });
    const [whole, hold, ramp, rate, none] = results.thresholds;
    expect(whole!.pass).toBe(false); // whole run reaches 120 ms
    expect(hold!.pass).toBe(true);
    expect(hold!.actual).toBeCloseTo(50, 1);
    expect(hold!.detail).toContain('in phase=hold, not saturated: 6 intervals, 2 left out (harness saturated, event-loop lag p99)');
    expect(ramp!.pass).toBe(true);
    expect(ramp!.actual).toBeCloseTo(40, 1);
    // rate per second of the selected intervals: (5+6+9+10+11+12) events over 6 s
    expect(rate!.actual).toBeCloseTo(53 / 6, 9);
    expect(none).toMatchObject({ pass: false, actual: undefined });
    expect(none!.detail).toMatch(/^no interval matched in phase=ramp-down/);
    expect(results.steady).toMatchObject({ intervals: 6, excludedIntervals: 2 });
    expect(results.series.phase![0]).toBe('setup');
    // Without per-interval data a window threshold fails with a reason instead of judging the whole run.
    const [alone] = evaluateThresholds(['lv_event_rtt_ms{phase=hold}:p95<100'], results);
    expect(alone).toMatchObject({ pass: false, actual: undefined });
  });
});
