// `run --html` writes the report through the atomic writer (src/common/atomic-write.ts), after the results JSON
// (writeResultFiles, the end of every run() and `rookery run`; the CLI's exit code from runExitCode):
// a report that cannot be written at the end of a run is one clear line and exit 2, the results JSON is on disk
// and complete, and no half-written report or temp file is left behind; an existing report is replaced whole.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeResultFiles } from '../../src/api/outputs.js';
import { runExitCode } from '../../src/cli/run-support.js';
import { validateResults } from '../../src/metrics/results.js';
import { fakeResults } from '../support/fake-results.js';
import type { Results } from '../../src/metrics/model.js';

describe('run --html output', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rookery-html-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const outcome = () => ({ results: fakeResults({ intervals: 6, errors: [] }) });
  /** What a run does at its end: the files, then the exit code from what was written. */
  const finish = async (results: Results, paths: { json: string; html: string }, log: (line: string) => void) => runExitCode(results, await writeResultFiles(results, paths, log), log);

  it('a report path that went bad during the run: one clear line, exit 2, the results JSON written whole', async () => {
    // The folder was a folder when the flags were checked; by the end of the run it is a file.
    const blocker = join(dir, 'reports');
    writeFileSync(blocker, 'not a folder');
    const plan = { json: join(dir, 'results.json'), html: join(blocker, 'report.html') };
    const lines: string[] = [];
    const run = outcome();
    const code = await finish(run.results, plan, (l) => lines.push(l));
    expect(code).toBe(2);
    const failure = lines.filter((l) => l.includes('could not write the report'));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(/could not write the report .*reports\/report\.html \(EEXIST: cannot create the folder .*reports: a file is in the way\); `rookery report .*results\.json` renders it later/);
    expect(validateResults(JSON.parse(readFileSync(plan.json, 'utf8')))).toEqual(JSON.parse(JSON.stringify(run.results)));
    expect(readdirSync(dir).sort()).toEqual(['reports', 'results.json']);
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
  });

  it('replaces an existing report whole and leaves no temp file', async () => {
    const plan = { json: join(dir, 'results.json'), html: join(dir, 'report.html') };
    writeFileSync(plan.html, 'old report');
    const lines: string[] = [];
    expect(await finish(outcome().results, plan, (l) => lines.push(l))).toBe(0);
    const page = readFileSync(plan.html, 'utf8');
    expect(page.startsWith('<!doctype html>') || page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['report.html', 'results.json']);
    expect(lines.some((l) => l.startsWith('report:'))).toBe(true);
  });
});
