/**
 * The worst diff of each checkpoint, saved next to the results file:
 *
 *   rookery-results/run.json
 *   rookery-results/run.visual/<checkpoint>/{baseline,actual,diff}.png
 *
 * Results.visual lists them with paths relative to the results file's folder; an HTML report written to another
 * folder gets them rebased (`rebaseVisual`), since the report references images relative to itself.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Results } from '../metrics/model.js';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import { fileSafeName } from './baseline-store.js';
import { compareImages, decodePng, encodePng } from './compare.js';
import type { CheckpointTally } from './session.js';

export type VisualResults = NonNullable<Results['visual']>;

/** `out/run.json` → `out/run.visual` (any other name gets `.visual` appended). */
export function visualArtifactsDir(resultsPath: string): string {
  return resultsPath.toLowerCase().endsWith('.json') ? `${resultsPath.slice(0, -5)}.visual` : `${resultsPath}.visual`;
}

/** A path relative to `fromDir`, with `/` separators (it ends up in JSON and in HTML `src`). */
function portableRelative(fromDir: string, path: string): string {
  return relative(fromDir, path).split(sep).join('/');
}

/**
 * Writes baseline/actual/diff PNGs of each checkpoint's worst diff into `folder` and returns Results.visual
 * with paths relative to `relativeTo` (the results file's folder). Checkpoints that never differed get no images.
 */
export function saveVisualArtifacts(tallies: readonly CheckpointTally[], folder: string, relativeTo: string): VisualResults {
  const used = new Set<string>();
  const checkpoints = tallies.map((t): VisualResults['checkpoints'][number] => {
    const base = { name: t.name, snapshots: t.snapshots, mismatches: t.mismatches };
    if (!t.worst) return base;
    let sub = fileSafeName(t.name);
    for (let i = 2; used.has(sub); i++) sub = `${fileSafeName(t.name)}-${i}`;
    used.add(sub);
    const dir = join(folder, sub);
    const files = { baseline: join(dir, 'baseline.png'), actual: join(dir, 'actual.png'), diff: join(dir, 'diff.png') };
    writeFileAtomicSync(files.baseline, t.worst.baselinePng);
    writeFileAtomicSync(files.actual, t.worst.actualPng);
    // Same inputs, same pixelmatch settings: the same diff the run counted.
    const diff = compareImages(decodePng(t.worst.baselinePng), decodePng(t.worst.actualPng), { threshold: 1 }).diff;
    writeFileAtomicSync(files.diff, encodePng(diff));
    return {
      ...base,
      worst: {
        diffPixels: t.worst.diffPixels,
        ratio: t.worst.ratio,
        baseline: portableRelative(relativeTo, files.baseline),
        actual: portableRelative(relativeTo, files.actual),
        diff: portableRelative(relativeTo, files.diff),
      },
    };
  });
  return { checkpoints };
}

/** Image paths relative to `fromDir` → relative to `toDir` (for a report written elsewhere than the results). */
export function rebaseVisual(visual: VisualResults, fromDir: string, toDir: string): VisualResults {
  const from = resolve(fromDir);
  const to = resolve(toDir);
  if (from === to) return visual;
  const move = (p: string): string => (isAbsolute(p) ? p : portableRelative(to, resolve(from, p)));
  return {
    checkpoints: visual.checkpoints.map((c) =>
      c.worst ? { ...c, worst: { ...c.worst, baseline: move(c.worst.baseline), actual: move(c.worst.actual), diff: move(c.worst.diff) } } : c,
    ),
  };
}

/** Results with visual image paths rebased from the results file's folder to the HTML report's folder. */
export function resultsForReportAt(results: Results, resultsPath: string, htmlPath: string): Results {
  if (!results.visual) return results;
  return { ...results, visual: rebaseVisual(results.visual, dirname(resolve(resultsPath)), dirname(resolve(htmlPath))) };
}
