import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoadConfigError } from '../../src/common/config-error.js';
import { createThrottle, createThrottles } from '../../src/load/throttle.js';
import type { Throttle } from '../../src/scenario/define.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Starts `count` acquires and records, for each, the fake time it was granted (or its rejection). */
function race(throttle: Throttle, count: number, signal?: AbortSignal): { granted: Array<number | undefined>; errors: unknown[]; releases: Array<() => void> } {
  const start = performance.now();
  const granted: Array<number | undefined> = new Array(count).fill(undefined);
  const errors: unknown[] = new Array(count).fill(undefined);
  const releases: Array<() => void> = [];
  for (let i = 0; i < count; i++) {
    throttle.acquire(signal).then(
      (release) => {
        granted[i] = performance.now() - start;
        releases[i] = release;
      },
      (error: unknown) => {
        errors[i] = error;
      },
    );
  }
  return { granted, errors, releases };
}

describe('rate throttle (token bucket)', () => {
  it('grants a one-second burst, then one every 1/rate, first come first served', async () => {
    const throttle = createThrottle({ kind: 'rate', perSecond: 4 });
    const { granted } = race(throttle, 7);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0, 0, 0, undefined, undefined, undefined]);
    await vi.advanceTimersByTimeAsync(249);
    expect(granted[4]).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(granted[4]).toBe(250);
    await vi.advanceTimersByTimeAsync(500);
    expect(granted).toEqual([0, 0, 0, 0, 250, 500, 750]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refills while idle, up to one second of tokens', async () => {
    const throttle = createThrottle({ kind: 'rate', perSecond: 2 });
    race(throttle, 2);
    await vi.advanceTimersByTimeAsync(10_000);
    const { granted } = race(throttle, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0, undefined]); // not 20 tokens after 10 s idle: capped at the burst
    await vi.advanceTimersByTimeAsync(500);
    expect(granted[2]).toBe(500);
  });

  it('holds rates below one per second to one grant per period', async () => {
    const throttle = createThrottle({ kind: 'rate', perSecond: 0.5 });
    const { granted } = race(throttle, 3);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(granted).toEqual([0, 2_000, 4_000]);
  });
});

describe('interarrival throttle', () => {
  it('spaces grants at least everyMs apart, FIFO', async () => {
    const throttle = createThrottle({ kind: 'interarrival', everyMs: 100 });
    const { granted } = race(throttle, 4);
    await vi.advanceTimersByTimeAsync(300);
    expect(granted).toEqual([0, 100, 200, 300]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('measures the gap from the previous grant, not from the request', async () => {
    const throttle = createThrottle({ kind: 'interarrival', everyMs: 100 });
    race(throttle, 1);
    await vi.advanceTimersByTimeAsync(60);
    const { granted } = race(throttle, 1);
    await vi.advanceTimersByTimeAsync(39);
    expect(granted[0]).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(granted[0]).toBe(40); // 100 ms after the first grant
  });
});

describe('parallel throttle (semaphore)', () => {
  it('admits max holders; a release hands the slot to the next waiter in order', async () => {
    const throttle = createThrottle({ kind: 'parallel', max: 2 });
    const { granted, releases } = race(throttle, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0, undefined, undefined]);
    await vi.advanceTimersByTimeAsync(50);
    releases[1]?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0, 0, 50, undefined]);
    // A second release of the same slot must not free another one.
    releases[1]?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(granted[3]).toBeUndefined();
    releases[0]?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(granted[3]).toBe(50);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('abort', () => {
  it('rejects a waiter with an AbortError and removes it, so the next one moves up (rate)', async () => {
    const throttle = createThrottle({ kind: 'rate', perSecond: 1 });
    const controller = new AbortController();
    race(throttle, 1); // takes the only token
    const aborted = race(throttle, 1, controller.signal);
    const next = race(throttle, 1);
    await vi.advanceTimersByTimeAsync(500);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect((aborted.errors[0] as Error).name).toBe('AbortError');
    expect(aborted.granted[0]).toBeUndefined();
    // The aborted waiter did not consume the token that arrives at 1 s: the next waiter gets it.
    await vi.advanceTimersByTimeAsync(500);
    expect(next.granted[0]).toBe(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the timer when the last waiter aborts', async () => {
    const throttle = createThrottle({ kind: 'interarrival', everyMs: 10_000 });
    race(throttle, 1);
    const controller = new AbortController();
    const { errors } = race(throttle, 3, controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((e) => (e as Error).name)).toEqual(['AbortError', 'AbortError', 'AbortError']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted, even with a free slot', async () => {
    const throttle = createThrottle({ kind: 'parallel', max: 1 });
    const signal = AbortSignal.abort();
    await expect(throttle.acquire(signal)).rejects.toMatchObject({ name: 'AbortError' });
    // The slot is still free.
    const { granted } = race(throttle, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted[0]).toBe(0);
  });

  it('removes an aborted semaphore waiter from the middle of the queue', async () => {
    const throttle = createThrottle({ kind: 'parallel', max: 1 });
    const controller = new AbortController();
    const first = race(throttle, 1);
    const middle = race(throttle, 1, controller.signal);
    const last = race(throttle, 1);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    first.releases[0]?.();
    await vi.advanceTimersByTimeAsync(0);
    expect((middle.errors[0] as Error).name).toBe('AbortError');
    expect(last.granted[0]).toBe(0);
  });

  it('does not keep abort listeners after granting', async () => {
    const throttle = createThrottle({ kind: 'parallel', max: 1 });
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const release = await throttle.acquire(controller.signal);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    release();
    controller.abort(); // after the grant: nothing to reject, nothing thrown
  });
});

describe('specs', () => {
  it.each([
    [{ kind: 'rate', perSecond: 0 }, /throttles\.x: rate perSecond must be a number > 0, got 0/],
    [{ kind: 'interarrival', everyMs: -1 }, /interarrival everyMs must be a number ≥ 0, got -1/],
    [{ kind: 'parallel', max: 1.5 }, /parallel max must be a whole number ≥ 1, got 1\.5/],
    [{ kind: 'burst' }, /unknown throttle kind "burst"; use rate, interarrival or parallel/],
  ])('rejects %j', (spec, message) => {
    expect(() => createThrottle(spec as never, 'throttles.x')).toThrow(LoadConfigError);
    expect(() => createThrottle(spec as never, 'throttles.x')).toThrow(message);
  });

  it('createThrottles looks throttles up by name and names the declared ones on a miss', () => {
    const lookup = createThrottles({ login: { kind: 'parallel', max: 2 }, clicks: { kind: 'rate', perSecond: 5 } });
    expect(lookup('login')).toBe(lookup('login'));
    expect(() => lookup('logins')).toThrow('no throttle named "logins"; the scenario declares "login", "clicks"');
    expect(() => createThrottles({})('x')).toThrow(/declares none/);
  });
});
