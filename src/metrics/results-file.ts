/**
 * JSON writer and reader for results files. Writes are atomic (temp file in the same folder, then rename), so a
 * crash or Ctrl-C never leaves half a results file behind. Reads check the shape (the engine's validateResults)
 * before any report trusts it.
 */
import { readFile } from 'node:fs/promises';
import type { Results } from './model.js';
import { validateResults } from './results.js';
import { writeFileAtomic } from '../common/atomic-write.js';

/** A results file that is missing, unreadable, not JSON, or not Rookery results. The CLI maps it to exit 2. */
export class ResultsFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ResultsFileError';
  }
}

/**
 * Indented for people, but arrays of numbers (the time series) stay on one line each, so a long run's file
 * does not grow a line per sample.
 */
export function stringifyResults(results: Results): string {
  const NUMBER = '(?:-?\\d[\\d.eE+-]*|null)';
  const numberArray = new RegExp(`\\[\\s+(${NUMBER}(?:,\\s+${NUMBER})*)\\s+\\]`, 'g');
  return `${JSON.stringify(results, null, 2).replace(numberArray, (_m, body: string) => `[${body.replace(/\s+/g, '')}]`)}\n`;
}

export async function writeResults(path: string, results: Results): Promise<void> {
  await writeFileAtomic(path, stringifyResults(results));
}

/** Reads and checks a results file; throws ResultsFileError with a message a person can act on. */
export async function readResults(path: string): Promise<Results> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ResultsFileError(path, code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(err)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ResultsFileError(path, `${path}: not a results file (invalid JSON: ${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    // The metrics engine owns the schema; its check names the first field that is wrong.
    return validateResults(parsed);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ResultsFileError(path, why.startsWith('not a ') ? `${path}: ${why}` : `${path}: not a valid Rookery results file — ${why}`);
  }
}
