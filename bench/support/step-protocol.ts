/** Messages between a bench (parent) and the run it measures (step-child.ts, a forked Node process). */
import type { HealthSummary } from '../../src/metrics/model.js';
import type { WindowMeasure } from './window-measure.js';

export interface StepConfig {
  /** `rookery` (default): runLocal; `raw`: the plain Playwright baseline (raw-playwright.ts), same workload. */
  mode?: 'rookery' | 'raw';
  /** Raw mode: ms between a user's clicks (± 25 %). */
  thinkMs?: number;
  /** Extra Chromium switches (A/B of launch flags), both modes. */
  launchArgs?: string[];
  /** Rookery mode: pace context opening with the ramp governor (default off in benches: same ramp as raw). */
  governor?: boolean;
  /**
   * Rookery mode: a calibration file (`rookery calibrate --out`) the run uses for its capacity warning, pool
   * sizing and governor costs. Without it the run uses none (never a `.rookery/` file left in the working folder).
   */
  calibrationFile?: string;
  scenario: string;
  target: string;
  users?: number;
  ramp?: string;
  duration?: string;
  arrivalRate?: number;
  maxInFlight?: number;
  gracefulStop?: string;
  input?: 'fast' | 'playwright';
  browsers?: number;
  contextsPerBrowser?: number;
  /** Lite users (src/lite) next to `users` browser users, and their worker processes. */
  liteUsers?: number;
  liteWorkers?: number;
  /** The measured window, engine time (ms since the run started). */
  holdFromMs: number;
  holdToMs: number;
}

export type StepMessage =
  | { type: 'hold-start' }
  | { type: 'hold-end' }
  | {
      type: 'result';
      hold: WindowMeasure;
      whole: WindowMeasure;
      health: HealthSummary;
      versions: Record<string, string>;
      interrupted: string | undefined;
      /** Rookery mode: what the run said and did about capacity (issue 13's 2× test). */
      capacity?: CapacityObservations;
    }
  | { type: 'failed'; message: string };

export interface CapacityObservations {
  /** The run's capacity line before the ramp (`this machine holds ≈ N users …`, `WARNING: …` when over). */
  capacityLine: string | undefined;
  /** Most users waiting for the governor at once, and the lowest opening rate it allowed while some waited. */
  maxWaiting: number;
  minOpeningPerSecond: number | undefined;
  /** Seconds the progress state said the harness was saturated. */
  saturatedSeconds: number;
  /** results.steady: the hold phase's unsaturated intervals, and how many the selection left out. */
  steady: { selector: string; intervals: number; excludedIntervals: number; eventRttP95: number | undefined } | undefined;
  /** Whole-run event RTT p95 from the results, beside the steady one. */
  wholeEventRttP95: number | undefined;
}

export const STEP_ENV = 'ROOKERY_BENCH_STEP';
