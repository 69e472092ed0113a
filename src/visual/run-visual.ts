/** How a run turns its visual settings (CLI flags, scenario options, defaults) into a VisualSession. */
import { resolve } from 'node:path';
import { LoadConfigError } from '../common/config-error.js';
import { parseSampleRate } from './sampling.js';
import { VisualSession, type VisualMode, type VisualRecorder } from './session.js';

export const DEFAULT_VISUAL_DIR = 'visual-baselines';
/** 5 % of iterations: enough samples to catch intermittent wrong states, little enough not to shape the load. */
export const DEFAULT_VISUAL_SAMPLE = 0.05;

/** Visual settings of a run; every field optional (CLI: --visual-dir, --visual-sample; `rookery baseline`). */
export interface VisualRunOptions {
  /** Baseline root folder. Default `visual-baselines` (relative to the working directory). */
  dir?: string;
  /** Share of iterations that capture; wins over the scenario's `visualSample`. */
  sample?: number;
  /** `record` stores what it sees (rookery baseline); default `compare`. */
  mode?: VisualMode;
}

export interface VisualRunContext {
  scenario: string;
  /** The scenario's options.visualSample. */
  scenarioSample: unknown;
  recorder: VisualRecorder;
  timeoutMs: number;
  log?: ((line: string) => void) | undefined;
}

export function createRunVisual(opts: VisualRunOptions | undefined, ctx: VisualRunContext): VisualSession {
  const mode = opts?.mode ?? 'compare';
  let sample: number;
  try {
    sample = mode === 'record' ? 1 : opts?.sample !== undefined ? parseSampleRate(opts.sample) : ctx.scenarioSample !== undefined ? parseSampleRate(ctx.scenarioSample, 'options.visualSample') : DEFAULT_VISUAL_SAMPLE;
  } catch (err) {
    throw new LoadConfigError(err instanceof Error ? err.message : String(err));
  }
  return new VisualSession({
    mode,
    scenario: ctx.scenario,
    dir: resolve(opts?.dir ?? DEFAULT_VISUAL_DIR),
    sample,
    recorder: ctx.recorder,
    timeoutMs: ctx.timeoutMs,
    ...(ctx.log ? { log: ctx.log } : {}),
  });
}
