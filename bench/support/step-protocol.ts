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
    }
  | { type: 'failed'; message: string };

export const STEP_ENV = 'ROOKERY_BENCH_STEP';
