/**
 * Splitting a run's users (or arrivals, or iterations) between runners by capacity weight.
 *
 * Global units (user 0, 1, 2, … or arrival 0, 1, 2, …) are dealt out one at a time by the Balinski–Young quota
 * method: the next unit goes to the slice with the highest `weight / (units + 1)` among those still under their
 * upper quota, ties to the lower index. That gives, for every prefix of n units:
 * - the slices' counts sum to exactly n (each unit has exactly one owner);
 * - each slice is within 1 of its exact share `n × weight / total` (quota);
 * - raising n by one adds one unit to one slice and changes no other (house-monotone), so a ramp never makes a
 *   runner stop a user while another starts one, and lowering n removes the most recently added unit (LIFO).
 * Plain largest-remainder rounding of each target meets the first two but not the third (Alabama paradox).
 *
 * With integer weights the deal repeats every `sum(weights)` units (after a full period every slice holds exactly
 * its weight, and the priorities only shift by one), so one period is computed and cached.
 */
import { LoadConfigError } from '../common/config-error.js';

export interface Apportionment {
  readonly weights: readonly number[];
  /** Slice that owns global unit `unit` (0-based). */
  ownerOf(unit: number): number;
  /** How many of the first `n` global units slice `index` owns. */
  unitsOf(index: number, n: number): number;
  /** The global unit number of slice `index`'s `local`-th unit (both 0-based). */
  globalUnit(index: number, local: number): number;
}

/** Beyond this many units per period the table would cost real memory; capacities are users, not bytes. */
const MAX_PERIOD = 10_000_000;
const cache = new Map<string, Apportionment>();

export function apportionment(weights: readonly number[]): Apportionment {
  validateWeights(weights);
  const key = weights.join(',');
  const cached = cache.get(key);
  if (cached) return cached;
  const made = build(weights);
  if (cache.size >= 32) cache.delete(cache.keys().next().value as string);
  cache.set(key, made);
  return made;
}

function validateWeights(weights: readonly number[]): void {
  if (weights.length === 0) throw new LoadConfigError('slice weights: need at least one weight');
  for (const [i, w] of weights.entries()) {
    if (!Number.isSafeInteger(w) || w < 1) throw new LoadConfigError(`slice weights: weight ${i} is ${String(w)}; weights are capacities, whole numbers ≥ 1`);
  }
}

function build(weights: readonly number[]): Apportionment {
  const divisor = weights.reduce(gcd);
  const reduced = weights.map((w) => w / divisor);
  const period = reduced.reduce((a, b) => a + b, 0);
  if (period > MAX_PERIOD) throw new LoadConfigError(`slice weights: total weight ${period} (after dividing by common factors) is too large; use capacities in users`);
  const n = reduced.length;
  const owner = new Uint32Array(period);
  const seats = new Array<number>(n).fill(0);
  for (let unit = 0; unit < period; unit++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      const w = reduced[i] as number;
      const s = seats[i] as number;
      // Upper quota after this unit: ceil((unit + 1) × w / period). Integer arithmetic keeps it exact.
      if ((s + 1) * period > (unit + 1) * w + period - 1) continue;
      // Highest w / (s + 1) wins; cross-multiplied to stay exact; strict `>` keeps ties on the lower index.
      if (best < 0 || w * ((seats[best] as number) + 1) > (reduced[best] as number) * (s + 1)) best = i;
    }
    owner[unit] = best;
    seats[best] = (seats[best] as number) + 1;
  }
  // Per slice, built on first use (a runner needs only its own): prefix[k] = its units among the first k of a
  // period; positions[j] = where in the period its j-th unit sits.
  const tables = new Map<number, { prefix: Uint32Array; positions: Uint32Array }>();
  const tableFor = (index: number): { prefix: Uint32Array; positions: Uint32Array } => {
    let table = tables.get(index);
    if (!table) {
      const prefix = new Uint32Array(period + 1);
      const positions = new Uint32Array(reduced[index] as number);
      let count = 0;
      for (let unit = 0; unit < period; unit++) {
        if (owner[unit] === index) positions[count++] = unit;
        prefix[unit + 1] = count;
      }
      table = { prefix, positions };
      tables.set(index, table);
    }
    return table;
  };
  const checkIndex = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`slice index ${index} out of range 0..${n - 1}`);
  };
  const checkCount = (what: string, value: number): void => {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a whole number ≥ 0, got ${value}`);
  };
  return {
    weights: [...weights],
    ownerOf(unit) {
      checkCount('unit', unit);
      return owner[unit % period] as number;
    },
    unitsOf(index, count) {
      checkIndex(index);
      checkCount('unit count', count);
      return Math.floor(count / period) * (reduced[index] as number) + (tableFor(index).prefix[count % period] as number);
    },
    globalUnit(index, local) {
      checkIndex(index);
      checkCount('local unit', local);
      const w = reduced[index] as number;
      return Math.floor(local / w) * period + (tableFor(index).positions[local % w] as number);
    },
  };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
