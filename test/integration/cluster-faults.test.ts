/**
 * Faults in a distributed run, with real runner processes and browsers against the fixture:
 * - `kill -9` of one runner mid-run: detected within 3 s, its users re-assigned to the survivors, the run
 *   finishes, results record the loss, and nothing the runner reported before is missing;
 * - `kill -9` of the collector (the `rookery run` process): runners stop their users, write their own partial
 *   results and exit; no Chromium is left behind in either case.
 * Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import { LocalBackend } from '../../src/cluster/backends/local.js';
import type { RunnerView } from '../../src/cluster/collector.js';
import { validateResults } from '../../src/metrics/results.js';
import { descendantsOf, isAlive, readCmdline, readProcessTable } from '../../src/health/procfs.js';
import { chromiumLeftovers, waitUntil } from '../support/chromium-processes.js';
import { clusterRecorder, counterTotal, mergeRaw, runnerBrowserGroups } from '../support/cluster-run.js';
import { repoRoot } from '../support/bundle-child.js';

const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'cluster-counter.ts');
const BIN = join(repoRoot, 'bin', 'rookery.js');

let fixture: FixtureServer;
let dir: string;
const stray: number[] = [];

beforeAll(async () => {
  fixture = await startFixture({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'rookery-faults-'));
});

afterAll(async () => {
  for (const pid of stray) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runner killed mid-run', () => {
  it('is detected within 3 s, its users go to the survivors, the run finishes and keeps what it reported', async () => {
    fixture.reset();
    const rec = clusterRecorder();
    const { raw, events, logs } = rec;
    const backend = new LocalBackend({ stdio: 'ignore' });
    let victim: RunnerView | undefined;
    let killedAt = 0;
    let victimGroups: number[] = [];
    let allGroups: number[] = [];
    let killing = false;

    const { results, runners } = await runDistributed({
      scenarioFile: SCENARIO,
      overrides: { target: fixture.url, users: 3, duration: '9s' },
      runners: 3,
      backend,
      runnerArgs: ['--capacity', '1', '--partial-dir', dir],
      control: false,
      ...rec.hooks,
      onProgress: (st) => {
        if (st.elapsedMs < 3_000 || killing) return;
        killing = true;
        allGroups = runnerBrowserGroups(backend.pids());
        victim = rec.joined()[1];
        victimGroups = runnerBrowserGroups([victim!.pid]);
        killedAt = Date.now();
        process.kill(victim!.pid, 'SIGKILL');
      },
    });
    expect(victim, logs.join('\n')).toBeDefined();

    // Detected within 3 s, and the survivors were re-sliced.
    const lost = events.find((e) => e.type === 'lost' && e.runner.id === victim!.id);
    expect(lost, logs.join('\n')).toBeDefined();
    expect(lost!.at - killedAt).toBeLessThanOrEqual(3_000);
    const rebalanced = events.find((e) => e.type === 'rebalanced');
    expect(rebalanced && rebalanced.type === 'rebalanced' ? rebalanced.weights : undefined).toEqual([1, 1]);

    // The run finished (not interrupted) and says what was lost.
    expect(results.meta.interrupted).toBeUndefined();
    const meta = results.meta.runners ?? [];
    expect(meta.filter((r) => r.lost).map((r) => r.id)).toEqual([victim!.id]);
    expect(meta.find((r) => r.lost)?.lostAt).toMatch(/^\d{4}-/);
    const lostError = results.errors.find((e) => e.kind === 'cluster.runner_lost');
    expect(lostError?.count).toBe(1);
    expect(lostError?.samples[0]?.message).toMatch(new RegExp(`runner ${victim!.id} .*lost.*re-assigned to 2 surviving runners`));
    expect(runners.filter((r) => r.state === 'done')).toHaveLength(2);
    expect(() => validateResults(JSON.parse(JSON.stringify(results)))).not.toThrow();

    // Nothing reported before the kill is missing: results hold exactly everything every runner sent.
    const victimReported = counterTotal(mergeRaw(new Map([['v', raw.get(victim!.id) ?? []]])), 'lv_events');
    expect(victimReported).toBeGreaterThan(0);
    expect(counterTotal(results, 'lv_events')).toBe(counterTotal(mergeRaw(raw), 'lv_events'));
    // The fixture saw those, plus at most what the victim did in its last unreported second.
    expect(counterTotal(results, 'lv_events')).toBeLessThanOrEqual(fixture.stats().events.length);

    // The survivors carried all 3 users after the loss.
    const t = results.series.t;
    const target = results.series.gauges.find((g) => g.name === 'users_target')?.values ?? [];
    const active = results.series.gauges.find((g) => g.name === 'users_active')?.values ?? [];
    const killedAtT = killedAt - Date.parse(results.meta.startedAt);
    const after = t.map((x, i) => [x, target[i], active[i]] as const).filter(([x]) => x > killedAtT + 2_500 && x < 9_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.some(([, tg, ac]) => tg === 3 && ac === 3), JSON.stringify(after)).toBe(true);

    // The killed runner's Chromium went with it (its pipe closed), and the others' at the end.
    expect(victimGroups.length).toBe(1);
    expect(await waitUntil(() => chromiumLeftovers({ groups: allGroups }).length === 0, 10_000)).toBe(true);
  });
});

describe('collector killed mid-run', () => {
  it('runners stop their users, write partial results and exit; no Chromium is left', async () => {
    fixture.reset();
    const partial = mkdtempSync(join(dir, 'partial-'));
    const collector = spawn(
      process.execPath,
      [BIN, 'run', SCENARIO, '--target', fixture.url, '--runners', '2', '--users', '2', '--duration', '30s', '--partial-dir', partial, '--quiet', '--out', join(partial, 'never.json')],
      // TMPDIR: its control file goes here, not where a real run on this machine keeps its own.
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', TMPDIR: dir } },
    );
    stray.push(collector.pid!);
    let stderr = '';
    collector.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    collector.stdout.resume();
    expect(await waitUntil(() => /started 2 runners/.test(stderr), 60_000, 100), stderr).toBe(true);
    // Let them measure for a few seconds.
    await new Promise((r) => setTimeout(r, 3_500));
    const table = readProcessTable();
    const runnerPids = descendantsOf(table, [collector.pid!]).filter((pid) => (readCmdline(pid) ?? []).includes('runner'));
    stray.push(...runnerPids);
    expect(runnerPids).toHaveLength(2);
    const groups = runnerBrowserGroups(runnerPids);
    expect(groups).toHaveLength(2);

    collector.kill('SIGKILL');
    // Runners notice at once (their connection closes), stop within the grace period and exit.
    expect(await waitUntil(() => runnerPids.every((pid) => !isAlive(pid)), 30_000, 100), stderr).toBe(true);
    expect(await waitUntil(() => chromiumLeftovers({ groups }).length === 0, 10_000)).toBe(true);
    expect(stderr).toMatch(/collector lost/);
    expect((stderr.match(/exiting: collector lost/g) ?? []).length).toBe(2);

    const files = readdirSync(partial).filter((f) => f.startsWith('partial-'));
    expect(files).toHaveLength(2);
    for (const f of files) {
      const results = validateResults(JSON.parse(readFileSync(join(partial, f), 'utf8')));
      expect(results.meta.interrupted).toMatch(/collector lost: .*partial results/);
      expect(counterTotal(results, 'lv_events')).toBeGreaterThan(0);
      expect(results.meta.runners).toHaveLength(1);
    }
  });
});
