/**
 * `rookery compare a.json b.json [--html out.html] [--markdown]`: two runs side by side with a significance
 * call per metric. With one file, compares the variants of that run.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { basename, dirname } from 'node:path';
import { DEFAULT_CRITERIA, compareResults, compareVariants, variantsOf, type CompareOptions, type Comparison } from '../../report/compare.js';
import { formatComparison, shouldColor } from '../../report/console.js';
import { readResults } from '../../metrics/results-file.js';
import { formatComparisonMarkdown } from '../../report/markdown.js';
import { writeCompareHtml } from '../../report/write-report.js';

export interface CompareCommandOptions {
  html?: string;
  markdown?: boolean;
  variants?: string[];
  alpha?: number;
  minEffect?: number;
  minChange?: number;
}

export interface CompareCommandOutput {
  comparison: Comparison;
  /** What to print on stdout. */
  text: string;
  htmlPath?: string;
}

/** Side names from file names: `baseline.json` → `baseline`; equal names get their folder prepended. */
export function sideNames(a: string, b: string): [string, string] {
  const stem = (p: string): string => basename(p).replace(/\.json$/i, '');
  if (stem(a) !== stem(b)) return [stem(a), stem(b)];
  const withDir = (p: string): string => `${basename(dirname(p))}/${stem(p)}`;
  return withDir(a) !== withDir(b) ? [withDir(a), withDir(b)] : ['A', 'B'];
}

export async function compareCommand(
  files: string[],
  opts: CompareCommandOptions,
  output: { color: boolean; width: number },
): Promise<CompareCommandOutput> {
  const criteria: CompareOptions = {};
  if (opts.alpha !== undefined) criteria.alpha = opts.alpha;
  if (opts.minEffect !== undefined) criteria.minCliffsDelta = opts.minEffect;
  if (opts.minChange !== undefined) criteria.minChangePct = opts.minChange;

  let comparison: Comparison;
  let runs: { a: Awaited<ReturnType<typeof readResults>>; b: Awaited<ReturnType<typeof readResults>> };
  const [fileA, fileB] = files;
  if (fileA === undefined) throw new Error('compare needs one results file (variants) or two (A and B)');
  if (fileB === undefined) {
    const results = await readResults(fileA);
    const found = variantsOf(results);
    if (found.length < 2) {
      throw new Error(`${fileA} has no variants to compare (found: ${found.join(', ') || 'none'}); give two results files instead`);
    }
    const [va, vb] = opts.variants ?? [];
    for (const v of [va, vb]) if (v !== undefined && !found.includes(v)) throw new Error(`variant "${v}" is not in ${fileA} (has: ${found.join(', ')})`);
    comparison = compareVariants(results, { ...criteria, ...(va ? { a: va } : {}), ...(vb ? { b: vb } : {}) });
    runs = { a: results, b: results };
  } else {
    const [a, b] = await Promise.all([readResults(fileA), readResults(fileB)]);
    comparison = compareResults(a, b, { ...criteria, names: sideNames(fileA, fileB) });
    runs = { a, b };
  }
  const text = opts.markdown ? formatComparisonMarkdown(comparison) : formatComparison(comparison, output);
  if (!opts.html) return { comparison, text };
  const htmlPath = await writeCompareHtml(opts.html, comparison, { runs, variants: fileB === undefined });
  return { comparison, text, htmlPath };
}

function number(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}]`);
    return n;
  };
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('Compare two results files (or the variants of one) per metric, with a significance call')
    .argument('<a>', 'results JSON (A); alone, its variants are compared')
    .argument('[b]', 'results JSON (B)')
    .option('--html <file>', 'also write a self-contained HTML comparison')
    .option('--markdown', 'print a Markdown table (for a pull-request comment) instead of the console table')
    .option('--variants <a,b>', 'with one file: which two variants to compare (default: the first two)', (v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--alpha <p>', 'significance level of the rank test', number('--alpha', 0, 1), DEFAULT_CRITERIA.alpha)
    .option('--min-effect <delta>', "smallest |Cliff's delta| that counts as a difference", number('--min-effect', 0, 1), DEFAULT_CRITERIA.minCliffsDelta)
    .option('--min-change <pct>', 'smallest median change in % that counts as a difference', number('--min-change', 0, 1000), DEFAULT_CRITERIA.minChangePct)
    .action(async (a: string, b: string | undefined, opts: CompareCommandOptions) => {
      const files = b === undefined ? [a] : [a, b];
      const out = await compareCommand(files, opts, {
        color: !opts.markdown && shouldColor(process.stdout),
        width: process.stdout.columns ?? 140,
      });
      process.stdout.write(out.text);
      if (out.htmlPath) process.stdout.write(`${opts.markdown ? '' : '\n'}HTML: ${out.htmlPath}\n`);
    });
}
