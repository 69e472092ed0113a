/**
 * Event-loop lag of the harness: how late a timer that should fire every `resolutionMs` actually fires.
 *
 * Same measurement as perf_hooks.monitorEventLoopDelay, but in JS on purpose: the native histogram loses the
 * delay spanning each reset() (it zeroes its previous timestamp, so a block right after a per-interval reset
 * goes unseen — observed on Node 20), its values include the resolution itself, and it exposes only
 * percentiles, not the individual delays that the metrics registry records into a mergeable histogram.
 * Cost: ~100 short timer callbacks per second at 10 ms resolution.
 */

export interface LagStats {
  /** Timer ticks observed in the interval. */
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Tick counts per LAG_BUCKET_BOUNDS_MS bucket (last bucket: above the last bound). Lets intervals combine. */
  buckets: number[];
}

/**
 * Upper bounds (inclusive) of the lag buckets, ms. Whether a run's p99 exceeds a bound is decided exactly
 * from merged counts, so thresholds should sit on a bound (50 ms does).
 */
export const LAG_BUCKET_BOUNDS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

export const EMPTY_LAG: LagStats = Object.freeze({
  count: 0,
  mean: 0,
  p50: 0,
  p90: 0,
  p99: 0,
  max: 0,
  buckets: Object.freeze(new Array<number>(LAG_BUCKET_BOUNDS_MS.length + 1).fill(0)) as number[],
});

function bucketOf(v: number): number {
  let i = 0;
  while (i < LAG_BUCKET_BOUNDS_MS.length && v > LAG_BUCKET_BOUNDS_MS[i]!) i++;
  return i;
}

/** Nearest-rank percentiles and bucket counts of raw delays (ms). */
export function lagStats(values: readonly number[]): LagStats {
  if (values.length === 0) return EMPTY_LAG;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const sum = sorted.reduce((a, b) => a + b, 0);
  const buckets = new Array<number>(LAG_BUCKET_BOUNDS_MS.length + 1).fill(0);
  for (const v of sorted) buckets[bucketOf(v)]!++;
  return { count: sorted.length, mean: sum / sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]!, buckets };
}

/**
 * Quantile `q` of all intervals' delays together, from their bucket counts: the bucket holding the rank is
 * exact, the value inside it is interpolated (and never above the largest delay seen).
 */
export function combinedLagQuantile(intervals: readonly LagStats[], q: number): number {
  const n = LAG_BUCKET_BOUNDS_MS.length + 1;
  const counts = new Array<number>(n).fill(0);
  let total = 0;
  let max = 0;
  for (const s of intervals) {
    if (s.count === 0) continue;
    for (let i = 0; i < n; i++) counts[i]! += s.buckets[i] ?? 0;
    total += s.count;
    max = Math.max(max, s.max);
  }
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let before = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (before + c >= rank) {
      const lower = i === 0 ? 0 : LAG_BUCKET_BOUNDS_MS[i - 1]!;
      const upper = Math.min(LAG_BUCKET_BOUNDS_MS[i] ?? max, max);
      const value = lower + ((rank - before) / c) * Math.max(0, upper - lower);
      return Math.min(value, max);
    }
    before += c;
  }
  return max;
}

/** Collects timer delays until drained. The timer is unref'd: it never keeps the process alive. */
export class EventLoopLagProbe {
  private values: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;

  constructor(readonly resolutionMs = 10) {
    if (!(resolutionMs > 0)) throw new RangeError('resolutionMs must be > 0');
  }

  start(): void {
    if (this.timer) return;
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Delays (ms) observed since the last drain. */
  drain(): number[] {
    const out = this.values;
    this.values = [];
    return out;
  }

  private schedule(): void {
    this.expected = performance.now() + this.resolutionMs;
    this.timer = setTimeout(this.tick, this.resolutionMs);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    // Node timers have 1 ms granularity and fire up to ~1 ms late when idle; that jitter is part of the floor.
    this.values.push(Math.max(0, performance.now() - this.expected));
    this.schedule();
  };
}
