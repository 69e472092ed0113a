import { describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../src/report/chart-specs.js';
import { compareResults } from '../../src/report/compare.js';
import { renderCompareHtml, renderHtml } from '../../src/report/html.js';
import { escapeHtml, jsonForScript, safeRelativeUrl } from '../../src/report/html-escape.js';
import { DEFAULT_EVENTS, fakeResults } from '../support/fake-results.js';

const XSS = '<img src=x onerror=alert(1)>';

function scriptBlock(page: string, id: string): string {
  const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(page);
  if (!m) throw new Error(`no #${id}`);
  return m[1]!;
}

function inlineScripts(page: string): string[] {
  return [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
}

describe('renderHtml', () => {
  const hostile = fakeResults({
    seed: 9,
    events: [...DEFAULT_EVENTS, { event: XSS, view: '/counter', count: 50, rttMs: { median: 3, sigma: 0.2 }, diffBytes: { median: 80, sigma: 0.1 } }],
    errors: [{ kind: 'crash"><script>alert(2)</script>', count: 1, samples: [{ message: `</script><script>alert(3)</script>${XSS}`, at: 0 }] }],
  });
  const page = renderHtml(hostile);

  it('escapes event names and error messages everywhere in the markup', () => {
    expect(page).not.toContain(XSS);
    expect(page).toContain(escapeHtml(XSS));
    expect(page).not.toContain('<script>alert(');
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(page).toContain('crash&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('embeds the results once, JSON-escaped so no string can close the script element', () => {
    const raw = scriptBlock(page, 'rookery-results');
    expect(raw).not.toMatch(/<\/?script/i);
    expect(raw).not.toContain('<');
    expect(JSON.parse(raw)).toEqual(JSON.parse(JSON.stringify(hostile)));
    // Each HDR string appears once in the whole file (charts carry percentile points, not histograms).
    // (Identical histograms, e.g. all-zero stream ops of several events, encode identically.)
    for (const m of hostile.metrics) {
      const copies = hostile.metrics.filter((x) => x.hdr === m.hdr).length;
      expect(page.split(m.hdr).length - 1).toBe(copies);
    }
  });

  it('is self-contained: uPlot inlined, no external scripts, styles or fonts', () => {
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script[^>]+src=/i);
    expect(page).not.toMatch(/<link[^>]+href=/i);
    expect(page).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    const scripts = inlineScripts(page);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toContain('uPlot');
    // The page script is valid JavaScript once inlined (the client function survives toString()).
    for (const code of scripts) expect(() => new Function(code)).not.toThrow();
  });

  it('prepares every chart with data: time series, percentile curves, composition bars, harness', () => {
    const specs = JSON.parse(scriptBlock(page, 'rookery-charts')) as ChartSpec[];
    const ids = specs.map((s) => s.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'chart-latency-time',
        'chart-users',
        'chart-throughput',
        'chart-latency-percentiles',
        'chart-size-percentiles',
        'chart-composition-0',
        'chart-composition-1',
        'chart-harness-cpu',
        'chart-harness-lag',
        'chart-harness-memory',
      ]),
    );
    for (const spec of specs) {
      expect(page).toContain(`id="${spec.id}"`);
      for (const ds of spec.datasets) {
        expect(ds.data).toHaveLength(ds.series.length + 1);
        for (const col of ds.data) expect(col).toHaveLength(ds.data[0]!.length);
      }
    }
    const latency = specs.find((s) => s.id === 'chart-latency-time')!;
    expect(latency.datasets[0]!.name).toBe('lv_event_rtt_ms · event=inc view=/counter'); // busiest first
    expect(latency.datasets[0]!.data[0]).toHaveLength(60);
    const pct = specs.find((s) => s.id === 'chart-latency-percentiles')!.datasets[0]!;
    const inc = hostile.metrics.find((m) => m.name === 'lv_event_rtt_ms' && m.labels.event === 'inc')!;
    // The curve at x = 2 (p50) is the summary's p50.
    const x = pct.data[0]!;
    const col = pct.series.findIndex((s) => s.label === 'event=inc view=/counter') + 1;
    expect(pct.data[col]![x.indexOf(2)]).toBeCloseTo(inc.p50, 6);
  });

  it('has the per-view and per-event tables, errors and an empty visual slot', () => {
    expect(page).toContain('id="views-table"');
    expect(page).toContain('id="events-table"');
    expect(page).toMatch(/<tr data-key="event=inc view=\/counter">.*?<td class="num">3,000<\/td>/s);
    expect(page).toContain('id="errors-table"');
    expect(page).toMatch(/<section class="block" id="visual">[\s\S]*data-visual="empty"/);
  });

  it('shows visual checkpoints with images relative to the report, never other schemes', () => {
    const withVisual = fakeResults({ seed: 1 });
    withVisual.visual = {
      checkpoints: [
        { name: 'counter', snapshots: 40, mismatches: 0 },
        { name: 'stream <list>', snapshots: 38, mismatches: 3, worst: { diffPixels: 1234, ratio: 0.0123, baseline: 'visual/stream base.png', actual: 'javascript:alert(1)', diff: 'visual/stream-diff.png' } },
      ],
    };
    const out = renderHtml(withVisual);
    expect(out).toContain('data-visual="present"');
    expect(out).toContain('src="visual/stream%20base.png"');
    expect(out).toContain('src="visual/stream-diff.png"');
    expect(out).not.toMatch(/src="javascript/i);
    expect(out.match(/<img /g)).toHaveLength(2);
    expect(out).toContain('stream &lt;list&gt;');
    expect(out).toContain('1,234 px (1.23 %)');
  });

  it('adds a variant section when the run has variants', () => {
    const run = fakeResults({
      seed: 2,
      variants: {
        list: { events: [{ event: 'add', view: '/items', count: 600, rttMs: { median: 8, sigma: 0.3 }, diffBytes: { median: 6000, sigma: 0.1 } }] },
        stream: { events: [{ event: 'add', view: '/items', count: 600, rttMs: { median: 8, sigma: 0.3 }, diffBytes: { median: 300, sigma: 0.1 } }] },
      },
    });
    const out = renderHtml(run);
    expect(out).toContain('id="variants"');
    expect(out).toMatch(/<tr data-key="lv_diff_bytes\{event=add,view=\/items\}" data-direction="b-lower"[\s\S]*?stream smaller/);
    expect(out).toContain('id="chart-variants"');
    expect(renderHtml(fakeResults({ seed: 2 }))).not.toContain('id="variants"');
  });

  it('renders a run that recorded nothing (no metrics, no series) with empty states instead of charts', () => {
    const empty = fakeResults({ seed: 1, events: [], views: [], errors: [], thresholds: [], intervals: 1 });
    empty.metrics = [];
    empty.counters = [];
    empty.series = { intervalMs: 1000, t: [], latency: [], counters: [], gauges: [] };
    const out = renderHtml(empty);
    expect(JSON.parse(scriptBlock(out, 'rookery-charts'))).toEqual([]);
    expect(out).toContain('No LiveView events in this run.');
    expect(out).toContain('No LiveView mounted in this run.');
    expect(out).toContain('No errors were recorded.');
    expect(out).toContain('No thresholds were set');
    expect(out).not.toContain('data-chart>');
  });

  it('keeps the file size reasonable', () => {
    expect(page.length).toBeLessThan(400_000);
  });
});

describe('renderCompareHtml', () => {
  it('renders the comparison with overlaid percentile curves', () => {
    const a = fakeResults({ seed: 1 });
    const b = fakeResults({ seed: 2 });
    const out = renderCompareHtml(compareResults(a, b, { names: ['base', `head${XSS}`], resamples: 0 }), { runs: { a, b } });
    expect(out).toContain('data-status="no-difference"');
    expect(out).toContain('id="comparison-table"');
    expect(out).toContain('id="chart-compare-percentiles"');
    expect(out).not.toContain(XSS);
  });
});

describe('escaping helpers', () => {
  it('jsonForScript neutralises markup and line separators', () => {
    const s = jsonForScript({ a: '</script><!-- & \u2028' });
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual({ a: '</script><!-- & \u2028' });
  });

  it('safeRelativeUrl accepts relative paths only', () => {
    expect(safeRelativeUrl('visual/a b.png')).toBe('visual/a%20b.png');
    expect(safeRelativeUrl('../x/y.png')).toBe('../x/y.png');
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:x', 'https://evil.example/x.png', '//evil/x.png', 'data:image/png;base64,AA', '']) {
      expect(safeRelativeUrl(bad)).toBeUndefined();
    }
  });
});
