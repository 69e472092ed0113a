import { describe, expect, it } from 'vitest';
import { LoadConfigError } from '../../src/common/config-error.js';
import {
  arrivalsDue,
  describeProfile,
  parseStages,
  resolveProfile,
  splitVariants,
  targetUsersAt,
  totalDurationMs,
  type ArrivalProfile,
  type LoadProfile,
} from '../../src/load/profile.js';

describe('resolveProfile', () => {
  it('defaults to 1 user for 30s, no ramp, 10s graceful stop', () => {
    expect(resolveProfile({}, {})).toEqual({ kind: 'constant', users: 1, rampMs: 0, durationMs: 30_000, gracefulStopMs: 10_000 });
  });

  it('reads the scenario options', () => {
    expect(resolveProfile({ users: 20, ramp: '10s', duration: '20s', iterations: 500, gracefulStop: '5s' })).toEqual({
      kind: 'constant', users: 20, rampMs: 10_000, durationMs: 20_000, iterations: 500, gracefulStopMs: 5_000,
    });
  });

  it('lets CLI flags win, ignoring unset (undefined) flags', () => {
    const profile = resolveProfile({ users: 20, ramp: '10s', duration: '20s' }, { users: 50, duration: '1m', ramp: undefined });
    expect(profile).toEqual({ kind: 'constant', users: 50, rampMs: 10_000, durationMs: 60_000, gracefulStopMs: 10_000 });
  });

  it('accepts numbers given as text by the command line', () => {
    expect(resolveProfile({}, { users: '12' as unknown as number })).toMatchObject({ users: 12 });
    expect(resolveProfile({}, { arrivalRate: '2.5' as unknown as number })).toMatchObject({ kind: 'arrival', ratePerSec: 2.5 });
  });

  it('caps a run bounded by iterations only at 10m', () => {
    expect(resolveProfile({ users: 5, iterations: 100 })).toMatchObject({ durationMs: 600_000, iterations: 100 });
  });

  it('builds stages from the scenario or from --stages text', () => {
    expect(resolveProfile({ stages: [{ duration: '30s', target: 10 }, { duration: 0, target: 20 }, { duration: '10s', target: 0 }] })).toEqual({
      kind: 'stages', stages: [{ durationMs: 30_000, target: 10 }, { durationMs: 0, target: 20 }, { durationMs: 10_000, target: 0 }], gracefulStopMs: 10_000,
    });
    expect(resolveProfile({ users: 5, ramp: '1s' }, { stagesSpec: '30s:10, 1m:10,10s:0' })).toEqual({
      kind: 'stages', stages: [{ durationMs: 30_000, target: 10 }, { durationMs: 60_000, target: 10 }, { durationMs: 10_000, target: 0 }], gracefulStopMs: 10_000,
    });
  });

  it('builds the arrival model with maxInFlight defaulting to 4 × rate', () => {
    expect(resolveProfile({ arrivalRate: 5, duration: '1m', ramp: '10s' })).toEqual({
      kind: 'arrival', ratePerSec: 5, durationMs: 60_000, rampMs: 10_000, maxInFlight: 20, gracefulStopMs: 10_000,
    });
    expect(resolveProfile({ arrivalRate: 0.1 })).toMatchObject({ maxInFlight: 1 });
    expect(resolveProfile({ arrivalRate: 2, maxInFlight: 7 })).toMatchObject({ maxInFlight: 7 });
  });

  it('replaces the scenario model with the CLI one, keeping the settings that still fit', () => {
    // Scenario: arrival model with maxInFlight. CLI: users. maxInFlight belonged to the replaced model.
    expect(resolveProfile({ arrivalRate: 5, maxInFlight: 9, duration: '2m' }, { users: 8 })).toEqual({
      kind: 'constant', users: 8, rampMs: 0, durationMs: 120_000, gracefulStopMs: 10_000,
    });
    // Scenario: users with ramp. CLI: stages. The ramp belonged to the replaced model.
    expect(resolveProfile({ users: 5, ramp: '10s', duration: '1m' }, { stagesSpec: '5s:3' })).toMatchObject({ kind: 'stages' });
  });

  const contradictions: Array<[string, Parameters<typeof resolveProfile>[0], Parameters<typeof resolveProfile>[1], RegExp]> = [
    ['--arrival-rate with --users', {}, { arrivalRate: 5, users: 10 }, /^--users and --arrival-rate cannot be combined: an arrival rate \(open model\) and a user count \(closed model\)/],
    ['--stages with --users', {}, { users: 10, stagesSpec: '10s:5' }, /^--users and --stages cannot be combined: stages already say/],
    ['options.arrivalRate with options.stages', { stages: [{ duration: '1s', target: 1 }], arrivalRate: 2 }, {}, /^options\.stages and options\.arrivalRate cannot be combined/],
    ['--ramp with --stages', {}, { stagesSpec: '10s:5', ramp: '5s' }, /^--ramp does not apply to --stages: stages carry their own durations/],
    ['--duration with scenario stages', { stages: [{ duration: '1s', target: 1 }] }, { duration: '1m' }, /^--duration does not apply to options\.stages/],
    ['options.ramp with options.stages', { stages: [{ duration: '1s', target: 1 }], ramp: '1s' }, {}, /^options\.ramp does not apply to options\.stages/],
    ['--max-in-flight without an arrival rate', { users: 3 }, { maxInFlight: 4 }, /^--max-in-flight does not apply to options\.users: it only limits the arrival-rate model/],
    ['--max-in-flight with the default model', {}, { maxInFlight: 4 }, /^--max-in-flight does not apply to the default model \(constant users\)/],
    ['negative users', {}, { users: -5 }, /^--users: -5 must be a whole number ≥ 1$/],
    ['fractional users', { users: 1.5 }, {}, /^options\.users: 1\.5 must be a whole number ≥ 1$/],
    ['zero users', {}, { users: 0 }, /^--users: 0 must be a whole number ≥ 1$/],
    ['non-numeric users', {}, { users: 'ten' as unknown as number }, /^--users: "ten" is not a number$/],
    ['zero arrival rate', {}, { arrivalRate: 0 }, /^--arrival-rate: 0 must be > 0 arrivals per second$/],
    ['negative arrival rate', { arrivalRate: -1 }, {}, /^options\.arrivalRate: -1 must be > 0/],
    ['bad duration', {}, { duration: '30 sec' }, /^--duration: "30 sec" is not a duration/],
    ['negative ramp', { ramp: -5 }, {}, /^options\.ramp: -5 is not a duration/],
    ['nothing to run', {}, { duration: 0 }, /^--duration: ramp and duration are both 0, so there is nothing to run$/],
    ['zero iterations', {}, { iterations: 0 }, /^--iterations: 0 must be a whole number ≥ 1$/],
    ['bad graceful stop', { gracefulStop: 'soon' }, {}, /^options\.gracefulStop: "soon" is not a duration/],
    ['stages with no duration', { stages: [{ duration: 0, target: 5 }] }, {}, /^options\.stages: all stage durations are 0, so there is nothing to run$/],
    ['a stage missing its duration', { stages: [{ target: 5 } as never] }, {}, /^options\.stages\[0\]: missing duration$/],
    ['empty stages', { stages: [] }, {}, /^options\.stages: expected a non-empty list/],
    ['negative stage target', {}, { stagesSpec: '10s:-1' }, /^--stages stage 1 target: -1 must be a whole number ≥ 0$/],
    ['malformed --stages', {}, { stagesSpec: '10s:5,30s' }, /^--stages: stage 2 "30s" is not duration:target \(e\.g\. 30s:10\)$/],
    ['empty --stages', {}, { stagesSpec: ' ' }, /^--stages: empty/],
    ['bad stage duration', {}, { stagesSpec: '10x:5' }, /^--stages stage 1: "10x" is not a duration/],
  ];
  it.each(contradictions)('rejects %s with a clear error', (_name, options, overrides, message) => {
    let error: unknown;
    try {
      resolveProfile(options, overrides);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LoadConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('parseStages parses the --stages syntax', () => {
    expect(parseStages('1m30s:10,500ms:0')).toEqual([{ durationMs: 90_000, target: 10 }, { durationMs: 500, target: 0 }]);
  });
});

describe('targetUsersAt', () => {
  const constant = resolveProfile({ users: 20, ramp: '10s', duration: '20s' });

  it('ramps linearly one user at a time, reaching the target at the end of the ramp, then holds', () => {
    expect(targetUsersAt(constant, -1)).toBe(0);
    expect(targetUsersAt(constant, 0)).toBe(0);
    expect(targetUsersAt(constant, 499)).toBe(0);
    expect(targetUsersAt(constant, 500)).toBe(1);
    expect(targetUsersAt(constant, 5_000)).toBe(10);
    expect(targetUsersAt(constant, 9_999)).toBe(19);
    expect(targetUsersAt(constant, 10_000)).toBe(20);
    expect(targetUsersAt(constant, 29_999)).toBe(20);
    expect(targetUsersAt(constant, 30_000)).toBe(0); // the schedule is over; the graceful stop is the engine's
  });

  it('starts everyone at once without a ramp', () => {
    expect(targetUsersAt(resolveProfile({ users: 7 }), 0)).toBe(7);
  });

  it('interpolates between k6-style stages, up and down, each reached at its stage end', () => {
    const stages = resolveProfile({}, { stagesSpec: '10s:10,10s:10,5s:0,0s:4,5s:4' });
    const at = (t: number): number => targetUsersAt(stages, t);
    expect([0, 999, 1_000, 5_000, 9_999].map(at)).toEqual([0, 0, 1, 5, 9]);
    expect([10_000, 15_000, 19_999].map(at)).toEqual([10, 10, 10]);
    // Down 10 → 0 over 5s: one user leaves every 500 ms, the last at the end of the stage.
    expect([20_000, 20_499, 20_500, 22_500, 24_999].map(at)).toEqual([10, 10, 9, 5, 1]);
    // A 0s stage jumps; the next holds.
    expect([25_000, 29_999, 30_000].map(at)).toEqual([4, 4, 0]);
    expect(totalDurationMs(stages)).toBe(30_000);
  });

  it('is 0 for the arrival model, whose arrivals are counted by arrivalsDue', () => {
    expect(targetUsersAt(resolveProfile({ arrivalRate: 5 }), 1_000)).toBe(0);
  });
});

describe('arrivalsDue', () => {
  const arrival = (over: Partial<ArrivalProfile>): ArrivalProfile => ({ kind: 'arrival', ratePerSec: 10, durationMs: 10_000, maxInFlight: 40, gracefulStopMs: 0, ...over });

  it('schedules arrivals at 0, 1/rate, 2/rate, … counting those in [from, to)', () => {
    const p = arrival({});
    expect(arrivalsDue(p, 0, 1)).toBe(1); // arrival 0 at t = 0
    expect(arrivalsDue(p, 1, 100)).toBe(0);
    expect(arrivalsDue(p, 0, 100)).toBe(1); // arrival 1 is at exactly 100 ms, not in [0, 100)
    expect(arrivalsDue(p, 100, 101)).toBe(1);
    expect(arrivalsDue(p, 0, 1_000)).toBe(10);
    expect(arrivalsDue(p, 0, 10_000)).toBe(100);
    expect(arrivalsDue(p, 0, 60_000)).toBe(100); // nothing after the end
    expect(arrivalsDue(p, 500, 500)).toBe(0);
    expect(arrivalsDue(p, 600, 500)).toBe(0);
  });

  it('never drifts: any way of slicing time adds up to the same total', () => {
    const p = arrival({ ratePerSec: 7.3, rampMs: 3_000, durationMs: 12_345 });
    const total = arrivalsDue(p, 0, totalDurationMs(p) + 1);
    // Jittery ticks like a real timer: 1..97 ms steps.
    let sum = 0;
    let t = 0;
    for (let i = 0; t < totalDurationMs(p) + 200 && i < 100_000; i++) {
      const next = t + 1 + ((i * 37) % 97);
      sum += arrivalsDue(p, t, next);
      t = next;
    }
    expect(sum).toBe(total);
    // ∫rate = 7.3 × (3s / 2 + 12.345s) = 101.0685 → arrivals 0..101.
    expect(total).toBe(102);
  });

  it('ramps the rate linearly: a quarter of the ramp-phase arrivals in its first half', () => {
    const p = arrival({ ratePerSec: 10, rampMs: 10_000, durationMs: 10_000 });
    // ∫ over the ramp = 10/s × 10s / 2 = 50; over its first half = 12.5 → arrivals 0..12.
    expect(arrivalsDue(p, 0, 5_000)).toBe(13);
    expect(arrivalsDue(p, 0, 10_000)).toBe(50);
    expect(arrivalsDue(p, 10_000, 11_000)).toBe(10);
    expect(arrivalsDue(p, 0, 20_000)).toBe(150);
  });

  it('is 0 for closed models', () => {
    expect(arrivalsDue(resolveProfile({ users: 3 }), 0, 10_000)).toBe(0);
  });
});

describe('describeProfile', () => {
  it.each<[LoadProfile, string]>([
    [resolveProfile({ users: 20, ramp: '10s', duration: '20s' }), '20 users, ramp 10s, hold 20s'],
    [resolveProfile({ users: 1 }), '1 user, hold 30s'],
    [resolveProfile({ users: 5, iterations: 100 }), '5 users, hold 10m, stop after 100 iterations'],
    [resolveProfile({}, { stagesSpec: '30s:10,1m:10,10s:0' }), 'stages 30s→10, 1m→10, 10s→0 (1m40s)'],
    [resolveProfile({ arrivalRate: 5, ramp: '10s', duration: '1m' }), '5/s arrivals, ramp 10s, hold 1m, max 20 in flight'],
  ])('%j', (profile, text) => {
    expect(describeProfile(profile)).toBe(text);
  });
});

describe('splitVariants', () => {
  it('interleaves variants so they run at the same time, evenly', () => {
    expect([0, 1, 2, 3, 4].map((id) => splitVariants(['A', 'B'], id))).toEqual(['A', 'B', 'A', 'B', 'A']);
    expect([0, 1, 2, 3].map((id) => splitVariants(['x', 'y', 'z'], id))).toEqual(['x', 'y', 'z', 'x']);
  });

  it('rejects no variants and bad ids', () => {
    expect(() => splitVariants([], 0)).toThrow(/no variants/);
    expect(() => splitVariants(['A'], -1)).toThrow(/user id -1/);
  });
});
