/**
 * The HTML report as a person sees it: generated to a temp folder, opened from disk (file://) in real
 * Chromium, offline. Every chart must have drawn its series, the tables must carry the expected metrics, and
 * nothing from the app (event names, error messages) may execute.
 */
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { compareResults, compareVariants } from '../../src/report/compare.js';
import { renderCompareHtml, renderHtml } from '../../src/report/html.js';
import type { ChartSpec } from '../../src/report/chart-specs.js';
import { DEFAULT_EVENTS, fakeResults } from '../support/fake-results.js';
import { ServerMetricsBuilder } from '../../src/server-metrics/derive.js';

const XSS = '<img src=x onerror=alert(1)>';

interface Guards {
  problems: string[];
}

/** Fails the test on console errors, page errors, dialogs (XSS) and any non-file request (no CDN). */
function guard(page: Page): Guards {
  const g: Guards = { problems: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') g.problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => g.problems.push(`page error: ${err.message}`));
  page.on('dialog', (dialog) => {
    g.problems.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('file:') && !url.startsWith('data:')) g.problems.push(`network request: ${url}`);
  });
  return g;
}

/**
 * For each chart: how many canvas pixels have (nearly) one of its series' colours. Axes and grid use greys,
 * so a count > 0 means the series themselves were drawn, not just an empty frame.
 */
async function seriesPixels(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const specs = JSON.parse(document.getElementById('rookery-charts')!.textContent!) as ChartSpec[];
    const out: Record<string, number> = {};
    for (const spec of specs) {
      const root = document.getElementById(spec.id)!;
      const shown = spec.datasets.find((d) => d.name === root.dataset.dataset) ?? spec.datasets[0]!;
      const colors = shown.series.map((s) => [1, 3, 5].map((i) => parseInt(s.color.slice(i, i + 2), 16)));
      const canvas = root.querySelector('canvas');
      if (!canvas) {
        out[spec.id] = -1;
        continue;
      }
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let hits = 0;
      for (let p = 0; p < data.length; p += 4) {
        if (data[p + 3]! < 200) continue;
        for (const [r, g, b] of colors) {
          if (Math.abs(data[p]! - r!) < 24 && Math.abs(data[p + 1]! - g!) < 24 && Math.abs(data[p + 2]! - b!) < 24) {
            hits++;
            break;
          }
        }
      }
      out[spec.id] = hits;
    }
    return out;
  });
}

async function expectAllChartsDrawn(page: Page, minCharts: number): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-charts-drawn', /\d+/);
  const drawn = Number(await page.locator('body').getAttribute('data-charts-drawn'));
  const slots = await page.locator('[data-chart]').count();
  expect(drawn).toBe(slots);
  expect(slots).toBeGreaterThanOrEqual(minCharts);
  for (const chart of await page.locator('[data-chart]').all()) {
    await expect(chart).toHaveAttribute('data-drawn', 'true');
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(1);
  }
  const pixels = await seriesPixels(page);
  for (const [id, hits] of Object.entries(pixels)) expect(hits, `series pixels in #${id}`).toBeGreaterThan(40);
}

test.describe('HTML report from disk', () => {
  test('run report: charts drawn, tables complete, app strings inert', async ({ page }, testInfo) => {
    const results = fakeResults({
      seed: 11,
      events: [
        ...DEFAULT_EVENTS,
        { event: XSS, view: '/counter', count: 200, rttMs: { median: 3, sigma: 0.2 }, diffBytes: { median: 90, sigma: 0.1 } },
      ],
      errors: [
        {
          kind: 'crash',
          count: 3,
          samples: [{ message: `</script><script>alert("pwned")</script> ${XSS}`, at: Date.UTC(2025, 0, 15, 12, 0, 20), context: { user: 5, view: '/counter' } }],
        },
      ],
    });
    const file = testInfo.outputPath('report.html');
    writeFileSync(file, renderHtml(results));
    const g = guard(page);
    await page.goto(pathToFileURL(file).href);

    await expectAllChartsDrawn(page, 10);

    // Summary: verdicts visible.
    await expect(page.locator('h1')).toHaveText('demo-mix');
    await expect(page.locator('[data-status="thresholds-fail"]')).toContainText('1 of 2 thresholds failed');
    await expect(page.locator('[data-status="harness-ok"]')).toBeVisible();

    // Per-event table: every event with its count; the hostile name shown as text.
    const events = page.locator('#events-table');
    await expect(events.locator('tbody tr')).toHaveCount(4);
    await expect(events.locator('tr[data-key="event=inc view=/counter"] td').nth(2)).toHaveText('3,000');
    await expect(events.locator('tr[data-key="event=add view=/stream"] td').nth(2)).toHaveText('1,200');
    await expect(events.getByText(XSS, { exact: true })).toBeVisible();
    await expect(events.locator('thead')).toContainText('rtt p95');
    await expect(events.locator('thead')).toContainText('diff bytes');

    // Per-view table.
    const views = page.locator('#views-table');
    await expect(views.locator('tbody tr')).toHaveCount(3);
    await expect(views.locator('tr[data-key="view=/counter"] td').nth(1)).toHaveText('120');

    // Errors with the sample, inert.
    await expect(page.locator('#errors-table')).toContainText('</script><script>alert("pwned")</script>');
    expect(await page.locator('img[src="x"]').count()).toBe(0);

    // Visual slot present and empty.
    await expect(page.locator('#visual [data-visual="empty"]')).toBeVisible();

    // Switching the dataset of a chart redraws it.
    const picker = page.locator('#chart-latency-time select.chart-picker');
    await expect(picker).toBeVisible();
    const second = await picker.locator('option').nth(1).getAttribute('value');
    await picker.selectOption(second!);
    await expect(page.locator('#chart-latency-time')).toHaveAttribute('data-dataset', /lv_event_rtt_ms · event=/);

    const shot = testInfo.outputPath('report.png');
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach('report', { path: shot, contentType: 'image/png' });

    // Charts follow the layout on a narrow screen (one column) and still draw their series.
    const canvasWidth = (): Promise<number> => page.locator('#chart-latency-time canvas').evaluate((c) => (c as HTMLCanvasElement).getBoundingClientRect().width);
    const wide = await canvasWidth();
    await page.setViewportSize({ width: 640, height: 900 });
    await expect.poll(canvasWidth, { timeout: 5000 }).toBeLessThan(wide - 100);
    await expectAllChartsDrawn(page, 10);
    expect(g.problems).toEqual([]);
  });

  test('variants report and compare report', async ({ page }, testInfo) => {
    const list = [{ event: 'add', view: '/items', count: 1500, rttMs: { median: 9, sigma: 0.3 }, diffBytes: { median: 6000, sigma: 0.1 }, streamOps: 0 }];
    const stream = [{ event: 'add', view: '/items', count: 1500, rttMs: { median: 7, sigma: 0.3 }, diffBytes: { median: 300, sigma: 0.1 }, streamOps: 1 }];
    const results = fakeResults({ seed: 3, scenario: 'compare-streams', variants: { list: { events: list }, stream: { events: stream } } });

    const file = testInfo.outputPath('variants.html');
    writeFileSync(file, renderHtml(results));
    const g = guard(page);
    await page.goto(pathToFileURL(file).href);
    await expectAllChartsDrawn(page, 10);
    const table = page.locator('#variants-table-stream');
    await expect(table.locator('tr[data-key="lv_diff_bytes{event=add,view=/items}"]')).toContainText('stream smaller');
    await expect(table.locator('tr[data-key="lv_join_bytes{view=/counter}"]')).toContainText('no clear difference');
    await expect(page.locator('#chart-variants')).toHaveAttribute('data-drawn', 'true');
    const shot = testInfo.outputPath('variants.png');
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach('variants', { path: shot, contentType: 'image/png' });

    const compareFile = testInfo.outputPath('compare.html');
    writeFileSync(compareFile, renderCompareHtml(compareVariants(results), { runs: { a: results, b: results }, variants: true }));
    await page.goto(pathToFileURL(compareFile).href);
    await expectAllChartsDrawn(page, 1);
    await expect(page.locator('[data-status="differences"]')).toBeVisible();

    const a = fakeResults({ seed: 21 });
    const b = fakeResults({ seed: 22 });
    const sameFile = testInfo.outputPath('compare-same.html');
    writeFileSync(sameFile, renderCompareHtml(compareResults(a, b, { names: ['run-1', 'run-2'] }), { runs: { a, b } }));
    await page.goto(pathToFileURL(sameFile).href);
    await expectAllChartsDrawn(page, 1);
    await expect(page.locator('[data-status="no-difference"]')).toBeVisible();
    const compareShot = testInfo.outputPath('compare.png');
    await page.screenshot({ path: compareShot, fullPage: true });
    await testInfo.attach('compare', { path: compareShot, contentType: 'image/png' });
    expect(g.problems).toEqual([]);
  });

  test('server section: where the time goes and memory per LiveView, sequential variants', async ({ page }, testInfo) => {
    const list = [{ event: 'add', view: '/list', count: 600, rttMs: { median: 9, sigma: 0.3 }, diffBytes: { median: 6000, sigma: 0.1 }, streamOps: 0 }];
    const stream = [{ event: 'append', view: '/stream', count: 600, rttMs: { median: 7, sigma: 0.3 }, diffBytes: { median: 300, sigma: 0.1 }, streamOps: 1 }];
    const results = fakeResults({ seed: 5, scenario: 'compare-streams', intervals: 60, variants: { stream: { events: stream }, list: { events: list } } });
    const started = Date.parse(results.meta.startedAt);
    results.meta.variantMode = 'sequential';
    results.meta.segments = [
      { variant: 'stream', startMs: 0, holdEndMs: 20_000, endMs: 30_000 },
      { variant: 'list', startMs: 30_000, holdEndMs: 50_000, endMs: 60_000 },
    ];
    // An app exporting PromEx names; memory grows 30 kB per stream LiveView, 90 kB per list LiveView.
    const name = 'app_prom_ex_phoenix_live_view_handle_event_duration_milliseconds';
    const text = (n: number, stream: number, list: number, event: string) => `# TYPE ${name} histogram
${name}_bucket{event="${event}",module="${XSS.replace(/"/g, '\\"')}",le="5"} ${n}
${name}_bucket{event="${event}",module="${XSS.replace(/"/g, '\\"')}",le="+Inf"} ${n}
${name}_sum{event="${event}",module="${XSS.replace(/"/g, '\\"')}"} ${n * 4}
${name}_count{event="${event}",module="${XSS.replace(/"/g, '\\"')}"} ${n}
# TYPE app_prom_ex_beam_memory_allocated_bytes gauge
app_prom_ex_beam_memory_allocated_bytes ${1e8 + stream * 30_000 + list * 90_000}
`;
    const b = new ServerMetricsBuilder(['http://app/metrics'], { startedAt: started, intervalMs: 1000 });
    let appended = 0;
    let added = 0;
    for (let i = 0; i <= 60; i++) {
      const t = i * 1000;
      const ramp = (from: number) => Math.max(0, Math.min(10, Math.floor((t - from) / 1000)));
      const s = t < 20_000 ? ramp(0) : 0;
      const l = t >= 30_000 && t < 50_000 ? ramp(30_000) : 0;
      if (s > 0) appended += 10;
      if (l > 0) added += 10;
      const body = text(appended, s, l, 'append') + text(added, 0, 0, 'add').split('\n').slice(0, 5).join('\n') + '\n';
      b.addRound(started + t, [{ node: 0, text: body }], [
        { labels: { view: '/stream', variant: 'stream' }, value: s },
        { labels: { view: '/list', variant: 'list' }, value: l },
      ]);
    }
    results.server = b.result('local');

    const file = testInfo.outputPath('server.html');
    writeFileSync(file, renderHtml(results));
    const g = guard(page);
    await page.goto(pathToFileURL(file).href);
    await expect(page.locator('#variant-mode')).toHaveAttribute('data-mode', 'sequential');
    await expect(page.locator('#server')).toBeVisible();
    const row = page.locator('#time-split-table tr[data-kind="event"][data-variant="stream"][data-action="append"]');
    await expect(row).toContainText('4.00 ms');
    await expect(page.locator('#memory-per-liveview tr[data-variant="stream"]')).toHaveAttribute('data-bytes-per-lv', '30000');
    await expect(page.locator('#memory-per-liveview tr[data-variant="list"]')).toHaveAttribute('data-bytes-per-lv', '90000');
    await expect(page.locator('#server-compare #memory-compare')).toHaveAttribute('data-verdict', 'stream smaller');
    await expect(page.locator('#server-targets')).toContainText('http://app/metrics');
    const shot = testInfo.outputPath('server.png');
    await page.locator('#server').screenshot({ path: shot });
    await testInfo.attach('server', { path: shot, contentType: 'image/png' });
    expect(g.problems).toEqual([]);
  });
});
