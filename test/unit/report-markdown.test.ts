import { describe, expect, it } from 'vitest';
import { compareVariants } from '../../src/report/compare.js';
import { formatComparisonMarkdown, formatResultsMarkdown, mdCell } from '../../src/report/markdown.js';
import { fakeResults, type FakeEvent } from '../support/fake-results.js';

const events = (bytes: number, event = 'add'): FakeEvent[] => [
  { event, view: '/items', count: 800, rttMs: { median: 6, sigma: 0.3 }, diffBytes: { median: bytes, sigma: 0.1 } },
];

describe('formatComparisonMarkdown', () => {
  const run = fakeResults({ seed: 4, variants: { list: { events: events(6000) }, stream: { events: events(300) } } });
  const md = formatComparisonMarkdown(compareVariants(run, { resamples: 0 }));
  const rows = md.split('\n').filter((l) => l.startsWith('| '));

  it('is a well-formed GFM table with a row per compared metric', () => {
    const header = rows[0]!;
    expect(header).toBe('| Metric | Labels | n A / B | p50 list | p50 stream | Δ p50 | p95 list | p95 stream | Δ p95 | Verdict | Test |');
    expect(rows[1]).toBe('| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- | :--- |');
    const columns = header.split(' | ').length;
    for (const r of rows) expect(r.split(/(?<!\\) \| /).length).toBe(columns);
    const bytes = rows.find((r) => r.startsWith('| `lv_diff_bytes` | event=add view=/items |'));
    expect(bytes).toMatch(/\| 800 \/ 800 \| [\d.]+ kB \| [\d.]+ B \| −[\d.]+ kB \(−9\d\.\d %\) \|.*\| \*\*stream smaller\*\* \| δ=1\.00, p<0\.001 \|$/);
  });

  it('leads with the headline and explains the rule', () => {
    expect(md).toMatch(/^### Rookery compare: \*\*list\*\* vs \*\*stream\*\*/);
    expect(md).toMatch(/\*\*\d+ clear differences?\*\* of \d+ metrics: `lv_diff_bytes` event=add view=\/items — stream smaller/);
    expect(md).toContain('<details><summary>How the verdict is made</summary>');
  });

  it('escapes app strings so they cannot break the table or inject markup', () => {
    expect(mdCell('a|b')).toBe('a\\|b');
    expect(mdCell('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(mdCell('line\nbreak')).toBe('line break');
    const hostile = fakeResults({ seed: 5, variants: { a: { events: events(100, 'x|<b>y</b>') }, b: { events: events(100, 'x|<b>y</b>') } } });
    const out = formatComparisonMarkdown(compareVariants(hostile, { resamples: 0 }));
    expect(out).not.toContain('<b>');
    expect(out).toContain('event=x\\|&lt;b&gt;y&lt;/b&gt;');
  });
});

describe('formatResultsMarkdown', () => {
  it('summarises a run: status line, metric table, thresholds', () => {
    const md = formatResultsMarkdown(fakeResults({ seed: 1 }));
    expect(md).toContain('### Rookery: demo-mix');
    expect(md).toContain('❌ 1 of 2 thresholds failed · harness healthy · 2 errors');
    expect(md).toMatch(/\| `lv_event_rtt_ms` \| event=inc view=\/counter \| 3,000 \| [\d.]+ ms \|/);
    expect(md).toContain('| ✅ | `lv_event_rtt_ms{event=inc}:p95<200` | 7.9 |');
  });
});
