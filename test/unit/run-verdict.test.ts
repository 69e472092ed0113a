// A run in which a kind of user never completed an iteration is broken (exit 2), whatever its thresholds say:
// the decision (src/load/run-verdict.ts) and the exit code built on it (runExitCode).
import { describe, expect, it } from 'vitest';
import { brokenKinds, brokenRunLines, kindOutcomes } from '../../src/load/run-verdict.js';
import { runExitCode } from '../../src/cli/run-support.js';
import { fakeResults } from '../support/fake-results.js';
import type { CounterEntry, ErrorEntry, MetricSummary, Results } from '../../src/metrics/model.js';

const c = (name: string, labels: Record<string, string>, value: number): CounterEntry => ({ name, labels, value });
/** n LiveViews joined by `client` users: the lv_join_ms histogram's count (what the verdict reads). */
const joins = (client: string, count: number): MetricSummary => ({ name: 'lv_join_ms', labels: { client, view: 'Counter' }, unit: 'ms', count, min: 1, mean: 1, max: 1, stddev: 0, p50: 1, p90: 1, p95: 1, p99: 1 });
const PAGE = 'u.page is not available to lite users';
const results = (items: (CounterEntry | MetricSummary)[], errors: ErrorEntry[] = [], passing = true): Results => ({
  ...fakeResults({ intervals: 2, errors: [] }),
  counters: items.filter((i): i is CounterEntry => 'value' in i),
  metrics: items.filter((i): i is MetricSummary => 'unit' in i),
  errors,
  thresholds: [{ expr: 'lv_errors:count==0', pass: passing, actual: 0, detail: '' }],
});
const lite: ErrorEntry = {
  kind: 'user.unsupported',
  count: 12,
  samples: [
    { message: PAGE, at: 1, context: { client: 'lite', user: 1, iteration: 0 } },
    { message: PAGE, at: 2, context: { client: 'lite', user: 2, iteration: 0 } },
  ],
};
const browserOk = [c('iterations', { client: 'browser', result: 'ok' }, 40), joins('browser', 40)];
const liteFailed = [c('iterations', { client: 'lite', result: 'error' }, 12), c('user_errors', { client: 'lite', kind: 'unsupported' }, 12), joins('lite', 12)];

const exitOf = (r: Results) => {
  const lines: string[] = [];
  return { code: runExitCode(r, { failed: false }, (l) => lines.push(l)), lines };
};

describe('run verdict: a kind of user that never completed an iteration', () => {
  it('browser users fine, every lite iteration failed: the lite kind is broken, exit 2 though every threshold passes', () => {
    const r = results([...browserOk, ...liteFailed], [lite]);
    expect(brokenKinds(r)).toEqual([{ client: 'lite', ok: 0, failed: 12, aborted: 0, dropped: 0, joined: 12, samples: [`user.unsupported: ${PAGE}`] }]);
    const { code, lines } = exitOf(r);
    expect(code).toBe(2);
    expect(lines).toEqual([`rookery: no lite iteration succeeded (12 failed; browser users: 40 ok); first errors:`, `  user.unsupported: ${PAGE}`]);
  });

  it('a one-kind run whose every iteration failed (the old rule): exit 2, the kind not named', () => {
    const { code, lines } = exitOf(results(liteFailed, [lite]));
    expect(code).toBe(2);
    expect(lines[0]).toBe('rookery: no iteration succeeded (12 failed); first errors:');
  });

  it('users that could not even open (no iteration counted) are failures of their kind', () => {
    const r = results([...browserOk, c('user_errors', { client: 'lite', kind: 'lite' }, 3)]);
    expect(brokenKinds(r).map((k) => [k.client, k.failed, k.joined])).toEqual([['lite', 3, 0]]);
    expect(brokenRunLines(r)).toEqual(['rookery: no lite iteration succeeded (3 failed, no LiveView joined; browser users: 40 ok)']);
  });

  it('every iteration cut short at the end: broken only when no LiveView was ever joined', () => {
    const hung = results([c('iterations', { client: 'browser', result: 'aborted' }, 5)]);
    expect(brokenRunLines(hung)).toEqual(['rookery: no iteration succeeded (0 failed, 5 cut short at the end, no LiveView joined)']);
    expect(exitOf(hung).code).toBe(2);
    // Long-lived iterations (a user that stays for the whole run) joined and measured: sound.
    const longLived = results([c('iterations', { client: 'browser', result: 'aborted' }, 5), joins('browser', 5)]);
    expect(brokenKinds(longLived)).toEqual([]);
    expect(exitOf(longLived).code).toBe(0);
  });

  it('every arrival dropped (open model): broken, and says so', () => {
    expect(brokenRunLines(results([c('iterations', { client: 'browser', result: 'dropped' }, 20)]))).toEqual(['rookery: no iteration succeeded (0 failed, 20 dropped, no LiveView joined)']);
  });

  it('no user ran at all: exit 2', () => {
    expect(exitOf(results([]))).toEqual({ code: 2, lines: ['rookery: no user ran: no iteration finished and no LiveView joined'] });
  });

  it('some iterations of every kind succeeded: sound, and the thresholds decide (0 or 1)', () => {
    const mixed = [...browserOk, c('iterations', { client: 'lite', result: 'ok' }, 1), ...liteFailed];
    expect(exitOf(results(mixed, [lite])).code).toBe(0);
    expect(exitOf(results(mixed, [lite], false)).code).toBe(1);
  });

  it('counters without a client label are browser users; samples are per kind, distinct, at most 3', () => {
    const r = results(
      [c('iterations', { result: 'error' }, 9), c('user_errors', { kind: 'timeout' }, 9), c('iterations', { client: 'lite', result: 'ok' }, 3)],
      [
        lite,
        { kind: 'user.timeout', count: 5, samples: ['a', 'b', 'a', 'c', 'd'].map((m, i) => ({ message: m, at: i })) },
        { kind: 'lite.worker_ipc', count: 1, samples: [{ message: 'not a user error', at: 0 }] },
      ],
    );
    expect(kindOutcomes(r).map((k) => k.client)).toEqual(['browser', 'lite']);
    expect(brokenKinds(r)).toEqual([{ client: 'browser', ok: 0, failed: 9, aborted: 0, dropped: 0, joined: 0, samples: ['user.timeout: a', 'user.timeout: b', 'user.timeout: c'] }]);
  });

  it('refused joins are not joins: a kind whose every join was refused and whose iterations were cut short is broken', () => {
    const refused = results([c('iterations', { client: 'browser', result: 'aborted' }, 5), c('lv_joins', { client: 'browser', cause: 'initial' }, 5)]);
    expect(brokenKinds(refused).map((k) => [k.client, k.joined])).toEqual([['browser', 0]]);
  });

  it('a soak run: one user failed among many that joined and stayed until the end is not broken', () => {
    const soak = (failed: number, aborted: number) =>
      results([c('iterations', { client: 'browser', result: 'aborted' }, aborted), c('user_errors', { client: 'browser', kind: 'timeout' }, failed), joins('browser', 99)]);
    expect(brokenKinds(soak(1, 99))).toEqual([]);
    expect(exitOf(soak(1, 99)).code).toBe(0);
    // More failed than stayed: broken.
    expect(brokenKinds(soak(60, 40)).map((k) => [k.failed, k.aborted])).toEqual([[60, 40]]);
    // Every user failed once and its retry was cut short at the end (a slow machine): broken, not sound.
    expect(brokenKinds(soak(2, 2)).map((k) => [k.failed, k.aborted])).toEqual([[2, 2]]);
  });

  it('a sound kind that only joined (long iterations) is shown by its joins, not as "0 ok"', () => {
    const r = results([c('iterations', { client: 'browser', result: 'aborted' }, 5), joins('browser', 5), ...liteFailed], [lite]);
    expect(brokenRunLines(r)[0]).toBe('rookery: no lite iteration succeeded (12 failed; browser users: 5 joined); first errors:');
  });

  it('error samples that name no client count for every kind', () => {
    const r = results([...browserOk, ...liteFailed], [{ kind: 'user.error', count: 1, samples: [{ message: 'boom', at: 0 }] }]);
    expect(brokenKinds(r)[0]?.samples).toEqual(['user.error: boom']);
  });

  it('every lite worker died before its users recorded anything: the lite kind is broken, the fault named', () => {
    const died: ErrorEntry = { kind: 'lite.worker_exit', count: 2, samples: [{ message: 'lite worker 0 (pid 7) exited during the run (code 1, signal null); its users stopped', at: 0 }] };
    const r = results(browserOk, [died]);
    expect(brokenRunLines(r)).toEqual([
      'rookery: no lite iteration succeeded (0 failed, no LiveView joined; browser users: 40 ok); first errors:',
      '  lite.worker_exit: lite worker 0 (pid 7) exited during the run (code 1, signal null); its users stopped',
    ]);
    // A worker lost after its users succeeded leaves the lite kind sound.
    expect(brokenKinds(results([...browserOk, c('iterations', { client: 'lite', result: 'ok' }, 3)], [died]))).toEqual([]);
  });

  it('a run stopped early (r.stop(), a signal) is not judged', () => {
    const r = results(liteFailed, [lite]);
    expect(brokenRunLines({ ...r, meta: { ...r.meta, interrupted: 'interrupted (stop()): results are partial' } })).toEqual([]);
  });

  it('a failed run logs its cause before the broken-run lines', () => {
    const r = results([]);
    const { code, lines } = exitOf({ ...r, meta: { ...r.meta, interrupted: 'run failed: every runner was lost' } });
    expect(code).toBe(2);
    expect(lines).toEqual(['rookery: run failed: every runner was lost', 'rookery: no user ran: no iteration finished and no LiveView joined']);
  });

  it('a signal still wins, and a sound run with unwritten files still exits 2', () => {
    const lines: string[] = [];
    expect(runExitCode(results(liteFailed, [lite]), { failed: false }, (l) => lines.push(l), 'SIGTERM')).toBe(143);
    expect(runExitCode(results(browserOk), { failed: true }, (l) => lines.push(l))).toBe(2);
  });
});
