import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/report/compare.js';
import { formatComparison, formatSummary, shouldColor } from '../../src/report/console.js';
import { fakeResults } from '../support/fake-results.js';

const ANSI = /\u001b\[/;

describe('formatSummary', () => {
  const results = fakeResults({ seed: 1 });
  const text = formatSummary(results);
  const lines = text.split('\n');

  it('has a row per metric+labels with count, p50, p95, p99 and max from the results', () => {
    const inc = results.metrics.find((m) => m.name === 'lv_event_rtt_ms' && m.labels.event === 'inc')!;
    const row = lines.find((l) => l.trim().startsWith('event=inc view=/counter') && l.includes('3,000') && l.includes(' ms'));
    expect(row).toBeDefined();
    // The first matching row is lv_event_rtt_ms (catalogue order: rtt before patch).
    expect(lines.indexOf(row!)).toBeGreaterThan(lines.indexOf('lv_event_rtt_ms'));
    expect(lines.indexOf(row!)).toBeLessThan(lines.indexOf('lv_patch_ms'));
    const cells = row!.trim().split(/\s{2,}/);
    expect(cells).toEqual([
      'event=inc view=/counter',
      '3,000',
      `${inc.p50.toFixed(2)} ms`,
      `${inc.p95.toFixed(2)} ms`,
      expect.stringMatching(/ ms$/),
      expect.stringMatching(/ ms$/),
    ]);
    expect(text).toMatch(/^iteration_ms\s+\d/m); // unlabeled metric on one line
    expect(text).toContain('lv_diff_bytes');
  });

  it('lists counters with rates, errors with the first sample, thresholds and the harness verdict', () => {
    expect(text).toMatch(/event=inc view=\/counter\s+3,000\s+50\/s/);
    expect(text).toContain('Errors: 2');
    expect(text).toContain('timeout ×2 — first: "event "add" got no reply within 30000 ms" (user=17 iteration=4 view=/stream)');
    expect(text).toContain('Thresholds: 1 of 2 FAILED');
    expect(text).toMatch(/✓ lv_event_rtt_ms\{event=inc\}:p95<200\s+actual 7\.9/);
    expect(text).toMatch(/✗ lv_errors:count<1\s+actual 2/);
    expect(text).toMatch(/^Harness: OK — event-loop lag p99 [\d.]+ ms/m);
    expect(text).not.toMatch(ANSI);
  });

  it('says loudly when the harness was saturated, and when the run was interrupted', () => {
    const sat = fakeResults({ seed: 2, saturated: true });
    sat.meta.interrupted = 'SIGINT';
    const out = formatSummary(sat);
    expect(out).toContain('Harness: SATURATED — results are suspect: event-loop lag p99 above 50 ms for 41 s; node CPU at 95 % of one core');
    expect(out).toContain('Interrupted (SIGINT): results are partial.');
  });

  it('colours only when asked, and fits the width', () => {
    expect(formatSummary(results, { color: true })).toMatch(ANSI);
    const narrow = formatSummary(results, { width: 70 });
    const table = narrow.split('\n').filter((l) => /\d ms\s*$/.test(l));
    expect(table.length).toBeGreaterThan(10);
    for (const l of table) expect([...l].length).toBeLessThanOrEqual(70);
    expect(narrow).toContain('…');
  });

  it('shows an empty run plainly', () => {
    const empty = fakeResults({ seed: 3, events: [], views: [], errors: [], thresholds: [] });
    empty.metrics = [];
    const out = formatSummary(empty);
    expect(out).toContain('No timings or sizes were recorded.');
    expect(out).toContain('Errors: none');
    expect(out).not.toContain('Thresholds');
  });
});

describe('shouldColor', () => {
  it('follows the TTY, NO_COLOR and FORCE_COLOR', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({}, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldColor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('formatComparison', () => {
  it('prints both sides, the change and the verdict per row, and the rule', () => {
    const a = fakeResults({ seed: 1 });
    const b = fakeResults({ seed: 2 });
    const out = formatComparison(compareResults(a, b, { names: ['base', 'head'], resamples: 0 }));
    expect(out).toContain('A = base');
    expect(out).toContain('B = head');
    expect(out).toMatch(/event=inc view=\/counter\s+3,000 \/ 3,000\s+[\d.]+ ms\s+[\d.]+ ms\s+[+−±][\d.]+ %.*no clear difference/);
    expect(out).toContain('No clear difference in any metric.');
    expect(out).toContain("|Cliff's δ| ≥ 0.147");
  });
});
