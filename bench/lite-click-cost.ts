/**
 * CPU per click of lite users, in one process, without the load engine's schedule: the fixture in its own process,
 * `--users` lite users mounted on /counter, then `--rounds` rounds in which every user clicks `#inc` once
 * (`--concurrency` clicks in flight at a time, like users whose think times overlap). It reports this process's CPU
 * per click, GC pauses per click (PerformanceObserver) and heap per user, and checks the fixture's ground truth
 * (every click handled once). CPU time, not latency: a busy machine slows it less than the density bench, which
 * makes it the tool for before/after comparisons of the client's per-click cost (run both in the same session).
 * Profile with Node's own flags:
 *
 *   npm run build && node --max-semi-space-size=64 bench/run.js lite-click-cost [--users 200] [--rounds 20]
 *   node --cpu-prof --cpu-prof-dir=rookery-results/prof bench/run.js lite-click-cost
 *
 * `--promotion FILE` then also writes what the clicks promote to the old generation and leave there as garbage,
 * by allocating function (see promotionProfile below; BENCHMARKS.md, "Lite users: the GC measured"). It counts
 * only garbage a mark-compact collected within the profiled pass: what died in the old generation after the pass's
 * last mark-compact is missed, so the figures are a lower bound, lower the fewer mark-compacts a pass sees.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { LiteUser } from '../src/lite/user.js';
import { ScriptCache } from '../src/lite/script-cache.js';
import { createVerbs } from '../src/scenario/verbs.js';
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess } from './support/fixture-process.js';

const flags = parseFlags(process.argv.slice(2), { users: '200', rounds: '20', concurrency: '20', warmup: '2', 'idle-s': '0', promotion: '' });
const MiB = 2 ** 20;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

let gcMs = 0;
let gcCount = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

interface SamplingNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: SamplingNode[] }

/**
 * What the clicks promote to the old generation and then drop: V8's sampling heap profiler run twice over the same
 * number of rounds, once keeping samples of objects a major GC collects (but not those a scavenge collects) and
 * once keeping only live ones; the difference, by allocating function, is what lived through two scavenges and
 * died in the old generation (the garbage a mark-compact has to find). Sampled, so figures are estimates (±1
 * sampling interval per function); the absolute figure per click is the sum. Bias: only garbage a mark-compact
 * collected during the first pass counts (old-generation garbage still uncollected at its stopSampling does not),
 * so it is a lower bound. A forced full GC before each stopSampling would not make it exact: it would also count
 * young objects a scavenge would have collected.
 */
async function promotionProfile(round: () => Promise<void>, rounds: number, clicksPerRound: number, file: string): Promise<{ perClickKiB: number; top: string[] }> {
  const session = new Session();
  session.connect();
  try {
    return await promotionPasses(session, round, rounds, clicksPerRound, file);
  } finally {
    session.disconnect();
  }
}

async function promotionPasses(session: Session, round: () => Promise<void>, rounds: number, clicksPerRound: number, file: string): Promise<{ perClickKiB: number; top: string[] }> {
  const post = <T>(method: string, params?: object): Promise<T> =>
    new Promise((res, rej) => session.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r as T))));
  const sampled = async (major: boolean): Promise<Map<string, number>> => {
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: major, includeObjectsCollectedByMinorGC: false });
    for (let r = 0; r < rounds; r++) await round();
    const { profile } = await post<{ profile: { head: SamplingNode } }>('HeapProfiler.stopSampling');
    const by = new Map<string, number>();
    const frame = (f: SamplingNode['callFrame']): string =>
      `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/\.bench-out\//, 'bench:')}:${f.lineNumber + 1}`;
    // A builtin (Map, set, push: no url) is named with its caller, which says whose Map it is.
    const walk = (n: SamplingNode, caller: string): void => {
      const here = frame(n.callFrame);
      if (n.selfSize > 0) {
        const key = n.callFrame.url ? here : `${here} ← ${caller}`;
        by.set(key, (by.get(key) ?? 0) + n.selfSize);
      }
      for (const c of n.children) walk(c, n.callFrame.url ? here : caller);
    };
    walk(profile.head, '(root)');
    return by;
  };
  const withMajor = await sampled(true);
  const liveOnly = await sampled(false);
  const diff = [...withMajor].map(([k, v]) => [k, v - (liveOnly.get(k) ?? 0)] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const clicks = rounds * clicksPerRound;
  const total = diff.reduce((n, [, v]) => n + v, 0);
  const top = diff.slice(0, 40).map(([k, v]) => `${(v / clicks).toFixed(0).padStart(6)} B/click  ${k}`);
  writeFileSync(file, `${top.join('\n')}\n`);
  return { perClickKiB: total / clicks / 1024, top: top.slice(0, 15) };
}

const fixture = await startFixtureProcess();
const cache = new ScriptCache();
const users: { user: LiteUser; lv: ReturnType<typeof createVerbs> }[] = [];
try {
  const n = num(flags, 'users');
  const connect0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const user = new LiteUser({ cache, sink: () => {} });
    const lv = createVerbs({ port: user.port, probe: user.probe, target: fixture.url, recorder: { record: () => {} }, input: 'fast', actionTimeoutMs: 30_000 });
    await lv.goto('/counter');
    users.push({ user, lv });
  }
  const connect = process.cpuUsage(connect0);
  const click = (u: (typeof users)[number]) => u.lv.click('#inc').then(() => undefined);
  for (let r = 0; r < num(flags, 'warmup'); r++) await pool(users, num(flags, 'concurrency'), click);
  // What mounted users cost while nobody clicks (the client's own timers, heartbeats).
  const idleS = num(flags, 'idle-s');
  const idle0 = process.cpuUsage();
  if (idleS > 0) await new Promise((r) => setTimeout(r, idleS * 1000));
  const idle = process.cpuUsage(idle0);
  await fixture.reset();
  const rounds = num(flags, 'rounds');
  gcMs = 0;
  gcCount = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) await pool(users, num(flags, 'concurrency'), click);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const gcMsMeasured = gcMs;
  const gcCountMeasured = gcCount;
  // After the measured rounds (the profiler's own cost stays out of the CPU figures): two more passes of `rounds`.
  const promotion = str(flags, 'promotion') ? await promotionProfile(() => pool(users, num(flags, 'concurrency'), click), rounds, users.length, str(flags, 'promotion')) : undefined;
  await new Promise((r) => setTimeout(r, 50));
  const clicks = rounds * n;
  const truth = await fixture.stats();
  const served = truth.events.filter((e) => e.event === 'inc' && e.status === 'ok').length;
  const heap = process.memoryUsage();
  // The promotion profile's two passes click as many times again each (the server counts them too).
  const expected = clicks * (promotion ? 3 : 1);
  const out = {
    execArgv: process.execArgv,
    users: n,
    clicks,
    serverClicks: served,
    expectedServerClicks: expected,
    cpuMsPerConnect: (connect.user + connect.system) / 1000 / n,
    ...(idleS > 0 ? { idleCpuMsPerUserSecond: (idle.user + idle.system) / 1000 / n / idleS } : {}),
    cpuMsPerClick: (cpu.user + cpu.system) / 1000 / clicks,
    gcMsPerClick: gcMsMeasured / clicks,
    gcPauses: gcCountMeasured,
    clicksPerCpuSecond: clicks / ((cpu.user + cpu.system) / 1e6),
    wallMs: Math.round(wallMs),
    heapUsedMiB: heap.heapUsed / MiB,
    rssMiB: heap.rss / MiB,
    scriptFetches: cache.fetches,
    scriptMisses: cache.misses,
    ...(promotion ? { promotion } : {}),
  };
  if (served !== expected) log(`ground truth: the fixture handled ${served} clicks of ${expected}`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  gcObserver.disconnect();
  for (const u of users) await u.user.close();
  await fixture.close();
}
