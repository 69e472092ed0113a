/**
 * The report's visual panel as a person sees it: a real glitching run against the fixture (baseline first, then
 * `?glitch=1`), its report written to one folder and its results (with the diff images) to another, opened from
 * disk. The panel must show baseline/actual/diff images that actually load.
 *
 * ROOKERY_UPDATE_DOCS=1 also refreshes docs/visual-panel.png (the README's screenshot).
 */
import { expect, test } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFixture } from '../../fixtures/server/index.js';
import { baselineCommand } from '../../src/cli/commands/baseline.js';
import { runLocal } from '../../src/load/run-local.js';
import { attachVisualArtifacts, writeResultFiles } from '../../src/api/outputs.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCENARIO = join(ROOT, 'scenarios/visual.ts');

test.describe('visual panel of the HTML report', () => {
  let dir: string;
  let reportFile: string;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'rookery-visual-e2e-'));
    const fixture = await startFixture({ port: 0 });
    const silent = (): void => {};
    try {
      delete process.env.ROOKERY_GLITCH;
      const baselines = join(dir, 'baselines');
      const made = await baselineCommand(SCENARIO, { target: fixture.url, dir: baselines }, silent);
      expect(made.code, made.message).toBe(0);
      process.env.ROOKERY_GLITCH = '1';
      const outcome = await runLocal({ scenarioFile: SCENARIO, overrides: { target: fixture.url, users: 1, ramp: 0, iterations: 2 }, visual: { dir: baselines, sample: 1 }, log: silent });
      reportFile = join(dir, 'site', 'report.html');
      // The end of every run (run() and `rookery run`): visual artifacts beside the results, then the files.
      const json = join(dir, 'results', 'run.json');
      attachVisualArtifacts(outcome.results, outcome.visual, json, silent);
      await writeResultFiles(outcome.results, { json, html: reportFile }, silent);
    } finally {
      delete process.env.ROOKERY_GLITCH;
      await fixture.close();
    }
  });

  test.afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('shows each mismatching checkpoint with baseline, actual and diff images that load', async ({ page }, testInfo) => {
    const offline: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) offline.push(req.url());
    });
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(pathToFileURL(reportFile).href);
    const panel = page.locator('#visual');
    await panel.scrollIntoViewIfNeeded();
    await expect(panel.locator('[data-visual="present"]')).toBeVisible();

    const rows = panel.locator('#visual-table tbody tr');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText('counter');
    await expect(rows.nth(0).locator('.tag.bad')).toHaveText('2');
    await expect(rows.nth(1)).toContainText('stream after add');
    await expect(panel.locator('#visual-overhead')).toContainText('4 snapshots');

    for (const checkpoint of ['counter', 'stream after add']) {
      const block = panel.locator(`.visual-case[data-checkpoint="${checkpoint}"]`);
      await expect(block.locator('h3')).toContainText('2 of 2 differ');
      const imgs = block.locator('img');
      await expect(imgs).toHaveCount(3);
      expect(await imgs.evaluateAll((els) => els.map((e) => e.getAttribute('alt')))).toEqual(['baseline', 'actual', 'diff']);
      for (const img of await imgs.all()) {
        await img.scrollIntoViewIfNeeded(); // lazy images load when near the viewport
        await expect.poll(() => img.evaluate((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth)).toBe(1280);
      }
    }
    expect(offline).toEqual([]);

    // The panel with a margin around it (the section heading sits flush left otherwise).
    await panel.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    const box = (await panel.boundingBox())!;
    const margin = 16;
    const x = Math.max(0, box.x - margin);
    const y = Math.max(0, box.y - margin);
    const shot = await page.screenshot({ clip: { x, y, width: Math.min(1200 - x, box.width + 2 * margin), height: Math.min(900 - y, box.height + 2 * margin) } });
    await testInfo.attach('visual-panel', { body: shot, contentType: 'image/png' });
    if (process.env.ROOKERY_UPDATE_DOCS === '1') {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      writeFileSync(join(ROOT, 'docs', 'visual-panel.png'), shot);
    }
  });
});
