// `bench/chromium-profile.ts` stopped by SIGTERM (a timeout's kill) or SIGINT (Ctrl-C) mid-measurement: it closes
// its browser and the fixture process, leaves no Chromium behind, and exits with the signal's code. Before, SIGTERM
// only had Playwright close the browser (the bench went on to the next variant) and SIGINT left the fixture running.
// Needs `npm run build` (the bench's fixture runs from dist/).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { descendantsOf, readCmdline, readProcessTable } from '../../src/health/procfs.js';
import { chromiumLeftovers, waitUntil } from '../support/chromium-processes.js';
import { ROOT } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rookery-bench-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number): boolean => {
  const p = readProcessTable().get(pid);
  return p !== undefined && p.state !== 'Z' && p.state !== 'X';
};

/** The bench's browser processes (their process groups) and its fixture process, as they are now. */
function children(benchPid: number): { browserGroups: number[]; fixture: number | undefined } {
  const table = readProcessTable();
  const mine = descendantsOf(table, [benchPid]).map((pid) => ({ pid, cmd: readCmdline(pid)?.join(' ') ?? '' }));
  const browsers = mine.filter((p) => p.cmd.includes('--remote-debugging-pipe'));
  return {
    browserGroups: [...new Set(browsers.map((p) => table.get(p.pid)?.pgid).filter((g): g is number => g !== undefined))],
    fixture: mine.find((p) => p.cmd.includes('rookery.js fixture'))?.pid,
  };
}

describe('bench/chromium-profile.ts on a stop signal', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s mid-measurement: browser and fixture closed, nothing left behind, exit %i', async (signal, code) => {
    const bench = spawn(
      process.execPath,
      ['bench/run.js', 'chromium-profile', '--pages', '2', '--warmup-seconds', '120', '--seconds', '120', '--rounds', '1', '--variants', 'base=', '--out', join(dir, `${signal}.json`)],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    bench.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => bench.once('exit', (c, s) => r({ code: c, signal: s })));
    try {
      // Measuring: a browser with its pages and the fixture are up (bundling, fixture and launch take seconds).
      let seen = children(bench.pid!);
      const up = await waitUntil(() => ((seen = children(bench.pid!)), seen.browserGroups.length > 0 && seen.fixture !== undefined), 60_000, 200);
      expect(up, stderr).toBe(true);
      await waitUntil(() => false, 1_500); // let it open its pages and start clicking
      bench.kill(signal);
      const end = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      expect(end, stderr).toEqual({ code, signal: null });
      expect(stderr).toContain(`${signal}: closing`);
      expect(await waitUntil(() => chromiumLeftovers({ groups: seen.browserGroups }).length === 0, 5_000)).toBe(true);
      expect(alive(seen.fixture!)).toBe(false);
    } finally {
      if (bench.exitCode === null && bench.signalCode === null) bench.kill('SIGKILL');
    }
  }, 90_000);
});
