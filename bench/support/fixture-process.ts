/**
 * The fixture app in its own process (`rookery fixture`), so its CPU is measured apart from the harness and a
 * busy harness cannot slow the server down through a shared event loop.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { GroundTruth } from '../../fixtures/server/ground-truth.js';
import { repoRoot } from './repo-root.js';

export interface FixtureProcess {
  url: string;
  pid: number;
  /** Ground truth so far (`GET /__fixture/stats`). */
  stats(): Promise<GroundTruth>;
  /** Clears the ground truth between steps. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startFixtureProcess(opts: { eventDelayMs?: number } = {}): Promise<FixtureProcess> {
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'bin', 'rookery.js'), 'fixture', '--port', '0', '--max-records', '200000', '--event-delay-ms', String(opts.eventDelayMs ?? 0)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fixture did not start within 15 s: ${out}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`fixture exited before listening: ${out}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    async stats() {
      const res = await fetch(new URL('/__fixture/stats', url));
      return (await res.json()) as GroundTruth;
    },
    async reset() {
      const res = await fetch(new URL('/__fixture/reset', url), { method: 'POST' });
      await res.body?.cancel();
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
