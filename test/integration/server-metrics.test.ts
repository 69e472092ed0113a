/**
 * Issue 14's acceptance on a real run (real Chromium, fixture with known server truth): stream vs list run
 * sequentially with --server-metrics; the report's server handle time per event is the fixture's own measured
 * time, memory per LiveView is within 10 % of the fixture's configured bytes per LiveView for each variant, the
 * differently named events are compared as one action, and a dead metrics endpoint is counted, never fatal.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { useFixture } from '../support/use-fixture.js';
import { DEFAULT_LV_BYTES } from '../../fixtures/server/telemetry.js';
import { runLocal } from '../../src/load/run-local.js';
import { compareVariants } from '../../src/report/compare.js';
import { memoryPerLiveView, timeSplit } from '../../src/server-metrics/analysis.js';
import { renderHtml } from '../../src/report/html.js';
import { formatSummary } from '../../src/report/console.js';
import { validateResults } from '../../src/metrics/results.js';
import type { Results } from '../../src/metrics/model.js';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import { LocalBackend } from '../../src/cluster/backends/local.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LV_BYTES = { '/stream': 30_000, '/list': 90_000 };
const MEMORY_BASE = 50_000_000;
const fixture = useFixture({ eventDelayMs: 20, lvBytes: LV_BYTES, memoryBaseBytes: MEMORY_BASE });

describe('server metrics on a real sequential run', () => {
  it('time split, memory per LiveView per variant, action pairing and failed scrapes against the fixture’s truth', async () => {
    fixture.reset();
    const { results } = await runLocal({
      scenarioFile: resolve(ROOT, 'scenarios/compare-streams.ts'),
      overrides: {
        target: fixture.url,
        users: 8,
        ramp: '3s',
        duration: '6s',
        gracefulStop: '5s',
        variantMode: 'sequential',
        // Long enough for the users the ramp-down retired to finish their iteration (~3 s) before the next variant.
        settle: '3s',
        // The second node is dead: its failures are counted and shown, and the run goes on.
        serverMetricsUrls: [`${fixture.url}/metrics`, 'http://127.0.0.1:9/metrics'],
      },
    });
    const r: Results = validateResults(JSON.parse(JSON.stringify(results)));
    expect(r.meta.variantMode).toBe('sequential');
    expect(r.meta.segments?.map((s) => s.variant)).toEqual(['stream', 'list']);
    const server = r.server!;
    expect(server.scrapedBy).toBe('local');
    expect(server.targets[0]).toMatchObject({ failures: 0 });
    expect(server.targets[0]!.scrapes).toBeGreaterThanOrEqual(20);
    expect(server.targets[1]!.scrapes).toBe(0);
    expect(server.targets[1]!.failures).toBe(server.targets[0]!.scrapes);
    expect(server.targets[1]!.lastError).toContain('127.0.0.1:9');

    // Server handle time per event: exactly what the fixture measured (count and mean; the mean is sum/count).
    const truth = fixture.stats().events;
    const split = timeSplit(r);
    for (const [variant, event] of [['stream', 'append'], ['list', 'add']] as const) {
      const row = split.find((x) => x.kind === 'event' && x.variant === variant && x.action === 'insert');
      expect(row, variant).toBeDefined();
      expect(row!.events).toEqual([event]);
      const measured = truth.filter((e) => e.event === event).map((e) => e.handleMs);
      expect(row!.server!.count).toBe(measured.length);
      const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
      expect(row!.server!.mean).toBeCloseTo(mean, 6);
      expect(row!.server!.mean).toBeGreaterThanOrEqual(Math.min(...measured));
      expect(row!.server!.mean).toBeLessThanOrEqual(Math.max(...measured));
      expect(row!.server!.mean).toBeGreaterThanOrEqual(19); // the fixture's 20 ms delay (timers may fire ≤ 1 ms early)
      // The split adds up: server + network/queueing = RTT; + client = patched.
      expect(row!.split.serverMs! + row!.split.networkMs!).toBeCloseTo(row!.rtt!.mean, 6);
      expect(row!.rtt!.mean + row!.split.clientMs!).toBeCloseTo(row!.patch!.mean, 6);
      expect(row!.shared).toBe(false);
      // Mounts: the fixture's mount count for this variant's route.
      const mount = split.find((x) => x.kind === 'mount' && x.variant === variant);
      const joins = fixture.stats().joins.filter((j) => j.status === 'ok' && j.url !== null && new URL(j.url).pathname === `/${variant}`);
      expect(mount!.server!.count).toBe(joins.length);
    }

    // Memory per LiveView per variant: within 10 % of the configured truth (the issue's bar). Each scrape is paired
    // with the LiveViews the harness held connected at that instant, and left out (counted, shown) when a page
    // was navigating, joining or being released then, since the server's own count could differ.
    const memory = memoryPerLiveView(r);
    const estimate = (variant: string) => memory.find((x) => x.variant === variant);
    const readings: string[] = [];
    for (const [variant, bytes] of [['stream', LV_BYTES['/stream']], ['list', LV_BYTES['/list']]] as const) {
      const m = estimate(variant);
      expect(m?.fit, `${variant}: ${m?.reason}`).toBeDefined();
      readings.push(`${variant} ${m!.fit!.bytesPerLiveView.toFixed(0)} B (${m!.fit!.n} points, ${m!.excluded} left out)`);
      expect(Math.abs(m!.fit!.bytesPerLiveView - bytes) / bytes, `${variant}: ${m!.fit!.bytesPerLiveView}`).toBeLessThan(0.1);
      expect(m!.fit!.maxConnected).toBe(8);
    }
    console.log(`memory per LiveView: ${readings.join(', ')}`);
    // Why it holds: the scrapes paired with a count saw the server's own count. The fixture's memory gauge is
    // base + the configured bytes per connected view, so the harness's counts predict each reading exactly. On a
    // starved machine one scrape in a run was once paired with a count two views short (README, Status): the
    // test allows one in ten, and prints any.
    const mem = server.series.find((x) => x.role === 'memory_bytes' && x.kind === 'gauge')!;
    const connected = server.connected!;
    const paired = server.t.map((_, i) => i).filter((i) => connected.every((c) => c.values[i] !== null) && mem.values[i] !== null);
    const wrong = paired.filter((i) => mem.values[i] !== MEMORY_BASE + connected.reduce((sum, c) => sum + c.values[i]! * LV_BYTES[c.labels.view as keyof typeof LV_BYTES], 0));
    console.log(`paired scrapes: ${paired.length}, not the server's count: ${JSON.stringify(wrong.map((i) => ({ t: server.t[i], memory: mem.values[i]! - MEMORY_BASE, counts: connected.map((c) => `${c.labels.view}=${c.values[i]}`) })))}`);
    expect(wrong.length).toBeLessThanOrEqual(Math.ceil(paired.length / 10));
    expect(paired.length).toBeGreaterThanOrEqual(6);

    // Compare: one action across differently named events, with verdicts; memory per LiveView side by side.
    const c = compareVariants(r);
    const bytes = c.metrics.find((m) => m.name === 'lv_diff_bytes' && m.labels.action === 'insert');
    expect(bytes, JSON.stringify({ onlyA: c.onlyInA, onlyB: c.onlyInB })).toBeDefined();
    expect(bytes!.labels.event).toBeUndefined(); // append vs add: not one event name
    expect(bytes!.verdict.text).toBe('stream smaller');
    const rtt = c.metrics.find((m) => m.name === 'lv_event_rtt_ms' && m.labels.action === 'insert');
    expect(rtt!.a.count).toBeGreaterThanOrEqual(20);
    expect(rtt!.b.count).toBeGreaterThanOrEqual(20);
    expect(c.onlyInA.filter((k) => k.includes('insert'))).toEqual([]);
    expect(c.server?.attributable).toBe(true);
    expect(c.server?.memory.verdict).toBe('stream smaller');
    expect(c.server?.rows.find((x) => x.kind === 'event' && x.action === 'insert')?.a?.server?.count).toBeGreaterThan(0);

    // The report and the summary show it.
    const page = renderHtml(r);
    expect(page).toContain('id="time-split-table"');
    expect(page).toContain('data-mode="sequential"');
    expect(page).toMatch(/data-variant="stream" data-bytes-per-lv="\d+"/);
    expect(page).toContain(`data-excluded="${estimate('stream')!.excluded}"`);
    expect(formatSummary(r)).toMatch(/memory per LiveView \(list\): \d/);
  }, 120_000);

  it('distributed run: the collector scrapes once for the whole app; handle counts equal the fixture truth; scrapes paired with the runners’ exact counts', async () => {
    fixture.reset();
    const { results } = await runDistributed({
      scenarioFile: resolve(ROOT, 'scenarios/counter.ts'),
      overrides: { target: fixture.url, users: 2, ramp: '2s', duration: '5s', serverMetricsUrls: [`${fixture.url}/metrics`] },
      runners: 2,
      backend: new LocalBackend({ stdio: 'ignore' }),
      runnerArgs: ['--capacity', '1'],
      control: false,
    });
    const server = results.server!;
    expect(server.scrapedBy).toBe('collector');
    expect(server.targets[0]!.failures).toBe(0);
    // Pages live on the runners: their settled spans are paired with the collector's scrapes afterwards, and every
    // scrape so paired saw the server's own count (memory = base + 50 kB, the fixture's default, per view; the
    // same one-in-ten allowance as above).
    const connected = server.connected!;
    expect(connected.map((c) => c.labels.view)).toEqual(['/counter']);
    const mem = server.series.find((x) => x.role === 'memory_bytes' && x.kind === 'gauge')!;
    const paired = server.t.map((_, i) => i).filter((i) => connected[0]!.values[i] !== null && mem.values[i] !== null);
    const wrong = paired.filter((i) => mem.values[i] !== MEMORY_BASE + connected[0]!.values[i]! * DEFAULT_LV_BYTES);
    console.log(`distributed paired scrapes: ${paired.length}, not the server's count: ${wrong.length}`);
    expect(wrong.length).toBeLessThanOrEqual(Math.ceil(paired.length / 10));
    expect(paired.length).toBeGreaterThanOrEqual(3);
    expect(new Set(paired.map((i) => connected[0]!.values[i])).size).toBeGreaterThanOrEqual(2);
    const m = memoryPerLiveView(results)[0]!;
    console.log(`distributed memory per LiveView: ${m.fit?.bytesPerLiveView.toFixed(0)} B (${m.fit?.n} points, ${m.excluded} left out)`);
    expect(Math.abs(m.fit!.bytesPerLiveView - DEFAULT_LV_BYTES) / DEFAULT_LV_BYTES).toBeLessThan(0.1);
    const row = timeSplit(results).find((x) => x.kind === 'event' && x.action === 'inc');
    const truth = fixture.stats().events.filter((e) => e.event === 'inc');
    expect(row!.server!.count).toBe(truth.length);
    expect(row!.rtt!.count).toBe(truth.length);
    expect(row!.server!.mean).toBeCloseTo(truth.reduce((a, e) => a + e.handleMs, 0) / truth.length, 6);
    expect(results.series.gauges.some((g) => g.name === 'lv_connected' && g.values.some((v) => (v ?? 0) >= 1))).toBe(true);
  }, 120_000);
});
