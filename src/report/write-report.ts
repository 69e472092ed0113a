/** The report files a command writes: the HTML run report and the HTML comparison, written atomically. */
import { resolve } from 'node:path';
import type { Results } from '../metrics/model.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import type { Comparison } from './compare.js';
import { renderCompareHtml, renderHtml, type CompareHtmlOptions, type HtmlOptions } from './html.js';

/** `results.json` → `results.html` next to it (any other name gets `.html` appended). */
export function defaultReportPath(resultsPath: string): string {
  return resultsPath.toLowerCase().endsWith('.json') ? `${resultsPath.slice(0, -5)}.html` : `${resultsPath}.html`;
}

/** Renders and writes the run report; returns the absolute path written. */
export async function writeHtmlReport(path: string, results: Results, opts: HtmlOptions = {}): Promise<string> {
  const absolute = resolve(path);
  await writeFileAtomic(absolute, renderHtml(results, opts));
  return absolute;
}

export async function writeCompareHtml(path: string, comparison: Comparison, opts: CompareHtmlOptions = {}): Promise<string> {
  const absolute = resolve(path);
  await writeFileAtomic(absolute, renderCompareHtml(comparison, opts));
  return absolute;
}
