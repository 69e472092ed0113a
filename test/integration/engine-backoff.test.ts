/**
 * Issue 15: a dead target must not turn the harness into a retry storm. Real Chromium against a loopback port
 * nobody listens on: every `goto` fails at once (connection refused), and each user backs off exponentially
 * with jitter between attempts. The bound asserted comes from the back-off schedule (the earliest each attempt
 * can start), not from this machine's speed: without back-off the same run makes dozens of attempts per user.
 */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { BrowserPool } from '../../src/browser/pool.js';
import { LoadEngine } from '../../src/load/engine.js';
import { resolveProfile } from '../../src/load/profile.js';
import { ITERATION_BACKOFF, maxAttemptsWithin } from '../../src/load/backoff.js';
import { loadScenario } from '../../src/scenario/load.js';
import { loadFeeder } from '../../src/scenario/feeder.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import type { Interval } from '../../src/metrics/model.js';

const ROOT = resolve(import.meta.dirname, '../..');

const counterOf = (s: Interval, name: string, labels: Record<string, string> = {}) =>
  s.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);

/** A loopback port that refuses connections: bound once to get a free number, then closed. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('failing iterations back off', () => {
  it('against a dead target, attempts per user stay within the back-off schedule, and every wait is counted', async () => {
    const users = 4;
    const durationMs = 6_000;
    const target = `http://127.0.0.1:${await deadPort()}`;
    const pool = new BrowserPool({ browsers: 1, contextsPerBrowser: users });
    const { scenario } = await loadScenario(resolve(ROOT, 'test/support/scenarios/one-click.ts'));
    const acc = new Accumulator({ startedAt: Date.now() });
    const engine = new LoadEngine({
      scenario,
      profile: resolveProfile({}, { users, ramp: 0, duration: durationMs, gracefulStop: '2s' }),
      target,
      leases: pool,
      registry: new MetricsRegistry(),
      feeder: loadFeeder(undefined, ROOT),
      setupData: undefined,
      input: 'fast',
      actionTimeoutMs: 5_000,
      abortOnError: false,
      onInterval: (s) => acc.add(s),
    });
    try {
      await engine.run();
    } finally {
      await pool.close();
    }
    const totals = acc.totals();
    const attempts = counterOf(totals, 'iterations', { result: 'error' });
    // Every attempt starts while the profile runs (plus one 100-ms engine tick of slack).
    const perUser = maxAttemptsWithin(durationMs + 100, ITERATION_BACKOFF);
    console.log(`dead target: ${attempts} attempts by ${users} users in ${durationMs} ms (schedule bound ${users * perUser}); ${counterOf(totals, 'iteration_backoffs')} back-offs`);
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(users * perUser);
    expect(counterOf(totals, 'iterations', { result: 'ok' })).toBe(0);
    expect(counterOf(totals, 'user_errors', { kind: 'unreachable' })).toBe(attempts);
    // Each failure is followed by a counted wait, except a user's last one when the run was already stopping.
    const backoffs = counterOf(totals, 'iteration_backoffs');
    expect(backoffs).toBeLessThanOrEqual(attempts);
    expect(backoffs).toBeGreaterThanOrEqual(attempts - users);
  }, 60_000);
});
