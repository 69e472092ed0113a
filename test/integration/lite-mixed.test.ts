/**
 * A mixed run through the run API (runLocal): browser users in real Chromium and lite users in worker processes,
 * A/B variants on, one schedule. Both kinds report under their own `client` label, variants alternate across
 * both, and the fixture's ground truth equals the sum of what both counted.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { useFixture } from '../support/use-fixture.js';
import { runLocal } from '../../src/load/run-local.js';
import { startLiteWorkers } from '../../src/lite/workers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const fixture = useFixture();

/** A bounded mixed run against the fixture: browser users in Chromium, lite users over two worker processes. */
async function runMixed(scenario: string, users: number, iterations: number) {
  fixture.reset();
  const { results } = await runLocal({
    liteWorkers: startLiteWorkers,
    scenarioFile: resolve(ROOT, 'test/support/scenarios', scenario),
    overrides: { target: fixture.url, users, liteUsers: 4, liteWorkers: 2, ramp: 0, duration: '60s', iterations, gracefulStop: '10s' },
  });
  expect(results.meta.interrupted).toBeUndefined();
  return results;
}

describe('mixed browser + lite run', () => {
  it('reports both kinds of user with client labels, variants across both, counts equal to ground truth', async () => {
    const results = await runMixed('lite-mixed.ts', 2, 18);
    const stats = fixture.stats();
    const sum = (name: string, labels: Record<string, string>) =>
      results.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);

    // 18 iterations of 3 clicks each, dealt over 2 browser + 4 lite users (weights 2:2:2 → 6 each slice).
    expect(sum('iterations', { result: 'ok' })).toBe(18);
    expect(sum('iterations', { result: 'ok', client: 'browser' })).toBe(6);
    expect(sum('iterations', { result: 'ok', client: 'lite' })).toBe(12);
    const adds = stats.events.filter((e) => e.event === 'add').length;
    expect(adds).toBe(18 * 3);
    expect(sum('lv_events', { event: 'add' })).toBe(adds);
    expect(sum('lv_events', { event: 'add', client: 'browser' })).toBe(6 * 3);
    expect(sum('lv_events', { event: 'add', client: 'lite' })).toBe(12 * 3);
    // Variants alternate by user id across both kinds of user.
    for (const client of ['browser', 'lite']) {
      for (const variant of ['stream', 'list']) expect(sum('lv_events', { event: 'add', client, variant }), `${client}/${variant}`).toBeGreaterThan(0);
    }
    // Page-clock times of the two kinds never share a series.
    for (const m of results.metrics.filter((x) => x.name === 'lv_patch_ms' || x.name === 'lv_mount_ms')) expect(['browser', 'lite']).toContain(m.labels.client);
    for (const client of ['browser', 'lite']) expect(results.metrics.some((m) => m.name === 'lv_patch_ms' && m.labels.client === client)).toBe(true);
    // Lite workers' own health: CPU and memory gauges, GC pauses.
    expect(results.series.gauges.some((g) => g.name === 'harness_cpu_percent' && g.labels.process === 'lite')).toBe(true);
    expect(results.series.gauges.some((g) => g.name === 'harness_rss_bytes' && g.labels.process === 'lite')).toBe(true);
    expect(results.metrics.some((m) => m.name === 'harness_event_loop_lag_ms' && m.labels.client === 'lite')).toBe(true);
    expect(results.health.cpuPeakPercent.lite).toBeGreaterThan(0);
    expect(results.health.rssPeakBytes.lite).toBeGreaterThan(0);
    expect(results.errors.filter((e) => !e.kind.startsWith('metrics.'))).toEqual([]);
  }, 120_000);

  it('u.throttle is run-wide: a parallel-1 throttle serialises clicks across the browser and both lite workers', async () => {
    const results = await runMixed('lite-throttle.ts', 1, 10);
    const stats = fixture.stats();
    const clicks = stats.events.filter((e) => e.event === 'inc').sort((a, b) => a.receivedAt - b.receivedAt);
    expect(clicks).toHaveLength(20);
    // Each click was handled (received → replied) before the next one reached the server.
    for (let i = 1; i < clicks.length; i++) expect(clicks[i]!.receivedAt).toBeGreaterThanOrEqual(clicks[i - 1]!.repliedAt);
    const byClient = (client: string) => results.counters.filter((c) => c.name === 'lv_events' && c.labels.client === client).reduce((n, c) => n + c.value, 0);
    expect(byClient('browser')).toBeGreaterThan(0);
    expect(byClient('lite')).toBeGreaterThan(0);
  }, 120_000);
});
