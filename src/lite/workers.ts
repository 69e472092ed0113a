/**
 * The parent side of lite users: forks one worker process per lite slice (src/load/mix-plan.ts), hands each its
 * slice, and feeds their intervals into the run's Accumulator as separate sources (the same exact
 * merge that combines remote runners). A worker that fails or dies is reported as an error and the run goes on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineOutcome } from '../load/engine.js';
import { slicePeakUsers, type LoadProfile } from '../load/profile.js';
import type { LiteGroup, LiteGroupOptions } from '../load/lite-group.js';
import type { WorkerMessage, WorkerStatus, ParentMessage } from './worker-protocol.js';
import { serveThrottles } from './remote-throttle.js';
import { execArgvOverride, liteWorkerExecArgv } from './gc-settings.js';

/** The flags of a lite worker holding the users of `profile` (src/lite/gc-settings.ts), unless overridden. */
function workerExecArgv(profile: LoadProfile): string[] {
  return execArgvOverride() ?? liteWorkerExecArgv(slicePeakUsers(profile));
}

export type LiteWorkerGroupOptions = LiteGroupOptions & {
  /** Node flags of every worker. Default: chosen per worker from its users (src/lite/gc-settings.ts). */
  execArgv?: readonly string[];
  /** How long a worker may take to load the scenario. Default 60 s. */
  readyTimeoutMs?: number;
};

interface Worker {
  index: number;
  child: ChildProcess;
  status: WorkerStatus;
  outcome: EngineOutcome | undefined;
  exited: Promise<void>;
  done: Promise<void>;
}

/** dist/src/lite/worker.js next to this file, or — running from sources (tests) — the built one. */
export function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = join(dirname(here), 'worker.js');
  if (here.endsWith('.js') && existsSync(sibling)) return sibling;
  const built = resolve(dirname(here), '../../dist/src/lite/worker.js');
  if (existsSync(built)) return built;
  throw new Error(`lite workers: ${built} not found; run \`npm run build\` first`);
}

export class LiteWorkerGroup implements LiteGroup {
  private workers: Worker[] = [];
  private stopped: string | undefined;
  private readonly slices: LoadProfile[];
  /** Users added before the workers were forked, per worker: sent right after their init. */
  private readonly earlyUsers: number[] = [];

  constructor(private readonly opts: LiteWorkerGroupOptions) {
    this.slices = [...opts.slices];
  }

  pids(): number[] {
    return this.workers.flatMap((w) => (w.child.pid === undefined ? [] : [w.child.pid]));
  }

  /** Forks the workers and waits until each has loaded the scenario. */
  async start(): Promise<void> {
    const entry = workerEntry();
    const readyMs = this.opts.readyTimeoutMs ?? 60_000;
    const ready: Promise<void>[] = [];
    this.slices.forEach((profile, index) => {
      const child = fork(entry, [], { execArgv: [...(this.opts.execArgv ?? workerExecArgv(profile))], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let onDone: () => void = () => {};
      const w: Worker = {
        index,
        child,
        status: { active: 0, target: 0, iterations: 0, errors: 0, dropped: 0 },
        outcome: undefined,
        exited: new Promise((r) => child.once('exit', () => r())),
        done: new Promise((r) => (onDone = r)),
      };
      void w.exited.then(() => onDone());
      // A message sent while the worker exits fails with EPIPE on this object; the exit itself is reported below.
      child.on('error', (err) => {
        if (!w.outcome && !this.stopped && child.exitCode === null) this.opts.onError?.('lite.worker_ipc', `lite worker ${index}: ${err.message}`);
      });
      this.workers.push(w);
      const throttles = serveThrottles(this.opts.throttles ?? new Map(), (m) => this.send(w, m));
      child.on('message', (m: WorkerMessage) => throttles.handle(m));
      void w.exited.then(() => throttles.close());
      ready.push(new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`lite worker ${index} did not load the scenario within ${readyMs} ms`)), readyMs);
        child.on('message', (m: WorkerMessage) => {
          if (m.t === 'ready') {
            clearTimeout(timer);
            res();
          } else if (m.t === 'failed') {
            clearTimeout(timer);
            rej(new Error(`lite worker ${index}: ${m.error}`));
          } else if (m.t === 'snapshot') {
            w.status = m.status;
            this.opts.onInterval(m.snapshot, `lite-${index}`);
          } else if (m.t === 'version') this.opts.onVersion?.(m.version);
          else if (m.t === 'log') this.opts.log?.(`lite worker ${index}: ${m.line}`);
          else if (m.t === 'done') {
            w.outcome = m.outcome;
            onDone();
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          rej(new Error(`lite worker ${index} exited before it was ready (code ${code}, signal ${signal})`));
          if (!w.outcome && !this.stopped) this.opts.onError?.('lite.worker_exit', `lite worker ${index} (pid ${child.pid}) exited during the run (code ${code}, signal ${signal}); its users stopped`);
        });
      }));
      this.send(w, { t: 'init', index, profile, givenFlags: this.opts.execArgv !== undefined || execArgvOverride() !== undefined, ...this.opts.setup });
      const early = this.earlyUsers[index];
      if (early) this.send(w, { t: 'users', delta: early });
    });
    try {
      await Promise.all(ready);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Starts every worker at once and resolves with the summed outcome when all are done. */
  async run(): Promise<EngineOutcome> {
    for (const w of this.workers) this.send(w, { t: 'start' });
    await Promise.all(this.workers.map((w) => w.done));
    const outs = this.workers.map((w) => w.outcome);
    const lost = this.workers.filter((w) => !w.outcome).length;
    return {
      iterations: outs.reduce((n, o) => n + (o?.iterations ?? 0), 0),
      errors: outs.reduce((n, o) => n + (o?.errors ?? 0), 0),
      dropped: outs.reduce((n, o) => n + (o?.dropped ?? 0), 0),
      interrupted: outs.find((o) => o?.interrupted)?.interrupted ?? (lost > 0 ? `${lost} lite worker(s) lost` : undefined),
    };
  }

  stop(reason: string): void {
    this.stopped ??= reason;
    for (const w of this.workers) this.send(w, { t: 'stop', reason });
  }

  addUsers(index: number, delta: number): void {
    const w = this.workers[index];
    if (w) this.send(w, { t: 'users', delta });
    else if (index < this.slices.length) this.earlyUsers[index] = (this.earlyUsers[index] ?? 0) + delta;
  }

  reslice(index: number, profile: LoadProfile): void {
    if (index >= this.slices.length) return;
    this.slices[index] = profile;
    const w = this.workers[index];
    if (w) this.send(w, { t: 'reslice', profile });
  }

  status(): WorkerStatus {
    const sum = { active: 0, target: 0, iterations: 0, errors: 0, dropped: 0 };
    for (const w of this.workers) for (const k of Object.keys(sum) as (keyof WorkerStatus)[]) sum[k] += w.status[k];
    return sum;
  }

  /** Ends workers still running (after run() they have exited on their own). */
  async close(): Promise<void> {
    const running = () => this.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    // Workers that reported `done` are exiting on their own (their pages closing); a signal now would cut Node's
    // exit hooks short (e.g. a --cpu-prof profile), so they get a moment first.
    const finishing = running().filter((w) => w.outcome);
    if (finishing.length > 0) await Promise.race([Promise.all(finishing.map((w) => w.exited)), new Promise((r) => setTimeout(r, 3_000).unref())]);
    for (const w of running()) w.child.kill('SIGTERM');
    await Promise.race([Promise.all(this.workers.map((w) => w.exited)), new Promise((r) => setTimeout(r, 5_000).unref())]);
    for (const w of running()) w.child.kill('SIGKILL');
  }

  private send(w: Worker, m: ParentMessage): void {
    // The callback keeps a send racing the worker's exit from throwing; the 'error' listener sees it.
    if (w.child.connected) w.child.send(m, () => undefined);
  }
}

/** The factory a run is handed (`RunLocalOptions.liteWorkers`). */
export const startLiteWorkers = (opts: LiteGroupOptions): LiteGroup => new LiteWorkerGroup(opts);
