/**
 * Distributed memory per LiveView: runners record when their connected count was settled, the collector pairs
 * each scrape with the spans that cover it (same rule as a single machine's pairedCounts, on timelines).
 */
import { describe, expect, it } from 'vitest';
import { CONNECTED_GUARD_MS, ConnectedSpanRecorder, SPAN_CLOCK_SLACK_MS, countsFromSpans, type ConnectedSample, type ConnectedSpan } from '../../src/server-metrics/pairing.js';
import { rebaseInterval } from '../../src/cluster/rebase.js';
import { validateRunnerMessage } from '../../src/cluster/protocol.js';

const V = { view: '/counter' };
const sample = (value: number, o: Partial<ConnectedSample> = {}): ConnectedSample => ({ counts: [{ labels: V, value }], unsettled: 0, quietMs: 0, changes: 1, ...o });

describe('ConnectedSpanRecorder', () => {
  it('opens a span at the last change, extends it while nothing changes, ends it at the last reading that saw it', () => {
    const r = new ConnectedSpanRecorder();
    r.observe(sample(2, { quietMs: 40, changes: 3 }), 1_000); // settled since 960
    r.observe(sample(2, { quietMs: 65, changes: 3 }), 1_025);
    r.observe(sample(2, { unsettled: 1, changes: 4 }), 1_050); // a page starts navigating
    r.observe(sample(3, { quietMs: 5, changes: 5 }), 1_200); // joined at 1 195
    r.observe(sample(3, { quietMs: 30, changes: 5 }), 1_225);
    expect(r.take()).toEqual([
      { from: 960, to: 1_025, counts: [{ labels: V, value: 2 }] },
      { from: 1_195, to: 1_225, counts: [{ labels: V, value: 3 }] },
    ]);
    // The open span goes on from where it was handed over.
    r.observe(sample(3, { quietMs: 55, changes: 5 }), 1_250);
    expect(r.take()).toEqual([{ from: 1_225, to: 1_250, counts: [{ labels: V, value: 3 }] }]);
    expect(r.take()).toEqual([]);
  });
});

describe('countsFromSpans', () => {
  const guard = CONNECTED_GUARD_MS + SPAN_CLOCK_SLACK_MS;
  const span = (from: number, to: number, value: number): ConnectedSpan => ({ from, to, counts: [{ labels: V, value }] });

  it('sums the runners whose spans cover the scrape and the guard before it', () => {
    const runners = new Map([['r1', [span(0, 5_000, 2)]], ['r2', [span(0, 2_000, 1), span(2_000, 5_000, 1)]]]);
    expect(countsFromSpans(runners, 3_000, 3_010)).toEqual([{ labels: V, value: 3 }]);
    // r2's two spans were one settled stretch, split by a snapshot: it covers a scrape right after the split.
    expect(countsFromSpans(runners, 2_000 + 5, 2_010)).toEqual([{ labels: V, value: 3 }]);
  });

  it('is unknown when any runner was in transition, too recently settled, or has no span yet', () => {
    const runners = new Map([['r1', [span(0, 1_000, 2), span(1_300, 5_000, 3)]], ['r2', [span(0, 5_000, 1)]]]);
    expect(countsFromSpans(runners, 1_100, 1_110)).toBeUndefined(); // r1 between spans
    expect(countsFromSpans(runners, 1_300 + guard - 1, 1_300 + guard + 10)).toBeUndefined();
    expect(countsFromSpans(runners, 1_300 + guard, 1_300 + guard + 10)).toEqual([{ labels: V, value: 4 }]);
    expect(countsFromSpans(runners, 4_990, 5_000)).toBeUndefined(); // the span must outlast the scrape by the slack
    expect(countsFromSpans(new Map(), 1_000, 1_010)).toBeUndefined();
  });

  it('a runner that ended with nothing connected counts 0 afterwards; one that was lost holding views is unknown', () => {
    expect(countsFromSpans(new Map([['r1', [span(0, 1_000, 0)]], ['r2', [span(0, 9_000, 2)]]]), 5_000, 5_010)).toEqual([{ labels: V, value: 2 }]);
    expect(countsFromSpans(new Map([['r1', [span(0, 1_000, 1)]], ['r2', [span(0, 9_000, 2)]]]), 5_000, 5_010)).toBeUndefined();
  });

  it('spans travel in snapshots (validated) and are shifted to the collector clock with the rest', () => {
    const message = (snapshot: object) => ({ v: 1, t: 'snapshot', seq: 0, runStartedAt: 10_000, snapshot, status: { active: 2, target: 2, iterations: 0, errors: 0, dropped: 0 } });
    const sent = { schema: 'rookery/snapshot@1', from: 0, to: 1_000, histograms: [], counters: [], gauges: [], errors: [], connected: [span(100, 900, 2)] };
    const got = validateRunnerMessage(message(sent));
    const snap = (got as Extract<typeof got, { t: 'snapshot' }>).snapshot;
    expect(rebaseInterval(snap, 10_000, 10_250).connected).toEqual([span(350, 1_150, 2)]);
    expect(() => validateRunnerMessage(message({ ...sent, connected: [{ from: 'x', to: 1, counts: [] }] }))).toThrow(/snapshot\.connected\[0\]\.from/);
  });
});
