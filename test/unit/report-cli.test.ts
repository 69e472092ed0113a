import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCommand, sideNames } from '../../src/cli/commands/compare.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { writeResults } from '../../src/metrics/results-file.js';
import { fakeResults } from '../support/fake-results.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rookery-cli-report-'));
  await writeResults(join(dir, 'base.json'), fakeResults({ seed: 1, intervals: 20 }));
  await writeResults(join(dir, 'head.json'), fakeResults({ seed: 2, intervals: 20 }));
  await writeResults(
    join(dir, 'variants.json'),
    fakeResults({
      seed: 3,
      intervals: 20,
      variants: {
        list: { events: [{ event: 'add', view: '/items', count: 500, rttMs: { median: 8, sigma: 0.3 }, diffBytes: { median: 6000, sigma: 0.1 } }] },
        stream: { events: [{ event: 'add', view: '/items', count: 500, rttMs: { median: 8, sigma: 0.3 }, diffBytes: { median: 300, sigma: 0.1 } }] },
      },
    }),
  );
  await writeFile(join(dir, 'junk.json'), '[1,2,3]');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rookery report', () => {
  it('writes the HTML next to the results by default and returns its absolute path', async () => {
    const written = await reportCommand(join(dir, 'base.json'), {});
    expect(written).toBe(join(dir, 'base.html'));
    expect(await readFile(written, 'utf8')).toMatch(/^<!doctype html>[\s\S]*id="events-table"/);
    expect(await reportCommand(join(dir, 'base.json'), { out: join(dir, 'out', 'r.html') })).toBe(join(dir, 'out', 'r.html'));
  });

  it('rebases visual image paths from the results folder to the report folder', async () => {
    const withVisual = fakeResults({ seed: 4, intervals: 10 });
    withVisual.visual = {
      checkpoints: [{ name: 'list', snapshots: 5, mismatches: 1, worst: { diffPixels: 9, ratio: 0.01, baseline: 'visual/b.png', actual: 'visual/a.png', diff: 'visual/d.png' } }],
    };
    await writeResults(join(dir, 'vis.json'), withVisual);
    const written = await reportCommand(join(dir, 'vis.json'), { out: join(dir, 'reports', 'vis.html') });
    expect(await readFile(written, 'utf8')).toContain('src="../visual/d.png"');
  });

  it('fails with a clear message for a missing or invalid file', async () => {
    await expect(reportCommand(join(dir, 'missing.json'), {})).rejects.toThrow(/missing\.json: no such file/);
    await expect(reportCommand(join(dir, 'junk.json'), {})).rejects.toThrow(/junk\.json: not a valid Rookery results file — results: expected an object, got an array/);
  });
});

describe('rookery compare', () => {
  const plain = { color: false, width: 140 };

  it('prints a console table for two files, named after the files', async () => {
    const out = await compareCommand([join(dir, 'base.json'), join(dir, 'head.json')], {}, plain);
    expect(out.text).toContain('A = base');
    expect(out.text).toContain('No clear difference in any metric.');
    expect(out.htmlPath).toBeUndefined();
  });

  it('compares the variants of one file, as Markdown and HTML', async () => {
    const html = join(dir, 'cmp.html');
    const out = await compareCommand([join(dir, 'variants.json')], { markdown: true, html }, plain);
    expect(out.text).toMatch(/^### Rookery compare: \*\*list\*\* vs \*\*stream\*\*/);
    expect(out.text).toContain('**stream smaller**');
    expect(out.htmlPath).toBe(html);
    expect(await readFile(html, 'utf8')).toContain('id="chart-compare-percentiles"');
  });

  it('passes criteria through and rejects bad inputs clearly', async () => {
    const strict = await compareCommand([join(dir, 'variants.json')], { minChange: 99 }, plain);
    expect(strict.comparison.criteria.minChangePct).toBe(99);
    expect(strict.comparison.metrics.every((m) => m.verdict.direction === 'none')).toBe(true);
    await expect(compareCommand([join(dir, 'base.json')], {}, plain)).rejects.toThrow(/has no variants to compare/);
    await expect(compareCommand([join(dir, 'variants.json')], { variants: ['list', 'grid'] }, plain)).rejects.toThrow(/variant "grid" is not in/);
    await expect(compareCommand([join(dir, 'base.json'), join(dir, 'junk.json')], {}, plain)).rejects.toThrow(/junk\.json: not a valid Rookery results file/);
  });

  it('names sides from file names, disambiguating by folder', () => {
    expect(sideNames('runs/a.json', 'runs/b.json')).toEqual(['a', 'b']);
    expect(sideNames('main/results.json', 'pr/results.json')).toEqual(['main/results', 'pr/results']);
    expect(sideNames('x/results.json', 'x/results.json')).toEqual(['A', 'B']);
  });
});
