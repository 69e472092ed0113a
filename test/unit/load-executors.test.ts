/**
 * The explicit load model (`load: { kind, … }`, k6's executors): each kind resolves to the same profile as its
 * shorthand keys, the README's executors example resolves as documented, and wrong or mixed declarations are
 * clear errors naming the setting.
 */
import { describe, expect, it } from 'vitest';
import { LoadConfigError } from '../../src/common/config-error.js';
import { expandLoad, resolveProfile } from '../../src/load/profile.js';
import type { ScenarioOptions } from '../../src/scenario/define.js';
import * as examples from '../../examples/api/executors.js';

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LoadConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a LoadConfigError');
};

describe('load executors', () => {
  it('each kind resolves to exactly the profile of its shorthand keys', () => {
    const pairs: Array<[ScenarioOptions, ScenarioOptions]> = [
      [{ load: { kind: 'constant', users: 20, ramp: '30s', duration: '2m' } }, { users: 20, ramp: '30s', duration: '2m' }],
      [{ load: { kind: 'constant', users: 3 } }, { users: 3 }],
      [{ load: { kind: 'constant', users: 5 }, iterations: 100, gracefulStop: '2s' }, { users: 5, iterations: 100, gracefulStop: '2s' }],
      [{ load: { kind: 'stages', stages: [{ duration: '10s', target: 4 }, { duration: '5s', target: 0 }] } }, { stages: [{ duration: '10s', target: 4 }, { duration: '5s', target: 0 }] }],
      [{ load: { kind: 'arrival', rate: 5, duration: '1m', ramp: '10s', maxUsers: 9 } }, { arrivalRate: 5, duration: '1m', ramp: '10s', maxInFlight: 9 }],
      [{ load: { kind: 'arrival', rate: 2 } }, { arrivalRate: 2 }],
    ];
    for (const [explicit, shorthand] of pairs) expect(resolveProfile(explicit)).toEqual(resolveProfile(shorthand));
  });

  it('resolves the README executors example as documented', () => {
    expect(resolveProfile({ load: examples.constant })).toEqual({ kind: 'constant', users: 20, rampMs: 30_000, durationMs: 120_000, gracefulStopMs: 10_000 });
    expect(resolveProfile({ load: examples.stages })).toEqual({
      kind: 'stages',
      stages: [{ durationMs: 30_000, target: 20 }, { durationMs: 60_000, target: 20 }, { durationMs: 10_000, target: 0 }],
      gracefulStopMs: 10_000,
    });
    expect(resolveProfile({ load: examples.arrival })).toEqual({ kind: 'arrival', ratePerSec: 5, durationMs: 60_000, rampMs: 0, maxInFlight: 40, gracefulStopMs: 10_000 });
  });

  it('takes load from the overrides (CLI / run() options) too, replacing the scenario model', () => {
    expect(resolveProfile({ users: 9, ramp: '5s' }, { load: { kind: 'arrival', rate: 3, duration: '20s' } })).toEqual({
      kind: 'arrival', ratePerSec: 3, durationMs: 20_000, rampMs: 5_000, maxInFlight: 12, gracefulStopMs: 10_000,
    });
    // A CLI flag replaces a scenario's explicit model the same way it replaces shorthand.
    expect(resolveProfile({ load: { kind: 'stages', stages: [{ duration: '5s', target: 2 }] } }, { users: 4, duration: '7s' })).toEqual({
      kind: 'constant', users: 4, rampMs: 0, durationMs: 7_000, gracefulStopMs: 10_000,
    });
  });

  it('refuses load beside a shorthand key of the same layer, naming both', () => {
    expect(errorOf(() => resolveProfile({ load: { kind: 'constant', users: 2 }, users: 3 }))).toBe(
      'options.load and options.users cannot be combined: options.load declares the whole load model and options.users is shorthand for part of one; give the setting inside options.load',
    );
    expect(errorOf(() => resolveProfile({ load: { kind: 'constant', users: 2 }, duration: '5s' }))).toMatch(/^options\.load and options\.duration cannot be combined/);
    expect(errorOf(() => resolveProfile({}, { load: { kind: 'arrival', rate: 1 }, stagesSpec: '5s:1' }))).toMatch(/^load and --stages cannot be combined/);
  });

  it('refuses an unknown kind, a setting of another kind and a missing required setting', () => {
    expect(errorOf(() => resolveProfile({ load: { kind: 'ramping' } as never }))).toBe(`options.load.kind: "ramping" is not a load model; use 'constant' (users), 'stages' or 'arrival' (rate)`);
    expect(errorOf(() => resolveProfile({ load: { kind: 'constant', users: 2, rate: 5 } as never }))).toBe(`options.load.rate does not apply to kind 'constant' (it takes users, duration, ramp)`);
    expect(errorOf(() => resolveProfile({ load: { kind: 'stages', stages: [], duration: '5s' } as never }))).toMatch(/^options\.load\.duration does not apply to kind 'stages'/);
    expect(errorOf(() => resolveProfile({ load: { kind: 'arrival', duration: '5s' } as never }))).toBe(`options.load.rate: required for kind 'arrival'`);
    expect(errorOf(() => resolveProfile({ load: 'constant' as never }))).toMatch(/^options\.load: expected \{ kind/);
  });

  it("names the setting inside load when its value is wrong", () => {
    expect(errorOf(() => resolveProfile({ load: { kind: 'constant', users: 0 } }))).toBe('options.load.users: 0 must be a whole number ≥ 1');
    expect(errorOf(() => resolveProfile({ load: { kind: 'arrival', rate: -1 } }))).toBe('options.load.rate: -1 must be > 0 arrivals per second');
    expect(errorOf(() => resolveProfile({ load: { kind: 'constant', users: 2, duration: 'soon' } }))).toMatch(/^options\.load\.duration/);
  });

  it('names overrides as flags for the CLI and as option keys for run()', () => {
    expect(errorOf(() => resolveProfile({}, { users: 0 }))).toBe('--users: 0 must be a whole number ≥ 1');
    expect(errorOf(() => resolveProfile({}, { users: 0 }, { overrides: 'options' }))).toBe('users: 0 must be a whole number ≥ 1');
    expect(errorOf(() => resolveProfile({}, { load: { kind: 'constant', users: 1 }, users: 2 }, { overrides: 'options' }))).toMatch(/^load and users cannot be combined/);
  });

  it('expandLoad leaves a layer without load untouched and reports where each key came from', () => {
    const plain = { users: 2 };
    expect(expandLoad(plain, 'options.load').layer).toBe(plain);
    expect(expandLoad({ load: { kind: 'arrival', rate: 4, maxUsers: 2 }, iterations: 10 }, 'load')).toEqual({
      layer: { arrivalRate: 4, maxInFlight: 2, iterations: 10 },
      names: { arrivalRate: 'load.rate', maxInFlight: 'load.maxUsers' },
    });
  });
});
