/**
 * Saturated seconds as a person sees them in the HTML report: shaded bands on every chart over time, and the
 * steady-state table beside the whole run with the left-out intervals listed.
 */
import { expect, test } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../src/report/html.js';
import type { ChartSpec } from '../../src/report/chart-specs.js';
import { phasedResults } from '../support/phased-run.js';

test('saturated intervals are shaded on the charts over time and left out of the steady state', async ({ page }) => {
  const file = join(mkdtempSync(join(tmpdir(), 'rookery-steady-')), 'report.html');
  writeFileSync(file, renderHtml(phasedResults()));
  await page.goto(pathToFileURL(file).href);
  const chart = page.locator('#chart-latency-time');
  await expect(chart).toHaveAttribute('data-drawn', 'true');
  await expect(chart).toHaveAttribute('data-shaded', '1');
  // The band is painted: translucent red pixels (the canvas is transparent; the page's white is behind it).
  const shaded = await page.evaluate(() => {
    const specs = JSON.parse(document.getElementById('rookery-charts')!.textContent!) as ChartSpec[];
    const out: Record<string, number> = {};
    for (const spec of specs.filter((s) => s.x === 'seconds')) {
      const canvas = document.getElementById(spec.id)!.querySelector('canvas')!;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let p = 0; p < d.length; p += 4) if (d[p + 3]! > 10 && d[p + 3]! < 60 && Math.abs(d[p]! - 239) < 12 && Math.abs(d[p + 1]! - 68) < 12 && Math.abs(d[p + 2]! - 68) < 12) n++;
      out[spec.id] = n;
    }
    return out;
  });
  expect(Object.keys(shaded).length).toBeGreaterThan(0);
  for (const [id, n] of Object.entries(shaded)) expect(n, id).toBeGreaterThan(100);
  await expect(page.locator('#steady-table tbody tr')).toHaveCount(2);
  await expect(page.locator('#steady-excluded li')).toHaveText(['6–7 s hold (1 interval): harness saturated', '7–8 s hold (1 interval): event-loop lag p99 120 ms']);
});
