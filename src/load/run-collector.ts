/**
 * The collector of a run: everything after the runners. Runners (the in-process one of a local run, or remote
 * ones through the cluster's collector machine) hand it intervals; it merges them exactly, keeps the
 * versions the runners saw, answers live progress, and builds the one `Results` (thresholds, phases, steady
 * window, health, visual results) through `assembleResults`. A local run and a distributed run both end in
 * `RunCollector.results()`: there is no other way to assemble a run's results.
 *
 * No I/O and no clocks: callers pass the time.
 */
import { Accumulator } from '../metrics/accumulator.js';
import type { Interval } from '../metrics/model.js';
import { assembleResults, type AssembleInput } from './run-results.js';
import type { ProgressState } from './progress-state.js';
import type { Results } from '../metrics/model.js';

export interface RunCollectorOptions {
  /** Epoch ms of the run start on this machine's clock (interval 0 begins here). */
  startedAt: number;
  /** Default 1000. */
  intervalMs?: number;
}

/** What a progress report adds to the collector's own figures. */
export interface ProgressInput {
  now: number;
  /** Users, iterations, errors: summed over the runners (or the one in-process runner). */
  status: Omit<ProgressState, 'interval' | 'health' | 'saturated' | 'runners' | 'totals' | 'lvErrors' | 'opening'>;
  /** The interval to show: an index into the merged intervals, or the snapshot itself (in-process runner). */
  intervalIndex?: number;
  interval?: Interval;
  health: string | undefined;
  saturated: boolean;
  runners: NonNullable<ProgressState['runners']>;
  opening?: ProgressState['opening'];
}

export class RunCollector {
  readonly startedAt: number;
  private readonly acc: Accumulator;
  /** Latest snapshot per source: zeroing a lost runner's gauges needs its last readings. */
  private readonly latest = new Map<string, Interval>();
  private readonly versionsSeen: Record<string, string> = {};
  private lvErrorCount = 0;
  private snapshotCount = 0;

  constructor(opts: RunCollectorOptions) {
    this.startedAt = opts.startedAt;
    this.acc = new Accumulator({ startedAt: opts.startedAt, intervalMs: opts.intervalMs ?? 1_000 });
  }

  /** The merged data (intervals and totals). */
  get accumulator(): Accumulator {
    return this.acc;
  }

  get intervalMs(): number {
    return this.acc.intervalMs;
  }

  /** lv_errors over every snapshot merged (lost runners' included): the progress line's count. */
  get lvErrors(): number {
    return this.lvErrorCount;
  }

  /** Snapshots merged so far, from every source. */
  get snapshots(): number {
    return this.snapshotCount;
  }

  /**
   * Merges one interval of `source` (a runner id, `r1/lite-0` for a part of one, `local` in-process).
   * Throws, without changing anything, when the snapshot does not decode or its interval is implausible.
   */
  add(s: Interval, source: string): void {
    this.acc.add(s, source);
    this.snapshotCount++;
    this.latest.set(source, s);
    for (const c of s.counters) if (c.name === 'lv_errors') this.lvErrorCount += c.value;
  }

  /** Sources that belong to `runner`: the runner itself and its parts (`runner/…`). */
  sourcesOf(runner: string): string[] {
    return [...this.latest.keys()].filter((k) => k === runner || k.startsWith(`${runner}/`));
  }

  lastOf(source: string): Interval | undefined {
    return this.latest.get(source);
  }

  /** Records versions a runner reported (the page's LiveView client, Chromium, …); later reports win. */
  addVersions(v: Readonly<Record<string, string>>): void {
    Object.assign(this.versionsSeen, v);
  }

  get versions(): Readonly<Record<string, string>> {
    return this.versionsSeen;
  }

  progress(p: ProgressInput): ProgressState {
    const interval = p.interval ?? (p.intervalIndex !== undefined && p.intervalIndex >= 0 ? this.acc.interval(p.intervalIndex) : undefined);
    return {
      ...p.status,
      lvErrors: this.lvErrorCount,
      interval,
      health: p.health,
      saturated: p.saturated,
      runners: p.runners,
      ...(p.opening ? { opening: p.opening } : {}),
      totals: () => this.acc.totals(),
    };
  }

  /** The run's Results from everything merged; `versions` adds to (and wins over) what runners reported. */
  results(input: Omit<AssembleInput, 'accumulator' | 'startedAt' | 'versions'> & { versions?: Readonly<Record<string, string>> }): Results {
    return assembleResults({ ...input, startedAt: this.startedAt, accumulator: this.acc, versions: { ...this.versionsSeen, ...input.versions } });
  }
}
