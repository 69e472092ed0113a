/** Runs a command to its end for tests (bounded), and reads counters from results. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Results } from '../../src/metrics/model.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/rookery.js');

export interface Finished {
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export function runToEnd(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void } = {}): Promise<Finished> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env: opts.env ?? { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command} ${args.join(' ')} timed out\n${stderr}`));
    }, opts.timeoutMs ?? 90_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
    opts.onSpawn?.(child);
  });
}

/** `node bin/rookery.js …` from the repository root (needs `npm run build`). */
export const rookery = (args: string[]): Promise<Finished> => runToEnd(process.execPath, [BIN, ...args]);

/** The same, with extra environment, a hook on the child (to signal it) and a time bound (default 60 s). */
export const runRookery = (args: string[], opts: { env?: Record<string, string>; onSpawn?: (child: ChildProcess) => void; timeoutMs?: number } = {}): Promise<Finished> =>
  runToEnd(process.execPath, [BIN, ...args], {
    env: { ...process.env, CI: '1', ...opts.env },
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
  });

/** Sum of a counter over the series whose labels include `labels`. */
export const counterTotal = (r: { readonly counters: ReadonlyArray<Pick<Results['counters'][number], 'name' | 'labels' | 'value'>> }, name: string, labels: Record<string, string> = {}): number =>
  r.counters.filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)).reduce((n, c) => n + c.value, 0);
