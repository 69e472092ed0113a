// The benches' lost-click count (bench/support/window-measure.ts): iterations cut short by the graceful stop
// (iterations{result=aborted}) are not losses, whichever state their click was in; real losses still count.
import { describe, expect, it } from 'vitest';
import { lostClicks, measureWindow } from '../../bench/support/window-measure.js';
import type { Interval } from '../../src/metrics/model.js';

const interval = (counters: Array<[string, Record<string, string>, number]>): Interval =>
  ({ histograms: [], gauges: [], errors: [], counters: counters.map(([name, labels, value]) => ({ name, labels, value })) }) as unknown as Interval;

/** The whole run of a one-click-per-iteration workload: ok and cut-short iterations, matched and unmatched replies. */
const whole = (ok: number, aborted: number, matched: number, unmatched = 0) =>
  measureWindow(
    [
      {
        elapsedMs: 1_000,
        snapshot: interval([
          ['iterations', { result: 'ok' }, ok],
          ['iterations', { result: 'aborted' }, aborted],
          ['lv_events', { event: 'inc' }, matched],
          ['lv_events', { event: 'unmatched' }, unmatched],
        ]),
      },
    ],
    -Infinity,
    Infinity,
  );

describe('lostClicks (bench)', () => {
  it('reads iterations{result=aborted}', () => {
    expect(whole(10, 3, 10).iterationsAborted).toBe(3);
  });

  it('a cut-short click in any state is not lost: never sent, seen unmatched, seen and matched', () => {
    expect(lostClicks(whole(10, 1, 10), 10).lost).toBe(0); // never sent
    expect(lostClicks(whole(10, 1, 10), 11).lost).toBe(0); // the server handled it; its reply was muted
    expect(lostClicks(whole(10, 1, 11), 11).lost).toBe(0); // handled and matched before the cut (think time)
    expect(lostClicks(whole(10, 3, 11), 12)).toEqual({ lost: 0, detail: '0 lost click(s) (iterations 10, server 12, matched 11, cut short 3 of which the server saw 2)' });
  });

  it('the same counts without the cut-short iterations are losses, as before', () => {
    expect(lostClicks(whole(10, 0, 10), 11).lost).toBe(2); // a click too many at the server, and no reply to it
    expect(lostClicks(whole(10, 0, 11), 11).lost).toBe(1);
    expect(lostClicks(whole(10, 0, 10), 10)).toEqual({ lost: 0, detail: '0 lost click(s) (iterations 10, server 10, matched 10)' });
  });

  it('real losses still count with cut-short iterations around', () => {
    // An ok click the server never saw: cut-short iterations cannot hide it (an ok click waited for its reply).
    expect(lostClicks(whole(10, 2, 9), 9).lost).toBe(1);
    // A reply of an ok click that the probe missed.
    expect(lostClicks(whole(10, 2, 9), 10).lost).toBe(1);
    // More server clicks than ok and cut-short iterations together (2 too many, 1 of them unmatched).
    expect(lostClicks(whole(10, 1, 11), 13).lost).toBe(3);
    // A matched reply the server never sent, and unmatched replies.
    expect(lostClicks(whole(10, 1, 11), 10).lost).toBe(1);
    expect(lostClicks(whole(10, 1, 10, 2), 10).lost).toBe(2);
  });
});
