/**
 * One run's visual checks: what `u.snapshot()` does (EngineConfig.visual), the per-checkpoint tallies for
 * Results.visual, and the worst diff of each checkpoint, kept in memory until the caller knows where the
 * results go and saves them next to it.
 *
 * - compare mode (`rookery run`): sampled iterations capture and compare against the baseline; mismatches count
 *   as visual_mismatch{checkpoint}. A checkpoint without a baseline is an error sample, never a crash.
 * - record mode (`rookery baseline`): every snapshot is captured and kept for the baseline command to store.
 *
 * Overhead is recorded per checkpoint: visual_capture_ms (settle + screenshot, inside the user's iteration)
 * and visual_compare_ms (decode + pixelmatch on the harness's CPU).
 */
import type { Page } from 'playwright';
import type { SnapshotOptions } from '../scenario/define.js';
import type { LabelledRecorder } from '../metrics/labelled.js';
import type { Labels, Results } from '../metrics/model.js';
import { BaselineStore, type BaselineEntry } from './baseline-store.js';
import { captureSnapshot } from './capture.js';
import { compareImages, decodePng, DEFAULT_THRESHOLD, type CompareResult, type RgbaImage } from './compare.js';
import { isSampled } from './sampling.js';

export type VisualMode = 'compare' | 'record';

/** The metrics side of visual checks (a MetricsRegistry fits). */
export type VisualRecorder = Pick<LabelledRecorder, 'record' | 'count' | 'error'>;

/** What u.snapshot() hands over: the parts of a User that visual checks use. */
export interface SnapshotUser {
  readonly page: Page;
  readonly userId: number;
  readonly iteration: number;
  readonly variant: string | undefined;
  readonly lv: { waitSettled(opts?: { timeoutMs?: number }): Promise<void> };
}

export interface VisualSessionOptions {
  mode: VisualMode;
  /** Scenario name: the baselines' sub-folder. */
  scenario: string;
  /** Baseline root folder. */
  dir: string;
  /** Share of iterations that capture (ignored in record mode, which captures everything). */
  sample: number;
  recorder: VisualRecorder;
  /** Settle wait and screenshot timeout. */
  timeoutMs: number;
  log?: (line: string) => void;
}

/** A snapshot taken in record mode, ready to become a baseline. */
export interface RecordedSnapshot {
  checkpoint: string;
  png: Buffer;
  entry: Omit<BaselineEntry, 'file'>;
}

/** Kept as the two PNGs only (tens of kB, not megabytes of RGBA): the diff image is recomputed when saved. */
export interface WorstDiff {
  diffPixels: number;
  ratio: number;
  mismatch: boolean;
  baselinePng: Buffer;
  actualPng: Buffer;
  sizeChanged: CompareResult['sizeChanged'];
}

export interface CheckpointTally {
  name: string;
  /** Snapshots captured and compared. */
  snapshots: number;
  mismatches: number;
  /** Sampled snapshots skipped because the checkpoint has no baseline. */
  missingBaseline: number;
  worst: WorstDiff | undefined;
}

type BaselineState = { image: RgbaImage; png: Buffer } | { error: string };

export class VisualSession {
  private readonly store: BaselineStore;
  private readonly tallies = new Map<string, CheckpointTally>();
  private readonly baselines = new Map<string, BaselineState>();
  private readonly recordings = new Map<string, RecordedSnapshot>();
  private readonly warned = new Set<string>();

  constructor(private readonly opts: VisualSessionOptions) {
    this.store = new BaselineStore(opts.dir, opts.scenario);
  }

  get mode(): VisualMode {
    return this.opts.mode;
  }

  /** Baseline root folder (absolute when created by createRunVisual). */
  get baselineDir(): string {
    return this.opts.dir;
  }

  /** This scenario's folder inside it. */
  get baselineFolder(): string {
    return this.store.folder;
  }

  /** EngineConfig.visual: the body of u.snapshot(). Non-sampled iterations return at once. */
  readonly snapshot = async (u: SnapshotUser, name: string, options: SnapshotOptions | undefined): Promise<void> => {
    const opts = validateSnapshotArgs(name, options);
    const recording = this.opts.mode === 'record';
    if (!recording && !isSampled(this.opts.sample, u.userId, u.iteration)) return;
    const labels: Labels = u.variant === undefined ? { checkpoint: name } : { checkpoint: name, variant: u.variant };
    const tally = this.tally(name);

    let baseline: BaselineState | undefined;
    if (!recording) {
      baseline = this.baseline(name);
      if ('error' in baseline) {
        tally.missingBaseline++;
        this.opts.recorder.error('visual.no_baseline', baseline.error, { checkpoint: name, user: u.userId, iteration: u.iteration });
        this.warnOnce(`missing:${name}`, `visual: ${baseline.error}`);
        return;
      }
    }

    const t0 = performance.now();
    const png = await captureSnapshot({ page: u.page, waitSettled: (o) => u.lv.waitSettled(o) }, { mask: opts.mask, fullPage: opts.fullPage, timeoutMs: this.opts.timeoutMs });
    this.opts.recorder.record('visual_capture_ms', labels, performance.now() - t0);
    this.opts.recorder.count('visual_snapshots', labels);
    tally.snapshots++;

    if (recording) {
      if (this.recordings.has(name)) {
        this.warnOnce(`twice:${name}`, `visual: checkpoint "${name}" was captured more than once; the first capture is the baseline (use distinct names for distinct states)`);
        return;
      }
      this.recordings.set(name, {
        checkpoint: name,
        png,
        entry: {
          width: png.readUInt32BE(16),
          height: png.readUInt32BE(20),
          viewport: u.page.viewportSize(),
          fullPage: opts.fullPage,
          mask: [...opts.mask],
          threshold: opts.threshold,
          capturedAt: new Date().toISOString(),
          ...browserVersion(u.page),
        },
      });
      return;
    }

    const base = baseline as { image: RgbaImage; png: Buffer };
    const t1 = performance.now();
    let result: CompareResult;
    try {
      result = compareImages(base.image, decodePng(png), { threshold: opts.threshold });
    } catch (err) {
      this.opts.recorder.error('visual.compare_failed', `checkpoint "${name}": ${err instanceof Error ? err.message : String(err)}`, { checkpoint: name, user: u.userId, iteration: u.iteration });
      return;
    } finally {
      this.opts.recorder.record('visual_compare_ms', labels, performance.now() - t1);
    }
    if (result.mismatch) {
      tally.mismatches++;
      this.opts.recorder.count('visual_mismatch', labels);
    }
    if (result.sizeChanged) {
      const { baseline: b, actual: a } = result.sizeChanged;
      this.warnOnce(`size:${name}`, `visual: checkpoint "${name}" is ${a.width}×${a.height} but its baseline is ${b.width}×${b.height} (different viewport, or a full-page snapshot whose page changed height)`);
    }
    if (result.diffPixels > 0 && (!tally.worst || result.ratio > tally.worst.ratio)) {
      tally.worst = { diffPixels: result.diffPixels, ratio: result.ratio, mismatch: result.mismatch, baselinePng: base.png, actualPng: png, sizeChanged: result.sizeChanged };
    }
  };

  /** Per-checkpoint tallies, in first-seen order. */
  checkpoints(): CheckpointTally[] {
    return [...this.tallies.values()];
  }

  /** Record mode: the snapshots taken, by checkpoint, in first-seen order. */
  recorded(): RecordedSnapshot[] {
    return [...this.recordings.values()];
  }

  /** Results.visual without image paths (those exist once saved, see saveVisualArtifacts); undefined if unused. */
  summary(): Results['visual'] {
    if (this.tallies.size === 0) return undefined;
    return { checkpoints: this.checkpoints().map((t) => ({ name: t.name, snapshots: t.snapshots, mismatches: t.mismatches })) };
  }

  private tally(name: string): CheckpointTally {
    let t = this.tallies.get(name);
    if (!t) {
      t = { name, snapshots: 0, mismatches: 0, missingBaseline: 0, worst: undefined };
      this.tallies.set(name, t);
    }
    return t;
  }

  /** Loaded once per checkpoint; a missing or unreadable baseline is remembered as the reason. */
  private baseline(name: string): BaselineState {
    const cached = this.baselines.get(name);
    if (cached) return cached;
    let state: BaselineState;
    try {
      if (!this.store.has(name)) {
        state = { error: `no baseline for checkpoint "${name}" (expected ${this.store.pathOf(name)}); create it with \`rookery baseline <scenario>\`` };
      } else {
        const png = this.store.read(name);
        state = { png, image: decodePng(png) };
      }
    } catch (err) {
      state = { error: `baseline of checkpoint "${name}" is unreadable: ${err instanceof Error ? err.message : String(err)}` };
    }
    this.baselines.set(name, state);
    return state;
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.opts.log?.(line);
  }
}

interface ValidSnapshotArgs {
  mask: readonly string[];
  fullPage: boolean;
  threshold: number;
}

/** Scenario code is user code: wrong arguments get a message naming the checkpoint, not a Playwright error. */
export function validateSnapshotArgs(name: unknown, opts: SnapshotOptions | undefined): ValidSnapshotArgs {
  if (typeof name !== 'string' || name.trim() === '') throw new Error(`u.snapshot(name): name must be a non-empty string, got ${JSON.stringify(name)}`);
  const mask = opts?.mask ?? [];
  if (!Array.isArray(mask) || !mask.every((m) => typeof m === 'string' && m.trim() !== '')) {
    throw new Error(`u.snapshot(${JSON.stringify(name)}): mask must be a list of CSS selectors`);
  }
  const threshold = opts?.threshold ?? DEFAULT_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new Error(`u.snapshot(${JSON.stringify(name)}): threshold is the share of differing pixels allowed, between 0 and 1 (got ${JSON.stringify(threshold)})`);
  }
  return { mask, fullPage: opts?.fullPage ?? false, threshold };
}

function browserVersion(page: Page): { browser?: string } {
  const v = page.context().browser()?.version();
  return v ? { browser: v } : {};
}
