/**
 * Exponential back-off with jitter, for anything that retries after a failure: a user whose iterations keep
 * failing (a dead or recovering target), a runner dialling its collector. "Equal jitter": the n-th consecutive
 * failure waits between half and all of min(cap, base × 2^(n-1)), so waits are spread (no thundering herd when
 * many users fail at once) yet never shorter than half the schedule — which bounds the retry rate whatever the
 * machine's speed: `maxAttemptsWithin` gives that bound.
 */

export interface BackoffPolicy {
  /** The first wait's full value (the wait after the 1st consecutive failure is in [base/2, base]). */
  baseMs: number;
  /** No wait is longer than this. */
  capMs: number;
}

/** Failing iterations: 250 ms after the first failure, doubling to at most 10 s. */
export const ITERATION_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 10_000 };

/** The full (unjittered) wait after `failures` consecutive failures (≥ 1). */
export function backoffCeiling(failures: number, policy: BackoffPolicy): number {
  if (failures < 1) return 0;
  // 2^30 already dwarfs any cap; keeps the arithmetic finite for absurd counts.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
}

/** The wait after `failures` consecutive failures: uniformly in [ceiling/2, ceiling]. */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(failures, policy);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * The most attempts one retrier can start within `windowMs` of its first attempt, if every attempt fails at
 * once: attempt k+1 starts no earlier than the sum of the minimum waits (ceiling/2) after failures 1..k.
 */
export function maxAttemptsWithin(windowMs: number, policy: BackoffPolicy): number {
  let attempts = 1;
  let earliest = 0;
  for (let failures = 1; attempts < 1_000_000; failures++) {
    earliest += backoffCeiling(failures, policy) / 2;
    if (earliest > windowMs) break;
    attempts++;
  }
  return attempts;
}
