import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadConfigError } from '../../src/common/config-error.js';
import { formatDuration, parseDuration } from '../../src/load/duration.js';

describe('parseDuration', () => {
  it.each([
    [250, 250],
    [0, 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s', 3_723_000],
    ['1.5s', 1_500],
    ['1.001s', 1_001],
    ['0.1s', 100],
    ['1s500ms', 1_500],
    ['.5m', 30_000],
    ['0', 0],
    [' 30s ', 30_000],
  ] as const)('%j → %d ms', (input, ms) => {
    expect(parseDuration(input, '--ramp')).toBe(ms);
  });

  it('names the setting and the bad value, with examples', () => {
    expect(() => parseDuration('30 sec', '--ramp')).toThrow(new LoadConfigError('--ramp: "30 sec" is not a duration (try 30s, 2m, 1m30s, 500ms)'));
    expect(() => parseDuration('30 sec', '--ramp')).toThrow(LoadConfigError);
  });

  it.each(['', '30', '30S', '-5s', '1m1m', '30s1m', '1.s', 's', '1 m', '1e3ms', '5d', '10ms5s', 'abc'])('rejects %j', (input) => {
    expect(() => parseDuration(input, 'options.duration')).toThrow(/^options\.duration: ".*" is not a duration/);
  });

  it('rejects negative and non-finite numbers and non-durations', () => {
    expect(() => parseDuration(-1, 'x')).toThrow(/x: -1 is not a duration/);
    expect(() => parseDuration(Number.NaN, 'x')).toThrow(/x: NaN is not a duration/);
    expect(() => parseDuration(Infinity, 'x')).toThrow(/x: Infinity/);
    expect(() => parseDuration(null as unknown as string, 'x')).toThrow(/x: null is not a duration/);
    expect(() => parseDuration({} as unknown as string, 'x')).toThrow(/x: an object is not a duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [1_001, '1.001s'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [120_000, '2m'],
    [3_600_000, '1h'],
    [3_723_000, '1h2m3s'],
    [3_600_500, '1h0.5s'],
    [249.6, '250ms'],
    [-1_500, '-1.5s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration for whole milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 24 * 3_600_000 }), (ms) => parseDuration(formatDuration(ms), 'x') === ms),
      { numRuns: 2_000 },
    );
  });
});
