import { describe, expect, it } from 'vitest';
import { collect, positiveNumber, wholeNumber } from '../../src/cli/flag-parsers.js';

describe('CLI flag parsers', () => {
  it('wholeNumber takes safe integers from min up, and names the flag otherwise', () => {
    expect(wholeNumber('--users', 0)('0')).toBe(0);
    expect(wholeNumber('--capacity', 1)('25')).toBe(25);
    expect(() => wholeNumber('--capacity', 1)('0')).toThrow('--capacity: "0" is not a whole number ≥ 1');
    for (const bad of ['1.5', '-1', 'ten', '', '9007199254740993']) {
      expect(() => wholeNumber('--users', 0)(bad)).toThrow(`--users: ${JSON.stringify(bad)} is not a whole number ≥ 0`);
    }
  });

  it('positiveNumber takes finite numbers > 0', () => {
    expect(positiveNumber('--arrival-rate')('2.5')).toBe(2.5);
    for (const bad of ['0', '-2', 'Infinity', 'NaN', 'x']) {
      expect(() => positiveNumber('--arrival-rate')(bad)).toThrow(`--arrival-rate: ${JSON.stringify(bad)} is not a number > 0`);
    }
  });

  it('collect keeps repeated values in order', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
  });
});
