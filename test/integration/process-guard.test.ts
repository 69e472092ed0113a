/**
 * The process-level safety net on its own, with a stand-in "browser" (a detached `sleep` process group)
 * that — unlike Chromium — does not exit when its parent dies, so only the guard can have killed it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { bundleChild, repoRoot, startChild } from '../support/bundle-child.js';
import { chromiumLeftovers, waitUntil } from '../support/chromium-processes.js';
import { killProcessTree } from '../../src/browser/process-guard.js';

const groupAlive = (pgid: number): boolean => chromiumLeftovers({ groups: [pgid] }).length > 0;

describe('process guard', () => {
  let child: { path: string; remove: () => void };
  const started: number[] = [];

  beforeAll(async () => {
    child = await bundleChild(join(repoRoot, 'test', 'support', 'guard-child.ts'));
  });

  afterAll(() => {
    for (const pgid of started) killProcessTree(pgid); // whatever a failed test left
    child.remove();
  });

  async function start(mode: string) {
    const run = startChild(child.path, [mode]);
    const [pgid] = await run.pids;
    started.push(pgid!);
    expect(chromiumLeftovers({ groups: [pgid!] }).length).toBe(3); // sh + 2 × sleep
    return { run, pgid: pgid! };
  }

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s: kills the tracked group and the process still dies by the signal', async (sig) => {
    const { run, pgid } = await start('idle');
    run.signal(sig);
    expect((await run.exited).signal).toBe(sig);
    expect(await waitUntil(() => !groupAlive(pgid), 3_000)).toBe(true);
  });

  it('uncaught exception and process.exit(): the exit hook kills the group', async () => {
    const a = await start('uncaught');
    expect((await a.run.exited).code).toBe(1);
    const b = await start('exit');
    expect((await b.run.exited).code).toBe(3);
    expect(await waitUntil(() => !groupAlive(a.pgid) && !groupAlive(b.pgid), 3_000)).toBe(true);
  });

  it('when the application handles SIGINT, the first is left to it and the second kills at once', async () => {
    const { run, pgid } = await start('app-handles-sigint');
    run.signal('SIGINT');
    await run.line('app-sigint 1');
    expect(groupAlive(pgid)).toBe(true);
    run.signal('SIGINT');
    await run.line('app-sigint 2');
    expect(await waitUntil(() => !groupAlive(pgid), 3_000)).toBe(true);
    run.signal('SIGKILL');
    await run.exited;
  });

  it('control: without the guard the stand-in survives its parent (so the tests above prove the guard)', async () => {
    const { run, pgid } = await start('untracked');
    run.signal('SIGKILL');
    await run.exited;
    await new Promise((r) => setTimeout(r, 300));
    expect(groupAlive(pgid)).toBe(true);
    killProcessTree(pgid);
    expect(await waitUntil(() => !groupAlive(pgid), 3_000)).toBe(true);
  });
});
