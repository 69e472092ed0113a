/**
 * `--backend local`: N runner child processes on this machine (`node <rookery>/bin/rookery.js runner …`). One
 * runner per core or two helps CPU-bound runs: each has its own event loop and its own browsers. The token goes
 * through the environment. Children are not killed when the collector dies: they notice, stop their users and
 * write partial results themselves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendLaunch, RunnerBackend } from './types.js';

export interface LocalBackendOptions {
  /** Runner output. Default 'inherit' (their log lines go to this terminal). */
  stdio?: 'inherit' | 'ignore';
  /** The rookery launcher to run. Default: this installation's bin/rookery.js. */
  rookeryBin?: string;
}

interface Child {
  name: string;
  process: ChildProcess;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<void>;
}

export class LocalBackend implements RunnerBackend {
  readonly name = 'local' as const;
  private readonly children: Child[] = [];

  constructor(private readonly options: LocalBackendOptions = {}) {}

  async launch(req: BackendLaunch): Promise<void> {
    const bin = this.options.rookeryBin ?? rookeryBin();
    for (let i = 0; i < req.count; i++) {
      const name = `local-${i + 1}`;
      const proc = spawn(process.execPath, [bin, 'runner', '--join', req.joinUrl, '--name', name, ...req.runnerArgs], {
        env: { ...process.env, ROOKERY_TOKEN: req.token },
        stdio: ['ignore', this.options.stdio ?? 'inherit', this.options.stdio ?? 'inherit'],
      });
      const child: Child = { name, process: proc, exit: undefined, exited: Promise.resolve() };
      child.exited = new Promise<void>((resolve) => {
        proc.once('exit', (code, signal) => {
          child.exit = { code, signal };
          resolve();
        });
        proc.once('error', (err) => {
          req.log(`runner ${name} could not start: ${err.message}`);
          child.exit ??= { code: null, signal: null };
          resolve();
        });
      });
      this.children.push(child);
    }
    req.log(`started ${req.count} local runner process${req.count === 1 ? '' : 'es'} (pids ${this.pids().join(', ')})`);
  }

  /** Pids of the runner processes started (alive or not). */
  pids(): number[] {
    return this.children.map((c) => c.process.pid).filter((p): p is number => p !== undefined);
  }

  async diagnose(): Promise<string | undefined> {
    const gone = this.children.filter((c) => c.exit);
    if (gone.length === 0) return undefined;
    return gone.map((c) => `${c.name} exited early (${c.exit?.signal ?? `code ${c.exit?.code}`})`).join('; ');
  }

  async shutdown(graceMs = 15_000): Promise<void> {
    const all = () => Promise.all(this.children.map((c) => c.exited));
    const waited = (ms: number) => Promise.race([all().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (await waited(graceMs)) return;
    for (const c of this.children) if (!c.exit) c.process.kill('SIGTERM');
    if (await waited(10_000)) return;
    for (const c of this.children) if (!c.exit) c.process.kill('SIGKILL');
    await waited(5_000);
  }
}

/** bin/rookery.js of this installation, found from this module (src/ under vitest, dist/src/ when built). */
export function rookeryBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'rookery') return join(dir, 'bin', 'rookery.js');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find rookery's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
