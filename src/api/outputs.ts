/**
 * The files a run leaves behind, written the same way for `run()` and for `rookery run`: the worst visual diffs
 * next to the results file (they become `Results.visual`), then the results JSON (atomically, to a fallback file
 * when the path cannot take it), then the HTML report.
 */
import { rm } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { Results } from '../metrics/model.js';
import type { VisualSession } from '../visual/session.js';
import { resultsForReportAt, saveVisualArtifacts, visualArtifactsDir } from '../visual/artifacts.js';
import { stringifyResults } from '../metrics/results-file.js';
import { writeWithFallback } from '../report/output-paths.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { renderHtml } from '../report/html.js';

/** Where a run writes; absolute paths. */
export interface OutputPaths {
  /** Results JSON. Visual diffs go to `<json without .json>.visual/`. */
  json?: string | undefined;
  /** Self-contained HTML report. */
  html?: string | undefined;
  /** The checkpoint file of this run, removed once the final results are written. */
  partial?: string | undefined;
}

/** What was written. */
export interface RunOutputs {
  /** Where the results JSON is: the asked path, or the fallback file when that could not be written. */
  json?: string;
  html?: string;
  /** True when a file could not be written where asked (the log says which and where it went instead). */
  failed: boolean;
}

/**
 * The worst diff of each visual checkpoint, saved beside the results file; sets `results.visual` to point at
 * them (paths relative to the results file). Without a results path there is nowhere to put images, and
 * `results.visual` keeps the counts alone. Returns false when the images could not be written.
 */
export function attachVisualArtifacts(results: Results, visual: VisualSession | undefined, jsonPath: string | undefined, log: (line: string) => void): boolean {
  const checkpoints = visual?.mode === 'compare' ? visual.checkpoints() : [];
  if (!jsonPath || !checkpoints.some((c) => c.worst)) return true;
  const folder = visualArtifactsDir(jsonPath);
  try {
    results.visual = saveVisualArtifacts(checkpoints, folder, dirname(jsonPath));
    const taken = checkpoints.reduce((n, c) => n + c.snapshots, 0);
    const differ = checkpoints.reduce((n, c) => n + c.mismatches, 0);
    log(`visual:  ${differ} of ${taken} snapshots differ from their baselines; worst diffs in ${shown(folder)}/`);
    return true;
  } catch (err) {
    log(`visual:  could not write the worst diffs to ${shown(folder)}/ (${err instanceof Error ? err.message : String(err)})`);
    return false;
  }
}

/** Writes the results JSON and the HTML report (each only when a path is given). Never throws for a bad path. */
export async function writeResultFiles(results: Results, paths: OutputPaths, log: (line: string) => void): Promise<RunOutputs> {
  const outputs: RunOutputs = { failed: false };
  let resultsAt = paths.json;
  if (paths.json) {
    const written = await writeWithFallback(paths.json, stringifyResults(results));
    outputs.json = written.path;
    resultsAt = written.path;
    if (written.failed) {
      outputs.failed = true;
      log(`rookery: could not write ${shown(paths.json)} (${written.failed}); the results are in ${written.path} instead`);
    } else {
      log(`results: ${shown(paths.json)}`);
    }
  }
  if (paths.partial) await rm(paths.partial, { force: true }).catch(() => undefined);
  if (paths.html) {
    try {
      // Visual images are stored relative to the results file; the report may live elsewhere.
      await writeFileAtomic(paths.html, renderHtml(resultsAt ? resultsForReportAt(results, resultsAt, paths.html) : results));
      outputs.html = paths.html;
      log(`report:  ${shown(paths.html)}`);
    } catch (err) {
      outputs.failed = true;
      const later = outputs.json ? `; \`rookery report ${outputs.json}\` renders it later` : '';
      log(`rookery: could not write the report ${shown(paths.html)} (${err instanceof Error ? err.message : String(err)})${later}`);
    }
  }
  return outputs;
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}
