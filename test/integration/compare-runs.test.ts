/**
 * Issue 5's acceptance on real runs (real Chromium, fixture): two runs of the same scenario compare as
 * "no clear difference"; stream vs list variants in one run show the diff-bytes difference, stream smaller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { runLocal } from '../../src/load/run-local.js';
import { compareResults, compareVariants } from '../../src/report/compare.js';
import type { Results } from '../../src/metrics/model.js';

const ROOT = resolve(import.meta.dirname, '../..');
let fixture: FixtureServer;

beforeAll(async () => {
  // A fixed server handling time makes latency dominated by the app, as in a real comparison.
  fixture = await startFixture({ port: 0, eventDelayMs: 20 });
});
afterAll(async () => {
  await fixture?.close();
});

describe('compare on real runs', () => {
  it('two runs of the same scenario: no clear difference anywhere that matters', async () => {
    const run = () =>
      runLocal({
        scenarioFile: resolve(ROOT, 'scenarios/counter.ts'),
        overrides: { target: fixture.url, users: 4, ramp: '1s', duration: '6s', gracefulStop: '5s' },
      });
    // Side by side, so both see the same machine: one after the other, a change in what else the machine is
    // doing (another test file, a CI neighbour) is a real difference between the runs, and compare would be
    // right to call it.
    const [a, b] = (await Promise.all([run(), run()])).map((o) => o.results) as [Results, Results];
    const c = compareResults(a, b);
    const byKey = (name: string, event: string) => c.metrics.find((m) => m.name === name && m.labels.event === event);
    for (const name of ['lv_diff_bytes', 'lv_event_rtt_ms']) {
      const m = byKey(name, 'inc');
      expect(m, name).toBeDefined();
      expect(m!.a.count).toBeGreaterThanOrEqual(20);
      expect(m!.verdict.text, `${name}: ${m!.verdict.detail}`).toBe('no clear difference');
    }
  }, 90_000);

  it('stream vs list variants with differently named events (append vs add), paired by action: the stream is smaller', async () => {
    const { results } = await runLocal({
      scenarioFile: resolve(ROOT, 'scenarios/compare-streams.ts'),
      overrides: { target: fixture.url, users: 4, ramp: '1s', duration: '6s', gracefulStop: '5s' },
    });
    expect(results.meta.variants).toEqual(['stream', 'list']);
    expect(results.meta.variantMode).toBe('interleaved');
    // The scenario clicks `append` on the stream page and `add` on the list page, both named `insert`.
    expect(results.metrics.filter((m) => m.name === 'lv_diff_bytes' && m.labels.action === 'insert').map((m) => m.labels.event).sort()).toEqual(['add', 'append']);
    const c = compareVariants(results);
    const bytes = c.metrics.find((m) => m.name === 'lv_diff_bytes' && m.labels.action === 'insert');
    expect(bytes, JSON.stringify(c.onlyInA)).toBeDefined();
    expect(bytes!.b.p50).toBeGreaterThan(5 * bytes!.a.p50);
    expect(bytes!.verdict.direction).toBe('a-lower');
    expect(bytes!.verdict.text).toBe('stream smaller');
    const rtt = c.metrics.find((m) => m.name === 'lv_event_rtt_ms' && m.labels.action === 'insert');
    expect(rtt!.a.count).toBeGreaterThanOrEqual(20);
    expect(rtt!.b.count).toBeGreaterThanOrEqual(20);
    expect(['stream faster', 'list faster', 'no clear difference']).toContain(rtt!.verdict.text);
    expect([...c.onlyInA, ...c.onlyInB].filter((k) => k.includes('append') || k.includes('{event=add'))).toEqual([]);
  }, 90_000);
});
