/**
 * What a run reports while it goes, once per interval: the engine's status (summed over runners in distributed
 * runs) plus the latest interval and harness health. Produced by load/ and cluster/, printed by
 * report/progress.ts — so the type lives here, below both.
 */
import type { Interval } from '../metrics/model.js';
import type { EngineStatus } from './engine.js';

export interface ProgressState extends Omit<EngineStatus, 'phase'> {
  /** The latest interval (a delta). */
  interval: Interval | undefined;
  /** Harness health one-liner (cpu, lag, rss). */
  health: string | undefined;
  /** Set when the harness looks saturated right now. */
  saturated: boolean;
  /** Runners taking part: a local run has one, in-process (`inProcess`, not shown on the progress line). */
  runners?: { live: number; total: number; inProcess?: boolean };
  /** The run's merged totals so far, computed on demand (live metrics read counters from it). */
  totals?: () => Interval;
  /** LiveView errors so far (lv_errors: crashes, join errors, timeouts, disconnects, undecodable frames). */
  lvErrors?: number;
  /** Context openings waiting for the ramp governor, and the rate it allows now. */
  opening?: { waiting: number; perSecond: number };
}
