/**
 * Issue 6's main acceptance: a distributed run with the local backend and 3 runner processes against the fixture.
 * Merged event counts equal the fixture's own record exactly; merged percentiles equal those of the union of the
 * runners' raw histograms (merged here, independently of the collector); users added at run time through the
 * control endpoint are spread across the runners; no Chromium outlives the runners.
 * Needs `npm run build` (runners are `node bin/rookery.js runner` child processes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import { LocalBackend } from '../../src/cluster/backends/local.js';
import { controlRequest } from '../../src/cluster/control-client.js';
import { validateResults } from '../../src/metrics/results.js';
import type { Interval } from '../../src/metrics/model.js';
import type { CollectorEvent } from '../../src/cluster/collector.js';
import { chromiumLeftovers, waitUntil } from '../support/chromium-processes.js';
import { counterTotal, distribution, mergeRaw, runnerBrowserGroups } from '../support/cluster-run.js';
import { repoRoot } from '../support/bundle-child.js';
import { launchChromium } from '../../src/browser/launch.js';
import { createServer, type AddressInfo } from 'node:net';

const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'cluster-counter.ts');

let fixture: FixtureServer;
let dir: string;

beforeAll(async () => {
  fixture = await startFixture({ port: 0, eventDelayMs: 5 });
  dir = mkdtempSync(join(tmpdir(), 'rookery-cluster-'));
});

afterAll(async () => {
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('distributed run, local backend, 3 runners', () => {
  it('merges exactly: event counts equal the fixture ground truth, percentiles equal the union of runner histograms', async () => {
    fixture.reset();
    const raw = new Map<string, Interval[]>();
    const events: CollectorEvent[] = [];
    const logs: string[] = [];
    const backend = new LocalBackend({ stdio: 'ignore' });
    let control: { url: string; token: string } | undefined;
    let added: { extraUsers: number; perRunner: Record<string, number> } | undefined;
    let groups: number[] = [];
    let controlling = false;

    const outcome = await runDistributed({
      scenarioFile: SCENARIO,
      overrides: { target: fixture.url, users: 3, duration: '7s' },
      runners: 3,
      backend,
      runnerArgs: ['--capacity', '1', '--partial-dir', dir],
      control: { writeFile: false },
      log: (l) => logs.push(l),
      onEvent: (e) => events.push(e),
      onRunnerInterval: (id, s) => raw.set(id, [...(raw.get(id) ?? []), s]),
      onListening: ({ controlUrl, token }) => {
        control = { url: controlUrl as string, token };
      },
      onProgress: (st) => {
        if (st.elapsedMs < 2_500 || controlling || !control) return;
        controlling = true;
        groups = runnerBrowserGroups(backend.pids());
        void controlRequest(control.url, control.token, 'POST', '/users', { delta: 3 }).then((r) => {
          added = r as typeof added;
        });
      },
    });
    const { results } = outcome;
    expect(() => validateResults(JSON.parse(JSON.stringify(results)))).not.toThrow();

    // Three runners took part and none was lost; the run was not cut short.
    expect(results.meta.runners?.map((r) => [r.capacity, r.lost])).toEqual([[1, false], [1, false], [1, false]]);
    expect(results.meta.interrupted, logs.join('\n')).toBeUndefined();
    expect(events.filter((e) => e.type === 'lost')).toEqual([]);
    expect(raw.size).toBe(3);
    for (const list of raw.values()) expect(counterTotal(mergeRaw(new Map([['x', list]])), 'lv_events')).toBeGreaterThan(0);

    // Event counts: merged results == every runner's snapshots == the fixture's ground truth, exactly.
    const union = mergeRaw(raw);
    const merged = counterTotal(results, 'lv_events');
    expect(merged).toBeGreaterThan(30);
    expect(merged).toBe(counterTotal(union, 'lv_events'));
    expect(merged).toBe(fixture.stats().events.length);
    expect(counterTotal(results, 'iterations')).toBe(counterTotal(union, 'iterations'));

    // Percentiles: every histogram in the results is exactly the union of the runners' raw histograms.
    const histograms = union.histograms.filter((h) => !h.name.startsWith('harness_'));
    expect(histograms.length).toBeGreaterThan(3);
    for (const h of histograms) {
      const m = results.metrics.find((x) => x.name === h.name && JSON.stringify(x.labels) === JSON.stringify(h.labels));
      expect(m, `${h.name} ${JSON.stringify(h.labels)}`).toBeDefined();
      expect(distribution(m!.hdr)).toEqual(distribution(h.hdr));
      const d = distribution(h.hdr);
      expect(m!.count).toBe(d[0]);
    }
    const rtt = results.metrics.find((m) => m.name === 'lv_event_rtt_ms');
    expect(rtt?.p95).toBeGreaterThanOrEqual(5); // the fixture's 5 ms delay is in every round trip

    // Runtime control: 3 users added, one per runner (equal capacities), and the run-wide target rose to 6.
    expect(added).toBeDefined();
    expect(added!.extraUsers).toBe(3);
    expect(Object.values(added!.perRunner).sort()).toEqual([1, 1, 1]);
    const target = results.series.gauges.find((g) => g.name === 'users_target');
    expect(Math.max(...(target?.values.filter((v): v is number => v !== null) ?? []))).toBe(6);

    // User ids are run-wide, as on one machine: 3 + 3 added users are ids 0..5, each on exactly one runner.
    const ids = results.counters.filter((c) => c.name === 'checks').map((c) => Number(c.labels.check?.replace('user ', '')));
    expect(ids.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    const idsPerRunner = [...raw.values()].map((list) => new Set(list.flatMap((s) => s.counters.filter((c) => c.name === 'checks').map((c) => c.labels.check))));
    expect(idsPerRunner.reduce((n, set) => n + set.size, 0)).toBe(6);

    // Runners exited, and took their browsers with them; no partial results (the collector never went away).
    expect(groups.length).toBe(3);
    expect(await waitUntil(() => chromiumLeftovers({ groups }).length === 0, 10_000)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('distributed run with remote browsers', () => {
  it('a runner drives a browser it did not launch (--browser-endpoint, CDP) with the same probe and metrics', async () => {
    const port = await freePort();
    // Launched here, as a browser grid would host it: the runner only connects to it.
    const { browser } = await launchChromium({ args: [`--remote-debugging-port=${port}`, '--remote-debugging-address=127.0.0.1'] });
    try {
      fixture.reset();
      const backend = new LocalBackend({ stdio: 'ignore' });
      let ownBrowsers: number[] | undefined;
      const { results } = await runDistributed({
        scenarioFile: SCENARIO,
        overrides: { target: fixture.url, users: 2, duration: '4s' },
        runners: 1,
        backend,
        runnerArgs: ['--capacity', '2', '--browser-endpoint', `http://127.0.0.1:${port}`, '--partial-dir', dir],
        control: false,
        onProgress: (st) => {
          if (st.elapsedMs > 2_000 && ownBrowsers === undefined) ownBrowsers = runnerBrowserGroups(backend.pids());
        },
      });
      expect(results.meta.runners?.map((r) => r.lost)).toEqual([false]);
      const events = counterTotal(results, 'lv_events');
      expect(events).toBeGreaterThan(5);
      expect(events).toBe(fixture.stats().events.length);
      expect(results.metrics.find((m) => m.name === 'lv_event_rtt_ms')?.count).toBe(events);
      expect(ownBrowsers).toEqual([]); // the runner launched no Chromium of its own
      expect(browser.isConnected()).toBe(true); // and left the remote browser running
    } finally {
      await browser.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
