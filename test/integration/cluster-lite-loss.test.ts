/**
 * A runner with lite users killed mid-run (real runner processes, each with one lite worker process, against the
 * fixture): the survivor takes the lost runner's lite users, every click each runner counted equals the fixture's
 * own record of that runner's clicks, and what the lost runner reported before the loss is kept.
 * The scenario tags each join URL with the runner's pid and the user id (test/support/scenarios/lite-tagged.ts).
 * Needs `npm run build` (runners and lite workers run from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import { LocalBackend } from '../../src/cluster/backends/local.js';
import type { RunnerView } from '../../src/cluster/collector.js';
import { clusterRecorder, mergeRaw } from '../support/cluster-run.js';
import { repoRoot } from '../support/bundle-child.js';
import { useFixture } from '../support/use-fixture.js';

const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'lite-tagged.ts');
const fixture = useFixture();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-lite-loss-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clicks = (s: { counters: ReadonlyArray<{ name: string; labels: Record<string, string>; value: number }> }) =>
  s.counters.filter((c) => c.name === 'lv_events' && c.labels.event === 'add').reduce((n, c) => n + c.value, 0);

describe('lite users when a runner is lost', () => {
  it('the survivor takes the lost runner’s lite users; counts per runner equal the fixture’s; the lost runner’s reports are kept', async () => {
    fixture.reset();
    const rec = clusterRecorder();
    const { raw, events, logs } = rec;
    let victim: RunnerView | undefined;
    let killing = false;
    const { results } = await runDistributed({
      scenarioFile: SCENARIO,
      // Lite users only: 2 per runner (lite capacity 2:2, one worker each), no browser launched.
      overrides: { target: fixture.url, users: 0, liteUsers: 4, ramp: 0, duration: '14s', gracefulStop: '10s' },
      runners: 2,
      backend: new LocalBackend({ stdio: 'ignore' }),
      runnerArgs: ['--capacity', '1', '--lite-capacity', '2', '--lite-workers', '1', '--partial-dir', dir],
      control: false,
      ...rec.hooks,
      onProgress: (st) => {
        if (st.elapsedMs < 3_000 || killing) return;
        killing = true;
        victim = rec.joined()[1];
        process.kill(victim!.pid, 'SIGKILL');
      },
    });
    expect(victim, logs.join('\n')).toBeDefined();
    const joined = rec.joined();
    const survivor = joined.find((r) => r.id !== victim!.id) as RunnerView;

    // Re-dealt, not dropped: the survivor's one lite worker now holds all 4 users, and the run did not fall short.
    const rebalanced = events.find((e) => e.type === 'rebalanced');
    expect(rebalanced && rebalanced.type === 'rebalanced' ? rebalanced : undefined, logs.join('\n')).toMatchObject({ weights: [4], survivors: [survivor.id] });
    expect(results.meta.interrupted).toBeUndefined();
    expect(results.meta.runners?.map((r) => [r.id, r.lost])).toEqual([
      [joined[0]!.id, joined[0]!.id === victim!.id],
      [joined[1]!.id, joined[1]!.id === victim!.id],
    ]);
    expect(results.errors.find((e) => e.kind === 'cluster.runner_lost')?.samples[0]?.message).toMatch(/re-assigned to 1 surviving runner;/);

    // The fixture's record, split by the runner (pid) and user that joined each topic.
    const truth = fixture.stats();
    expect(truth.dropped).toBe(0);
    const joinOf = new Map(truth.joins.filter((j) => j.url).map((j) => [j.topic, { url: new URL(j.url as string), at: j.receivedAt }]));
    const clicksOf = (pid: number) => truth.events.filter((e) => e.event === 'add' && joinOf.get(e.topic)?.url.searchParams.get('runner') === String(pid)).length;
    const usersOf = (pid: number, after = 0) =>
      new Set([...joinOf.values()].filter((j) => j.url.searchParams.get('runner') === String(pid) && j.at > after).map((j) => Number(j.url.searchParams.get('user'))));

    // The victim ran 2 users of its own; after the loss the survivor's worker ran 4 at once (new users there, on
    // top of its own 2; their run-wide ids may repeat after a re-deal, as for browser users: README, Status).
    const lostAt = events.find((e) => e.type === 'lost')!.at;
    expect(usersOf(victim!.pid).size).toBe(2);
    expect(usersOf(survivor.pid, lostAt + 1_000).size).toBeGreaterThan(2);
    const t = results.series.t;
    const gauge = (name: string) => results.series.gauges.find((g) => g.name === name)?.values ?? [];
    const [target, active] = [gauge('users_target'), gauge('users_active')];
    const since = lostAt - Date.parse(results.meta.startedAt);
    // A window of several seconds after the re-deal settled, well before the 14 s run ends (a slow machine too).
    const after = t.map((x, i) => [x, target[i], active[i]] as const).filter(([x]) => x > since + 2_000 && x < 13_000);
    expect(after.some(([, tg, ac]) => tg === 4 && ac === 4), JSON.stringify(after)).toBe(true);

    // Exact counts: the survivor's clicks as it reported them equal the fixture's; the victim's reports before the
    // kill are all in the results (it never reports more than the fixture handled for it: its last second died
    // with it); the results are exactly everything both sent.
    const reported = (id: string) => clicks(mergeRaw(new Map([[id, raw.get(id) ?? []]])));
    expect(reported(survivor.id)).toBe(clicksOf(survivor.pid));
    expect(reported(victim!.id)).toBeGreaterThan(0);
    expect(reported(victim!.id)).toBeLessThanOrEqual(clicksOf(victim!.pid));
    expect(clicks(results)).toBe(reported(survivor.id) + reported(victim!.id));
    expect(clicks(results)).toBe(clicks(mergeRaw(raw)));
  }, 60_000);
});
