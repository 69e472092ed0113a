/**
 * Throttles shared by all users of a run (declared in a scenario's `throttles`, used as `u.throttle(name)`):
 * - `rate`: token bucket, `perSecond` grants per second, bursts up to one second's worth (at least 1);
 * - `interarrival`: at least `everyMs` between consecutive grants;
 * - `parallel`: at most `max` holders at once; `acquire` resolves with the release function.
 * Waiters are served first come, first served. An aborted wait rejects with an AbortError and leaves the queue;
 * at most one timer exists per throttle, and none once nobody waits.
 */
import type { Throttle, ThrottleSpec } from '../scenario/define.js';
import { LoadConfigError } from '../common/config-error.js';

/** Decides whether the head waiter may go now. `wait` is ms until it may (Infinity: until a release). */
type Grant = { granted: true; release: () => void } | { granted: false; wait: number };
type Policy = (now: number) => Grant;

interface Waiter {
  resolve(release: () => void): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const NOOP = (): void => {};
/** Timers fire on whole milliseconds; tolerate the float error of refills computed from fractional times. */
const SLACK = 1e-6;

export function createThrottle(spec: ThrottleSpec, what = 'throttle'): Throttle {
  const kind = (spec as { kind?: unknown } | null)?.kind;
  if (kind === 'rate') {
    const perSecond = (spec as { perSecond?: unknown }).perSecond;
    if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0) throw new LoadConfigError(`${what}: rate perSecond must be a number > 0, got ${String(perSecond)}`);
    return new QueuedThrottle(tokenBucket(perSecond));
  }
  if (kind === 'interarrival') {
    const everyMs = (spec as { everyMs?: unknown }).everyMs;
    if (typeof everyMs !== 'number' || !Number.isFinite(everyMs) || everyMs < 0) throw new LoadConfigError(`${what}: interarrival everyMs must be a number ≥ 0, got ${String(everyMs)}`);
    return new QueuedThrottle(interarrival(everyMs));
  }
  if (kind === 'parallel') {
    const max = (spec as { max?: unknown }).max;
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) throw new LoadConfigError(`${what}: parallel max must be a whole number ≥ 1, got ${String(max)}`);
    return parallel(max);
  }
  throw new LoadConfigError(`${what}: unknown throttle kind ${JSON.stringify(kind)}; use rate, interarrival or parallel`);
}

/** All of a scenario's throttles, built once per run; the lookup names the declared ones when a name is wrong. */
export function createThrottles(specs: Readonly<Record<string, ThrottleSpec>> = {}): (name: string) => Throttle {
  const throttles = new Map(Object.entries(specs).map(([name, spec]) => [name, createThrottle(spec, `throttles.${name}`)]));
  return (name) => {
    const throttle = throttles.get(name);
    if (!throttle) {
      const declared = [...throttles.keys()];
      throw new Error(`no throttle named ${JSON.stringify(name)}; the scenario declares ${declared.length ? declared.map((n) => JSON.stringify(n)).join(', ') : 'none (add it to the scenario\'s throttles)'}`);
    }
    return throttle;
  };
}

function tokenBucket(perSecond: number): Policy {
  const capacity = Math.max(1, perSecond);
  let tokens = capacity;
  let last: number | undefined;
  return (now) => {
    tokens = last === undefined ? tokens : Math.min(capacity, tokens + ((now - last) * perSecond) / 1000);
    last = now;
    if (tokens >= 1 - SLACK) {
      tokens = Math.max(0, tokens - 1);
      return { granted: true, release: NOOP };
    }
    return { granted: false, wait: Math.max(1, Math.ceil(((1 - tokens) * 1000) / perSecond)) };
  };
}

function interarrival(everyMs: number): Policy {
  let nextAt = -Infinity;
  return (now) => {
    if (now >= nextAt - SLACK) {
      // From the actual grant time, so a late timer never lets two grants come closer than everyMs.
      nextAt = now + everyMs;
      return { granted: true, release: NOOP };
    }
    return { granted: false, wait: Math.max(1, Math.ceil(nextAt - now)) };
  };
}

function parallel(max: number): Throttle {
  let held = 0;
  // The queue calls back into `take` on every release, so the policy and the queue are built together.
  const throttle: QueuedThrottle = new QueuedThrottle(() => {
    if (held >= max) return { granted: false, wait: Infinity };
    held++;
    let released = false;
    return {
      granted: true,
      release: () => {
        if (released) return; // a double release must not free someone else's slot
        released = true;
        held--;
        throttle.pump();
      },
    };
  });
  return throttle;
}

class QueuedThrottle implements Throttle {
  private readonly waiters: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly take: Policy) {}

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => this.abandon(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      // Later arrivals queue behind the head; only the head's state decides timers.
      if (this.waiters.length === 1) this.pump();
    });
  }

  /** Serves waiters from the head while the policy allows, then arms one timer for the head if needed. */
  pump(): void {
    this.clearTimer();
    while (this.waiters.length > 0) {
      const grant = this.take(performance.now());
      if (!grant.granted) {
        if (Number.isFinite(grant.wait)) this.timer = setTimeout(() => { this.timer = undefined; this.pump(); }, grant.wait);
        return;
      }
      const waiter = this.waiters.shift() as Waiter;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(grant.release);
    }
  }

  private abandon(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    waiter.reject(abortError());
    if (index === 0) this.pump(); // the new head may go now (parallel) or needs its own timer; or none is left
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The error an aborted throttle wait rejects with (a DOMException named AbortError); remote throttles use it too. */
export function abortError(): Error {
  return new DOMException('the wait for a throttle was aborted', 'AbortError');
}
