/**
 * The phases of a load profile on its own clock (ms since the load started): ramps, holds, ramp-downs, each
 * stage by index. Results label every interval with the phase it belongs to, so steady-state figures (hold phase,
 * harness not saturated) can be told from the ramp's — when contexts are being opened, the numbers measure the
 * harness as much as the app.
 */
import type { Interval } from '../metrics/model.js';
import { intervalSaturation, type IntervalTag } from '../metrics/windows.js';
import { totalDurationMs, type LoadProfile } from './profile.js';

/** `ramp` moves the user count (or arrival rate) up, `ramp-down` down, `hold` keeps it. */
export type PhaseKind = 'ramp' | 'hold' | 'ramp-down';

export interface PhaseSpan {
  /** 0-based position in the profile (for `--stages`, the stage index). */
  stage: number;
  kind: PhaseKind;
  /** ms since the load started, [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** Users (closed models) or arrivals per second (open model) at the end of the phase. */
  target: number;
}

export function profilePhases(profile: LoadProfile): PhaseSpan[] {
  if (profile.kind === 'stages') {
    const out: PhaseSpan[] = [];
    let from = 0;
    let at = 0;
    profile.stages.forEach((s, stage) => {
      const kind: PhaseKind = s.target > from ? 'ramp' : s.target < from ? 'ramp-down' : 'hold';
      out.push({ stage, kind, fromMs: at, toMs: at + s.durationMs, target: s.target });
      from = s.target;
      at += s.durationMs;
    });
    return out.filter((p) => p.toMs > p.fromMs);
  }
  const target = profile.kind === 'constant' ? profile.users : profile.ratePerSec;
  const rampMs = profile.rampMs ?? 0;
  const out: PhaseSpan[] = [];
  if (rampMs > 0) out.push({ stage: 0, kind: 'ramp', fromMs: 0, toMs: rampMs, target });
  if (profile.durationMs > 0) out.push({ stage: out.length, kind: 'hold', fromMs: rampMs, toMs: totalDurationMs(profile), target });
  return out;
}

/** Where an interval sits: inside one phase, before the load (`setup`), after the schedule (`stop`), or across a boundary. */
export type IntervalPhase =
  | { kind: PhaseKind; stage: number; whole: boolean }
  | { kind: 'setup' | 'stop'; stage: null; whole: boolean };

/**
 * The phase of the interval [fromMs, toMs) (load clock): the one containing its midpoint; `whole` when the interval
 * lies entirely within it (a steady-state figure uses only whole hold intervals).
 */
export function phaseOfInterval(phases: readonly PhaseSpan[], fromMs: number, toMs: number): IntervalPhase {
  const mid = (fromMs + toMs) / 2;
  const end = phases.length === 0 ? 0 : phases[phases.length - 1]!.toMs;
  if (mid < 0) return { kind: 'setup', stage: null, whole: toMs <= 0 };
  if (mid >= end) return { kind: 'stop', stage: null, whole: fromMs >= end };
  const p = phases.find((s) => mid >= s.fromMs && mid < s.toMs)!;
  return { kind: p.kind, stage: p.stage, whole: fromMs >= p.fromMs && toMs <= p.toMs };
}

/**
 * Tags each interval of a run (`Accumulator.intervals()`: contiguous from `startedAt`) with its phase and whether
 * the harness was saturated in it. `loadStartedAt` is when the load schedule began (epoch ms): browsers launch and
 * `setup()` runs before it, so the profile's clock starts later than the run's.
 */
export function tagIntervals(intervals: readonly Interval[], profile: LoadProfile, startedAt: number, loadStartedAt: number): IntervalTag[] {
  const phases = profilePhases(profile);
  const offset = loadStartedAt - startedAt;
  return intervals.map((s) => {
    const fromMs = s.from - startedAt;
    const toMs = s.to - startedAt;
    const p = phaseOfInterval(phases, fromMs - offset, toMs - offset);
    return { fromMs, toMs, phase: p.kind, stage: p.stage === null ? null : p.stage + 1, whole: p.whole, ...intervalSaturation(s) };
  });
}
