/**
 * Statistics for comparing two HDR distributions without expanding them into samples: a Mann–Whitney U rank
 * test with tie correction (each HDR bucket is a block of tied values), Cliff's delta as the effect size, and a
 * bootstrap confidence interval of the median difference. Pure functions; deterministic for a given seed.
 */
import type { Bucket } from './distribution.js';

export interface RankTest {
  nA: number;
  nB: number;
  /** U statistic of A: #(a > b) + ½ #(a = b) over all pairs. */
  uA: number;
  /** Normal approximation with tie-corrected variance and continuity correction. */
  z: number;
  /** Two-sided p-value. */
  p: number;
  /**
   * Cliff's delta = P(a > b) − P(a < b), in [−1, 1]. Positive: A tends to be larger. |δ| < 0.147 negligible,
   * < 0.33 small, < 0.474 medium, else large (Romano et al., 2006).
   */
  cliffsDelta: number;
}

/** Complementary error function, Chebyshev fit (Numerical Recipes `erfcc`): relative error < 1.2e-7. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Mann–Whitney U over weighted values. Each input lists distinct values with their counts (any order); equal
 * values across A and B are ties and get mid-ranks.
 */
export function rankTest(a: readonly Bucket[], b: readonly Bucket[]): RankTest {
  const merged = new Map<number, { a: number; b: number }>();
  /** Adds one side's buckets to `merged`; returns that side's sample count. */
  const add = (buckets: readonly Bucket[], side: 'a' | 'b'): number => {
    let n = 0;
    for (const x of buckets) {
      if (x.count <= 0) continue;
      const m = merged.get(x.value) ?? { a: 0, b: 0 };
      m[side] += x.count;
      merged.set(x.value, m);
      n += x.count;
    }
    return n;
  };
  const nA = add(a, 'a');
  const nB = add(b, 'b');
  if (nA === 0 || nB === 0) return { nA, nB, uA: NaN, z: NaN, p: NaN, cliffsDelta: NaN };

  const values = [...merged.keys()].sort((x, y) => x - y);
  const n = nA + nB;
  let below = 0; // samples (A and B) with a smaller value
  let rankSumA = 0;
  let tieTerm = 0;
  for (const v of values) {
    const m = merged.get(v)!;
    const t = m.a + m.b;
    const midRank = below + (t + 1) / 2;
    rankSumA += m.a * midRank;
    tieTerm += t * t * t - t;
    below += t;
  }
  const uA = rankSumA - (nA * (nA + 1)) / 2;
  const pairs = nA * nB;
  const mean = pairs / 2;
  const variance = (pairs / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const cliffsDelta = (2 * uA - pairs) / pairs;
  if (!(variance > 0)) {
    // Every sample tied: no evidence of any difference.
    return { nA, nB, uA, z: 0, p: 1, cliffsDelta };
  }
  const diff = uA - mean;
  const corrected = diff === 0 ? 0 : diff - 0.5 * Math.sign(diff);
  const z = corrected / Math.sqrt(variance);
  const p = Math.min(1, 2 * normalCdf(-Math.abs(z)));
  return { nA, nB, uA, z, p, cliffsDelta };
}

/** mulberry32: small, fast, seedable; plenty for resampling. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function standardNormal(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(shape ≥ 1, 1) by Marsaglia–Tsang. */
function gamma(shape: number, rand: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  // Acceptance rate is > 95 %; the cap only guards against a broken RNG.
  for (let i = 0; i < 1000; i++) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
  return shape;
}

function betaSample(alpha: number, beta: number, rand: () => number): number {
  const x = gamma(alpha, rand);
  const y = gamma(beta, rand);
  return x / (x + y);
}

interface Cumulative {
  values: number[];
  cum: number[];
  total: number;
}

function cumulative(buckets: readonly Bucket[]): Cumulative {
  const sorted = buckets.filter((b) => b.count > 0).sort((x, y) => x.value - y.value);
  const values: number[] = [];
  const cum: number[] = [];
  let total = 0;
  for (const b of sorted) {
    total += b.count;
    values.push(b.value);
    cum.push(total);
  }
  return { values, cum, total };
}

/** Empirical quantile: the value of the sample with rank ⌈u·n⌉. */
function quantile(c: Cumulative, u: number): number {
  const rank = Math.max(1, Math.ceil(u * c.total));
  let lo = 0;
  let hi = c.cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c.cum[mid]! >= rank) hi = mid;
    else lo = mid + 1;
  }
  return c.values[lo]!;
}

/**
 * Percentile-bootstrap CI of median(B) − median(A). The median of n draws from the empirical distribution is
 * its value at the k-th uniform order statistic, and U₍ₖ₎ ~ Beta(k, n−k+1): so each resample costs two Gamma
 * draws instead of n, exactly. Assumes independent samples (time correlation makes it optimistic — which is
 * why verdicts also require a practical effect).
 */
export function bootstrapMedianDiff(
  a: readonly Bucket[],
  b: readonly Bucket[],
  opts: { resamples?: number; confidence?: number; seed?: number } = {},
): [number, number] | null {
  const ca = cumulative(a);
  const cb = cumulative(b);
  if (ca.total === 0 || cb.total === 0) return null;
  const resamples = opts.resamples ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  const rand = seededRandom(opts.seed ?? 0x5eed);
  const ka = Math.ceil(ca.total / 2);
  const kb = Math.ceil(cb.total / 2);
  const diffs = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    const ma = quantile(ca, betaSample(ka, ca.total - ka + 1, rand));
    const mb = quantile(cb, betaSample(kb, cb.total - kb + 1, rand));
    diffs[i] = mb - ma;
  }
  diffs.sort();
  const tail = (1 - confidence) / 2;
  const lo = diffs[Math.floor(tail * (resamples - 1))]!;
  const hi = diffs[Math.ceil((1 - tail) * (resamples - 1))]!;
  return [lo, hi];
}
