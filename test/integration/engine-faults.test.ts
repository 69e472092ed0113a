/**
 * The engine under faults and the fidelity input path, with real Chromium and the fixture:
 * - a browser killed mid-run fails only the users on it; they restart on a fresh browser and the run goes on;
 * - `input: 'playwright'` drives the same scenario through Playwright's real input.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { useFixture } from '../support/use-fixture.js';
import { BrowserPool } from '../../src/browser/pool.js';
import { LoadEngine } from '../../src/load/engine.js';
import { resolveProfile } from '../../src/load/profile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { loadFeeder } from '../../src/scenario/feeder.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import type { Interval } from '../../src/metrics/model.js';
import { waitUntil } from '../support/chromium-processes.js';

const ROOT = resolve(import.meta.dirname, '../..');
const fixture = useFixture();

const counterOf = (s: Interval, name: string, labels: Record<string, string> = {}) =>
  s.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);

async function engineFor(file: string, users: number, durationMs: number, input: 'fast' | 'playwright', pool: BrowserPool) {
  const { scenario } = await loadScenario(resolve(ROOT, file));
  const registry = new MetricsRegistry();
  const acc = new Accumulator({ startedAt: Date.now() });
  const engine = new LoadEngine({
    scenario,
    profile: resolveProfile({}, { users, ramp: 0, duration: durationMs, gracefulStop: '5s' }),
    target: fixture.url,
    leases: pool,
    registry,
    feeder: loadFeeder(undefined, ROOT),
    setupData: undefined,
    input,
    actionTimeoutMs: 10_000,
    abortOnError: false,
    onInterval: (s) => acc.add(s),
  });
  return { engine, acc };
}

describe('engine faults and input paths', () => {
  it('a killed browser fails only its users, who restart on a fresh browser', async () => {
    const pool = new BrowserPool({ browsers: 2, contextsPerBrowser: 2 });
    const crashes: number[][] = [];
    pool.on('crash', (e) => crashes.push(e.userIds));
    try {
      const { engine, acc } = await engineFor('test/support/scenarios/one-click.ts', 4, 12_000, 'fast', pool);
      const running = engine.run();
      // Wait until all four users are clicking, then kill one browser process outright.
      expect(await waitUntil(() => pool.stats().browsers === 2 && engine.status().iterations > 8, 30_000, 100)).toBe(true);
      const victim = pool.pids()[0]!;
      process.kill(victim, 'SIGKILL');
      const before = engine.status().iterations;
      const outcome = await running;
      const totals = acc.totals();

      expect(crashes).toHaveLength(1);
      expect(crashes[0]!.length).toBeGreaterThanOrEqual(1);
      expect(crashes[0]!.length).toBeLessThanOrEqual(2); // only the users on that browser
      // Errors are bounded by the users that were on the killed browser, and are all browser crashes.
      expect(outcome.errors).toBeLessThanOrEqual(crashes[0]!.length);
      expect(counterOf(totals, 'user_errors')).toBe(counterOf(totals, 'user_errors', { kind: 'browser_crash' }));
      // Work went on after the crash, on a relaunched browser.
      expect(outcome.iterations).toBeGreaterThan(before + 8);
      expect(pool.stats().launches).toBeGreaterThanOrEqual(3);
      expect(counterOf(totals, 'lv_events', { event: 'inc' })).toBeGreaterThan(before);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('playwright input: the engine drives real input events and every click is matched to the server record', async () => {
    const pool = new BrowserPool({ browsers: 1, contextsPerBrowser: 2 });
    try {
      fixture.reset();
      const { engine, acc } = await engineFor('test/support/scenarios/one-click.ts', 2, 4_000, 'playwright', pool);
      const outcome = await engine.run();
      expect(outcome.errors).toBe(0);
      const totals = acc.totals();
      const clicks = counterOf(totals, 'lv_events', { event: 'inc' });
      expect(clicks).toBeGreaterThan(2);
      expect(clicks).toBe(fixture.stats().events.filter((e) => e.event === 'inc').length);
      const patch = totals.histograms.filter((h) => h.name === 'lv_patch_ms' && h.labels.event === 'inc');
      expect(patch).toHaveLength(1);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
