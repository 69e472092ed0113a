import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { buildResults } from '../../src/metrics/results.js';
import { evaluateThresholds, parseThreshold, ThresholdError } from '../../src/metrics/thresholds.js';
import type { HealthSummary, Results, ResultsMeta } from '../../src/metrics/model.js';

const meta: ResultsMeta = {
  tool: { name: 'rookery', version: '0.1.0' },
  versions: {},
  target: 'http://127.0.0.1:4000',
  scenario: 'counter',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:10.000Z',
  durationMs: 10_000,
  machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'cpu', memoryBytes: 1, node: 'v20' },
  load: { description: '2 users' },
};
const health: HealthSummary = { saturated: false, reasons: [], eventLoopLagP99Ms: 1, eventLoopLagMaxMs: 2, cpuPeakPercent: {}, rssPeakBytes: {}, cores: 2 };

function results(): Results {
  const reg = new MetricsRegistry({ startedAt: 0 });
  // inc on /a: 1..100 ms; inc on /b: 101..200 ms; dec on /a: 1000 ms.
  for (let i = 1; i <= 100; i++) reg.record('lv_event_rtt_ms', { event: 'inc', view: '/a' }, i);
  for (let i = 101; i <= 200; i++) reg.record('lv_event_rtt_ms', { event: 'inc', view: '/b' }, i);
  reg.record('lv_event_rtt_ms', { event: 'dec', view: '/a' }, 1000);
  reg.count('iterations', { result: 'ok' }, 60);
  reg.count('iterations', { result: 'error' }, 4);
  reg.count('checks', { check: 'title', result: 'pass' }, 5);
  reg.count('lv_errors', { kind: 'crash' }, 2);
  const totals = reg.takeInterval(10_000);
  return buildResults({ meta, totals, series: { intervalMs: 1000, t: [], latency: [], counters: [], gauges: [] }, thresholds: [], health });
}

describe('parseThreshold', () => {
  it('parses metric, label selector, statistic, operator and number', () => {
    expect(parseThreshold('lv_event_rtt_ms{event=inc}:p95<200')).toEqual({
      expr: 'lv_event_rtt_ms{event=inc}:p95<200',
      metric: 'lv_event_rtt_ms',
      kind: 'histogram',
      labels: { event: 'inc' },
      stat: 'p95',
      op: '<',
      value: 200,
    });
    expect(parseThreshold('lv_errors:count==0')).toMatchObject({ metric: 'lv_errors', kind: 'counter', labels: {}, stat: 'count', op: '==', value: 0 });
    expect(parseThreshold(' checks { result = fail } : value <= 0 ')).toMatchObject({ labels: { result: 'fail' }, stat: 'value', op: '<=', value: 0 });
    expect(parseThreshold('iterations:rate>5')).toMatchObject({ stat: 'rate', op: '>', value: 5 });
    expect(parseThreshold('lv_event_rtt_ms{event="a,b}",view=/x}:p999>=1.5e2')).toMatchObject({ labels: { event: 'a,b}', view: '/x' }, stat: 'p999', op: '>=', value: 150 });
    expect(parseThreshold('lv_diff_bytes{event=push:diff}:max!=0')).toMatchObject({ labels: { event: 'push:diff' }, op: '!=' });
    expect(parseThreshold('lv_pushes{variant=live}:value>0').labels).toEqual({ variant: 'live' });
  });

  it.each([
    ['lv_event_rtt{event=inc}:p95<200', "unknown metric 'lv_event_rtt' — did you mean 'lv_event_rtt_ms'?"],
    ['lv_evnet_rtt_ms:p95<200', "did you mean 'lv_event_rtt_ms'?"],
    ['lv_event_rtt_ms:p97<200', "unknown statistic 'p97' for histogram lv_event_rtt_ms (use one of p50, p90, p95, p99, p999, min, max, mean, stddev, count, rate)"],
    ['lv_errors:p95<1', "unknown statistic 'p95' for counter lv_errors (use one of value, count, rate)"],
    ['lv_event_rtt_ms{evnt=inc}:p95<200', "'evnt' is not a label of lv_event_rtt_ms (labels: event, view, action, variant, client) — did you mean 'event'?"],
    ['lv_event_rtt_ms{event=inc:p95<200', "missing '}'"],
    ['lv_event_rtt_ms{event=inc}p95<200', "expected ':' after lv_event_rtt_ms{…}"],
    ['lv_event_rtt_ms:p95=200', "expected an operator (<= >= == != < >) after 'p95'"],
    ['lv_event_rtt_ms:p95<fast', "'fast' is not a number"],
    ['lv_event_rtt_ms:p95<', 'missing number'],
    ['users_active:value<3', 'users_active is a gauge; thresholds apply to histograms and counters'],
    ['', 'missing metric name'],
  ])('rejects %j with a clear message', (expr, message) => {
    expect(() => parseThreshold(expr)).toThrow(ThresholdError);
    expect(() => parseThreshold(expr)).toThrow(message);
  });
});

describe('evaluateThresholds', () => {
  const r = results();

  it('takes histogram statistics in the metric unit, merging every matching series exactly', () => {
    const [inc, incA, all, count] = evaluateThresholds(
      ['lv_event_rtt_ms{event=inc}:p50<=101', 'lv_event_rtt_ms{event=inc,view=/a}:max<100', 'lv_event_rtt_ms:max>=1000', 'lv_event_rtt_ms{view=/a}:count==101'],
      r,
    );
    // p50 of 1..200 is 100 (HDR resolves 100 ms to within 0.1 %).
    expect(inc?.pass).toBe(true);
    expect(inc?.actual).toBeGreaterThanOrEqual(100);
    expect(inc?.actual).toBeLessThanOrEqual(100.1);
    expect(inc?.detail).toMatch(/^p50 = 100\.\d+ ms over 2 series of lv_event_rtt_ms\{event=inc\}, 200 samples; must be <= 101$/);
    expect(incA?.pass).toBe(false);
    expect(incA?.actual).toBeGreaterThanOrEqual(100);
    expect(all).toMatchObject({ pass: true });
    expect(count).toMatchObject({ pass: true, actual: 101 });
  });

  it('sums counters, and rates are per second over the run', () => {
    const [failed, rate, ok, errors] = evaluateThresholds(['iterations{result=error}:value<=0', 'iterations:rate>5', 'iterations{result=ok}:count==60', 'lv_errors{kind=crash}:value<1'], r);
    expect(failed).toMatchObject({ pass: false, actual: 4 });
    expect(rate).toMatchObject({ pass: true, actual: 6.4, detail: 'rate = 6.4/s over 2 series of iterations; must be > 5' });
    expect(ok).toMatchObject({ pass: true, actual: 60 });
    expect(errors).toMatchObject({ pass: false, actual: 2 });
  });

  it('counts a counter that never moved as 0, but fails a histogram with no matching series', () => {
    const [noFail, noEvent, neverRecorded] = evaluateThresholds(['checks{result=fail}:value<=0', 'lv_event_rtt_ms{event=save}:p95<200', 'lv_join_ms:p95<100'], r);
    expect(noFail).toMatchObject({ pass: true, actual: 0, detail: 'value = 0 (no checks{result=fail} series: counted as 0); must be <= 0' });
    expect(noEvent?.pass).toBe(false);
    expect(noEvent?.actual).toBeUndefined();
    expect(noEvent?.detail).toBe(
      'no series matched lv_event_rtt_ms{event=save} (recorded: lv_event_rtt_ms{event=dec,view=/a}, lv_event_rtt_ms{event=inc,view=/a}, lv_event_rtt_ms{event=inc,view=/b})',
    );
    expect(neverRecorded).toMatchObject({ pass: false, detail: 'no series matched lv_join_ms (no lv_join_ms was recorded)' });
  });

  it('throws on a bad expression (validate them before the run)', () => {
    expect(() => evaluateThresholds(['nope:p95<1'], r)).toThrow(/unknown metric 'nope'/);
  });
});
