/**
 * `rookery ctl add` with lite users through a live collector: a collector and one real runner process (one lite
 * worker process, no browser) against the fixture; mid-run the real `rookery ctl add 2` (a CLI process) talks to
 * the collector's control endpoint. users_target and users_active rise from 2 to 4, the added users run on the
 * runner's lite worker, and every click and join the run counted equals the fixture's own record of that runner.
 * The scenario tags each join URL with the runner's pid and the user id (test/support/scenarios/lite-tagged.ts).
 * Needs `npm run build` (the runner, its lite worker and `rookery ctl` run from dist/).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import { LocalBackend } from '../../src/cluster/backends/local.js';
import { clusterRecorder, mergeRaw } from '../support/cluster-run.js';
import { repoRoot } from '../support/bundle-child.js';
import { useFixture } from '../support/use-fixture.js';
import { counterTotal, runRookery, type Finished } from '../support/run-cli.js';

const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'lite-tagged.ts');
const fixture = useFixture();
const dir = mkdtempSync(join(tmpdir(), 'rookery-lite-ctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Counted = { counters: ReadonlyArray<{ name: string; labels: Record<string, string>; value: number }> };

describe('rookery ctl add with lite users (live collector, one runner)', () => {
  it('adds 2 lite users mid-run: target and active rise to 4; clicks and joins equal the fixture’s record', async () => {
    fixture.reset();
    const rec = clusterRecorder();
    let control: { url: string; token: string } | undefined;
    let added: Promise<Finished> | undefined;
    let addedAt = 0;
    const { results } = await runDistributed({
      scenarioFile: SCENARIO,
      overrides: { target: fixture.url, users: 0, liteUsers: 2, ramp: 0, duration: '10s', gracefulStop: '10s' },
      runners: 1,
      backend: new LocalBackend({ stdio: 'ignore' }),
      runnerArgs: ['--capacity', '1', '--lite-capacity', '8', '--lite-workers', '1', '--partial-dir', dir],
      // The endpoint on a free loopback port, no control file: `ctl` is told where it is.
      control: { writeFile: false },
      onListening: (info) => {
        if (info.controlUrl) control = { url: info.controlUrl, token: info.token };
      },
      ...rec.hooks,
      onProgress: (st) => {
        if (st.elapsedMs < 3_000 || added || !control) return;
        addedAt = Date.now();
        added = runRookery(['ctl', 'add', '2', '--control', control.url, '--token', control.token], { timeoutMs: 30_000 });
      },
    });
    const { logs, raw } = rec;
    expect(added, logs.join('\n')).toBeDefined();
    const ctl = await added!;
    expect(ctl.code, ctl.stderr).toBe(0);
    const [runner] = rec.joined();
    expect(ctl.stdout).toBe(`users +2: now +2 on top of the profile (${runner!.id} +2)\n`);
    expect(results.meta.interrupted).toBeUndefined();
    expect(counterTotal(results, 'iterations', { client: 'lite', result: 'ok' })).toBeGreaterThan(0);
    expect(counterTotal(results, 'user_errors')).toBe(0);

    // The gauges: 2 before the add, 4 (target and active) after it, on the collector's merged series.
    const t = results.series.t;
    const gauge = (name: string) => results.series.gauges.find((g) => g.name === name)?.values ?? [];
    const [target, active] = [gauge('users_target'), gauge('users_active')];
    const since = addedAt - Date.parse(results.meta.startedAt);
    const rows = t.map((x, i) => [x, target[i], active[i]] as const);
    expect(rows.some(([x, tg, ac]) => x < since && tg === 2 && ac === 2), JSON.stringify(rows)).toBe(true);
    expect(rows.some(([x, tg, ac]) => x > since && tg === 4 && ac === 4), JSON.stringify(rows)).toBe(true);
    expect(Math.max(...target.filter((v): v is number => v !== null))).toBe(4);

    // Ground truth: every join of the run came from this runner's lite worker (pid-tagged); after the add it ran
    // more than its first 2 users; the clicks and joins it reported, and the results hold, equal the fixture's.
    const truth = fixture.stats();
    expect(truth.dropped).toBe(0);
    const joins = truth.joins.filter((j) => j.url).map((j) => ({ url: new URL(j.url as string), at: j.receivedAt, topic: j.topic }));
    expect(joins.length).toBeGreaterThan(0);
    expect(joins.every((j) => j.url.searchParams.get('runner') === String(runner!.pid))).toBe(true);
    const usersAfter = new Set(joins.filter((j) => j.at > addedAt + 1_000).map((j) => j.url.searchParams.get('user')));
    expect(usersAfter.size).toBeGreaterThan(2);
    const clicks = truth.events.filter((e) => e.event === 'add').length;
    expect(clicks).toBeGreaterThan(0);
    const reported = mergeRaw(raw);
    const addClicks = (s: Counted) => counterTotal(s, 'lv_events', { event: 'add' });
    expect(addClicks(reported)).toBe(clicks);
    expect(addClicks(results)).toBe(clicks);
    expect(counterTotal(results, 'lv_joins')).toBe(truth.joins.length);
  }, 40_000);
});
