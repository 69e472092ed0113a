import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults, ResultsFileError, stringifyResults, writeResults } from '../../src/metrics/results-file.js';
import { fakeResults } from '../support/fake-results.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rookery-json-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeResults / readResults', () => {
  const results = fakeResults({ seed: 1, intervals: 12 });

  it('round-trips exactly, into a new folder, leaving no temp file behind', async () => {
    const path = join(dir, 'nested', 'run.json');
    await writeResults(path, results);
    expect(await readResults(path)).toEqual(results);
    expect(await readdir(join(dir, 'nested'))).toEqual(['run.json']);
  });

  it('keeps number arrays on one line (compact for long runs) and stays valid JSON', () => {
    const text = stringifyResults(results);
    expect(JSON.parse(text)).toEqual(results);
    expect(text).toMatch(/"t": \[1000,2000,3000,4000,5000,6000,7000,8000,9000,10000,11000,12000\]/);
    expect(text).toMatch(/"p50": \[(?:[\d.]+|null)(?:,(?:[\d.]+|null)){11}\]/);
    expect(text).toContain('\n  "meta": {');
  });

  it('replaces an existing file atomically', async () => {
    const path = join(dir, 'replace.json');
    await writeFile(path, 'old');
    await writeResults(path, results);
    expect(JSON.parse(await readFile(path, 'utf8')).schema).toBe('rookery/results@1');
  });

  it('explains what is wrong with a file that is not results', async () => {
    const missing = join(dir, 'nope.json');
    await expect(readResults(missing)).rejects.toThrow(`${missing}: no such file`);

    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '{"schema": "rookery/res');
    await expect(readResults(notJson)).rejects.toThrow(/broken\.json: not a results file \(invalid JSON/);

    const other = join(dir, 'package.json');
    await writeFile(other, JSON.stringify({ name: 'x', version: '1.0.0' }));
    const err = await readResults(other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultsFileError);
    expect((err as Error).message).toBe(`${other}: not a Rookery results file: schema is undefined, expected 'rookery/results@1'`);

    const damaged = join(dir, 'damaged.json');
    const copy = JSON.parse(JSON.stringify(results)) as Record<string, unknown> & { metrics: Array<Record<string, unknown>> };
    delete copy.metrics[0]!.hdr;
    copy.metrics[1]!.p95 = 'fast';
    delete copy.health;
    await writeFile(damaged, JSON.stringify(copy));
    await expect(readResults(damaged)).rejects.toThrow(/damaged\.json: not a valid Rookery results file — results\.metrics\[0\]\.hdr: expected a string/);
  });
});
