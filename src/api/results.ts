/**
 * Results after a run, from a script: read a results file (checked), compare two runs (or the variants of one)
 * as `rookery compare` does, and render the self-contained HTML report as `rookery report` does.
 */
import { resolve } from 'node:path';
import type { Results } from '../metrics/model.js';
import { readResults as readResultsFile } from '../metrics/results-file.js';
import { compareResults, compareVariants, variantsOf, type Comparison, type CompareOptions } from '../report/compare.js';
import { formatComparison as formatConsole } from '../report/console.js';
import { formatComparisonMarkdown } from '../report/markdown.js';
import { renderCompareHtml, renderHtml } from '../report/html.js';
import { writeFileAtomicSync } from '../common/atomic-write.js';
import { LoadConfigError } from '../common/config-error.js';

/**
 * Reads a results file and checks it is `rookery/results@1`; a missing, unreadable or malformed file rejects with
 * a ResultsFileError whose message names the file and the first wrong field.
 */
export function readResults(path: string): Promise<Results> {
  return readResultsFile(path);
}

export interface CompareRunsOptions {
  /** Names of the two sides in the output. Default `A` and `B`. */
  names?: [string, string];
  /** With one run: which two of its variants (default: the first two). */
  variants?: [string, string];
  /** Significance level of the rank test. Default 0.01. */
  alpha?: number;
  /** Smallest |Cliff's delta| that counts as a difference. Default 0.147. */
  minEffect?: number;
  /** Smallest change of the median, in %, that counts as a difference. Default 5. */
  minChange?: number;
}

/**
 * Metric by metric, with a significance call: run `a` against run `b`, or (with `b` omitted) the variants of `a`.
 * The same Comparison `rookery compare` prints (formatComparison gives its text).
 */
export function compare(a: Results, b?: Results, opts: CompareRunsOptions = {}): Comparison {
  const criteria: CompareOptions = {
    ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
    ...(opts.minEffect !== undefined ? { minCliffsDelta: opts.minEffect } : {}),
    ...(opts.minChange !== undefined ? { minChangePct: opts.minChange } : {}),
  };
  if (b !== undefined) return compareResults(a, b, { ...criteria, ...(opts.names ? { names: opts.names } : {}) });
  const found = variantsOf(a);
  if (found.length < 2) throw new LoadConfigError(`compare: this run has no variants to compare (found: ${found.join(', ') || 'none'}); pass two results`);
  const [va, vb] = opts.variants ?? [];
  for (const v of [va, vb]) if (v !== undefined && !found.includes(v)) throw new LoadConfigError(`compare: variant "${v}" is not in this run (has: ${found.join(', ')})`);
  return compareVariants(a, { ...criteria, ...(va ? { a: va } : {}), ...(vb ? { b: vb } : {}) });
}

/** A comparison as `rookery compare` prints it: the console table (no colour) or, with `markdown`, Markdown. */
export function formatComparison(comparison: Comparison, opts: { markdown?: boolean; width?: number } = {}): string {
  return opts.markdown ? formatComparisonMarkdown(comparison) : formatConsole(comparison, { color: false, width: opts.width ?? 140 });
}

export interface RenderReportOptions {
  /** Also write the page here (atomically). */
  out?: string;
  /** Page title. Default `Rookery · <scenario>` (a comparison: `<a> vs <b>`). */
  title?: string;
  /** Two runs: their names in the comparison. Default `A` and `B`. */
  names?: [string, string];
}

/**
 * The self-contained HTML report (no network needed to open it) as a string, written to `opts.out` too when
 * given: one run → its report (`rookery report`); two runs → the comparison page (`rookery compare --html`).
 */
export function renderReport(results: Results | readonly Results[], opts: RenderReportOptions = {}): string {
  const runs = Array.isArray(results) ? (results as readonly Results[]) : [results as Results];
  const title = opts.title !== undefined ? { title: opts.title } : {};
  let page: string;
  if (runs.length === 1) {
    page = renderHtml(runs[0] as Results, title);
  } else if (runs.length === 2) {
    const [a, b] = runs as [Results, Results];
    page = renderCompareHtml(compare(a, b, opts.names ? { names: opts.names } : {}), { ...title, runs: { a, b } });
  } else {
    throw new LoadConfigError(`renderReport: expected one run or two to compare, got ${runs.length}`);
  }
  if (opts.out) writeFileAtomicSync(resolve(opts.out), page);
  return page;
}
