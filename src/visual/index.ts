/**
 * Visual regression under load: `u.snapshot()` checkpoints captured in sampled iterations, compared with
 * committed baselines (pixelmatch), worst diffs saved next to the results and shown in the HTML report.
 *
 *   sampling.ts        which iterations capture (deterministic per user + iteration)
 *   capture.ts         settle → freeze CSS → screenshot with masks
 *   compare.ts         pngjs + pixelmatch, diff image, bounding box of differences
 *   baseline-store.ts  <dir>/<scenario>/<checkpoint>.png + manifest.json
 *   session.ts         u.snapshot() for the engine, tallies, worst diff per checkpoint, record mode
 *   run-visual.ts      run settings (flags, scenario option, defaults) → a session
 *   artifacts.ts       saving worst diffs next to the results; paths relative to results / report
 */
export { isSampled, parseSampleRate } from './sampling.js';
export { captureSnapshot, FREEZE_CSS, MASK_COLOR, type CaptureOptions, type CaptureTarget } from './capture.js';
export {
  compareImages,
  decodePng,
  encodePng,
  diffBoundingBox,
  DEFAULT_THRESHOLD,
  DEFAULT_PIXEL_THRESHOLD,
  DIFF_COLOR,
  type Box,
  type CompareOptions,
  type CompareResult,
  type RgbaImage,
} from './compare.js';
export { BaselineStore, fileSafeName, MANIFEST_FILE, MANIFEST_SCHEMA, type BaselineEntry, type BaselineManifest } from './baseline-store.js';
export {
  VisualSession,
  validateSnapshotArgs,
  type VisualMode,
  type VisualRecorder,
  type VisualSessionOptions,
  type SnapshotUser,
  type RecordedSnapshot,
  type CheckpointTally,
  type WorstDiff,
} from './session.js';
export { createRunVisual, DEFAULT_VISUAL_DIR, DEFAULT_VISUAL_SAMPLE, type VisualRunOptions, type VisualRunContext } from './run-visual.js';
export { saveVisualArtifacts, rebaseVisual, resultsForReportAt, visualArtifactsDir, type VisualResults } from './artifacts.js';
