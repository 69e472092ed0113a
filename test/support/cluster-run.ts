/** Helpers for distributed-run tests: independent merging of what runners sent, and their Chromium processes. */
import { readCmdline, readProcessTable } from '../../src/health/procfs.js';
import { decodeHistogram } from '../../src/metrics/hdr.js';
import { IntervalMerger } from '../../src/metrics/merge.js';
import type { Interval } from '../../src/metrics/model.js';
import type { CollectorEvent, RunnerView } from '../../src/cluster/collector.js';

/**
 * What a distributed-run test records: the collector's events (stamped with the wall clock), every snapshot each
 * runner sent, and the log lines. Spread `hooks` into runDistributed's options.
 */
export function clusterRecorder() {
  const events: Array<CollectorEvent & { at: number }> = [];
  const raw = new Map<string, Interval[]>();
  const logs: string[] = [];
  return {
    events,
    raw,
    logs,
    /** Runners in join order. */
    joined: (): RunnerView[] => events.filter((e): e is Extract<CollectorEvent, { type: 'joined' }> & { at: number } => e.type === 'joined').map((e) => e.runner),
    hooks: {
      log: (line: string) => void logs.push(line),
      onEvent: (e: CollectorEvent) => void events.push({ ...e, at: Date.now() }),
      onRunnerInterval: (id: string, s: Interval) => void raw.set(id, [...(raw.get(id) ?? []), s]),
    },
  };
}

/** Count, min, max and every half-percentile of an encoded histogram: equal exactly when the data is the same. */
export function distribution(hdr: string): number[] {
  const h = decodeHistogram(hdr);
  const out = [h.totalCount, h.minNonZeroValue, h.maxValue];
  for (let p = 0; p <= 100; p += 0.5) out.push(h.getValueAtPercentile(p));
  return out;
}

/** Merges every snapshot every runner sent, independently of the collector. */
export function mergeRaw(raw: ReadonlyMap<string, readonly Interval[]>): Interval {
  const m = new IntervalMerger();
  for (const list of raw.values()) for (const s of list) m.add(s);
  return m.result();
}

export function counterTotal(s: { counters: ReadonlyArray<{ name: string; value: number }> }, name: string): number {
  return s.counters.filter((c) => c.name === name).reduce((n, c) => n + c.value, 0);
}

/**
 * Process groups of the Chromium browsers launched by the given runner processes. The pool marks each browser
 * with `--rookery-browser=<pool pid>-…`, and renderers share their browser's group.
 */
export function runnerBrowserGroups(runnerPids: readonly number[]): number[] {
  const groups = new Set<number>();
  for (const p of readProcessTable().values()) {
    const cmd = readCmdline(p.pid)?.join(' ') ?? '';
    if (runnerPids.some((pid) => cmd.includes(`--rookery-browser=${pid}-`))) groups.add(p.pgid);
  }
  return [...groups];
}
