/** `rookery report results.json [-o report.html]`: render a results file as one self-contained HTML report. */
import type { Command } from 'commander';
import { readResults } from '../../metrics/results-file.js';
import { defaultReportPath, writeHtmlReport } from '../../report/write-report.js';
import { resultsForReportAt } from '../../visual/artifacts.js';

export interface ReportCommandOptions {
  out?: string;
}

/** Reads, renders, writes; returns the absolute path of the report. Throws (→ exit 2) on a bad results file. */
export async function reportCommand(resultsPath: string, opts: ReportCommandOptions): Promise<string> {
  const results = await readResults(resultsPath);
  const out = opts.out ?? defaultReportPath(resultsPath);
  // Visual artifacts are stored relative to the results file; the report may live elsewhere.
  return writeHtmlReport(out, resultsForReportAt(results, resultsPath, out));
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Write a self-contained HTML report (works offline, opened from disk) for a results file')
    .argument('<results>', 'results JSON written by `rookery run --out`')
    .option('-o, --out <file>', 'HTML file to write (default: the results path with .html)')
    .action(async (resultsPath: string, opts: ReportCommandOptions) => {
      const written = await reportCommand(resultsPath, opts);
      process.stdout.write(`${written}\n`);
    });
}
