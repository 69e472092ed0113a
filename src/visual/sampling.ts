/**
 * Which iterations take their visual snapshots. A deterministic hash of (user, iteration) instead of
 * Math.random(), so the same run captures the same iterations again (reproducible), and all checkpoints of a
 * sampled iteration are captured together (a coherent visual trace of one user's path).
 */

/** Validates a share in [0, 1]; `what` names the flag or option in the message. */
export function parseSampleRate(value: unknown, what = '--visual-sample'): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new Error(`${what}: ${JSON.stringify(value)} is not a share between 0 and 1 (e.g. 0.05 = 5 % of iterations)`);
  }
  return n;
}

/** 32-bit mix of two integers (murmur3 finalizer over a combined key): uniform enough for sampling. */
export function mixKey(userId: number, iteration: number): number {
  let h = Math.imul(userId | 0, 0x9e3779b1) ^ Math.imul((iteration | 0) + 0x632be5ab, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when this user's iteration captures its snapshots at the given share (0 = never, 1 = always). */
export function isSampled(rate: number, userId: number, iteration: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return mixKey(userId, iteration) / 0x1_0000_0000 < rate;
}
