/**
 * Marginal memory and connect CPU of one lite user, in-process (no load, no latency): the fixture in another
 * process (so its per-session state is not counted), `--base` users mounted first, then `--users` more, each
 * mounting /counter and clicking `--clicks` times; heap and RSS are read after forced GCs before and after. Run with the
 * worker's V8 flags to see what they add:
 *
 *   npm run build && node --expose-gc bench/run.js lite-memory [--base 10] [--users 100] [--clicks 1] [--snapshots DIR]
 *   node --expose-gc --max-semi-space-size=64 bench/run.js lite-memory
 *
 * `--snapshots DIR` writes a heap snapshot after each phase (base.heapsnapshot, after.heapsnapshot) for
 * `bench/run.js heap-diff`.
 */
import { writeHeapSnapshot } from 'node:v8';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LiteUser } from '../src/lite/user.js';
import { ScriptCache } from '../src/lite/script-cache.js';
import { createVerbs } from '../src/scenario/verbs.js';
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess } from './support/fixture-process.js';

const flags = parseFlags(process.argv.slice(2), { base: '10', users: '100', clicks: '1', snapshots: '' });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const MiB = 2 ** 20;
const snapshots = str(flags, 'snapshots');
const clicks = num(flags, 'clicks');
// Before any user exists: a missing directory would otherwise fail only at the first snapshot, after the mounts.
if (snapshots) mkdirSync(snapshots, { recursive: true });

const fx = await startFixtureProcess();
const cache = new ScriptCache();
const users: LiteUser[] = [];
const mem = (phase: string) => {
  gc();
  gc();
  // Read before the snapshot: writing one allocates (its serializer's buffers), which would count as users' memory.
  const m = process.memoryUsage();
  if (snapshots) writeHeapSnapshot(join(snapshots, `${phase}.heapsnapshot`));
  return { rssMiB: m.rss / MiB, heapMiB: m.heapUsed / MiB };
};
async function add(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const u = new LiteUser({ cache, sink: () => {} });
    users.push(u);
    const lv = createVerbs({ port: u.port, probe: u.probe, target: fx.url, recorder: { record: () => {} }, input: 'fast', actionTimeoutMs: 10_000 });
    await lv.goto('/counter');
    for (let c = 0; c < clicks; c++) await lv.click('#inc');
  }
}
try {
  await add(num(flags, 'base'));
  const before = mem('base');
  const cpu0 = process.cpuUsage();
  const n = num(flags, 'users');
  await add(n);
  const cpu = process.cpuUsage(cpu0);
  const after = mem('after');
  process.stdout.write(`${JSON.stringify({
    execArgv: process.execArgv,
    before,
    after,
    perUserRssMiB: (after.rssMiB - before.rssMiB) / n,
    perUserHeapMiB: (after.heapMiB - before.heapMiB) / n,
    clicksPerUser: clicks,
    cpuMsPerUserMountAndClicks: (cpu.user + cpu.system) / 1000 / n,
    scriptFetches: cache.fetches,
  })}\n`);
} finally {
  for (const u of users) await u.close();
  await fx.close();
}
