/** Messages between a bench (parent) and the run it measures (step-child.ts, a forked Node process). */
import type { HealthSummary } from '../../src/metrics/model.js';
import type { WindowMeasure } from './window-measure.js';

export interface StepConfig {
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
