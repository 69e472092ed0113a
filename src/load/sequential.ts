/**
 * Sequential variants: instead of splitting users between variants at the same time, each variant runs alone
 * with the same load shape — ramp up, hold, ramp down, then a settle gap so the server returns to idle — one
 * after the other in one run. Server-side figures (handle time, memory) are then attributable per variant by
 * time. The plan is pure: a stages profile for the engine plus each variant's segment.
 */
import type { VariantSegment } from '../metrics/model.js';
import { LoadConfigError } from '../common/config-error.js';
import { describeProfile, totalDurationMs, type LoadProfile, type StagesProfile } from './profile.js';

export const DEFAULT_SETTLE_MS = 5_000;
/**
 * A user still running this long before its segment's end is stopped (engine), so that its last pushes are
 * answered before the next variant starts: the server's activity of two variants never shares a moment, and the
 * scrape round at the boundary (server-metrics/scraper.ts) separates them.
 */
export const SEGMENT_STOP_MARGIN_MS = 300;
/** Ramp-down when the profile has no ramp: users leave at once (as soon as their iteration ends). */
const MIN_RAMP_DOWN_MS = 1_000;

export interface SequentialPlan {
  profile: StagesProfile;
  segments: VariantSegment[];
  /** One variant's shape, for the description. */
  shape: string;
}

export function sequentialPlan(base: LoadProfile, variants: readonly string[], settleMs: number = DEFAULT_SETTLE_MS): SequentialPlan {
  if (variants.length === 0) throw new LoadConfigError("variantMode 'sequential' needs variants: declare them in the scenario's variants");
  if (!(settleMs >= 0) || !Number.isFinite(settleMs)) throw new LoadConfigError(`settle gap must be ≥ 0, got ${settleMs}`);
  if (base.kind === 'arrival') {
    throw new LoadConfigError("variantMode 'sequential' needs a closed model (--users/--ramp/--duration or --stages); the arrival-rate model is not supported");
  }
  if (base.slice) throw new LoadConfigError('sequentialPlan: plan the whole profile, then slice it');
  let one: Array<{ durationMs: number; target: number }>;
  let holdEndMs: number;
  if (base.kind === 'constant') {
    const rampDown = Math.max(base.rampMs, MIN_RAMP_DOWN_MS);
    one = [
      ...(base.rampMs > 0 ? [{ durationMs: base.rampMs, target: base.users }] : [{ durationMs: 1, target: base.users }]),
      { durationMs: base.durationMs, target: base.users },
      { durationMs: rampDown, target: 0 },
    ];
    holdEndMs = Math.max(base.rampMs, 1) + base.durationMs;
  } else {
    one = [...base.stages];
    holdEndMs = totalDurationMs(base);
    const last = one[one.length - 1];
    if (last && last.target !== 0) one.push({ durationMs: Math.max(one[0]?.durationMs ?? 0, MIN_RAMP_DOWN_MS), target: 0 });
  }
  if (settleMs > 0) one.push({ durationMs: settleMs, target: 0 });
  const length = one.reduce((s, st) => s + st.durationMs, 0);
  const segments = variants.map((variant, i) => ({ variant, startMs: i * length, holdEndMs: i * length + holdEndMs, endMs: (i + 1) * length }));
  const profile: StagesProfile = {
    kind: 'stages',
    stages: variants.flatMap(() => one.map((s) => ({ ...s }))),
    gracefulStopMs: base.gracefulStopMs,
    ...(base.iterations !== undefined ? { iterations: base.iterations } : {}),
  };
  return { profile, segments, shape: describeProfile(base) };
}

/** The variant whose segment contains `elapsedMs` (the last one after the end). */
export function segmentAt(segments: readonly VariantSegment[], elapsedMs: number): VariantSegment | undefined {
  for (const s of segments) if (elapsedMs < s.endMs) return s;
  return segments[segments.length - 1];
}
