/**
 * `--backend docker`: N runner containers on the local Docker engine, each `<image> runner --join …` with its
 * own CPU and memory limits: N small machines on one big one, or a laptop. Containers use the host's network,
 * so they dial a collector on loopback and reach a target on loopback as local runners do.
 *
 * Containers are labelled with the run id and with this process (host and pid). They are removed at the end,
 * after Ctrl-C too (runDistributed's shutdown), and on any exit of this process that skips it (a synchronous
 * `docker rm -f` in an exit hook). After a crash that leaves no chance at all (SIGKILL, power loss), the next
 * docker-backend run removes containers whose owning process is gone. A container that exits non-zero or is
 * killed for memory has its last log lines printed.
 *
 * The docker CLI does the talking (the user's own client, contexts and DOCKER_HOST honoured); no engine SDK.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import type { BackendLaunch, RunnerBackend } from './types.js';

export const DOCKER_RUN_LABEL = 'rookery.dev/run';
export const DOCKER_OWNER_LABEL = 'rookery.dev/owner';
export const DEFAULT_DOCKER_IMAGE = 'rookery-runner:local';

export interface DockerOptions {
  /** Runner image (the Dockerfile at the repository root). Default rookery-runner:local. */
  image?: string;
  /** CPUs per runner container (`docker run --cpus`), e.g. '1' or '0.5'. */
  cpus?: string;
  /** Memory per runner container (`docker run --memory`), e.g. '2g'. */
  memory?: string;
  /** /dev/shm size (`--shm-size`). Default: the engine's (64 MiB): rookery's Chromium does not use /dev/shm. */
  shmSize?: string;
  /** Extra environment for runners (never the token). */
  env?: Readonly<Record<string, string>>;
  /** The docker CLI. Default: $ROOKERY_DOCKER or `docker` on PATH. */
  dockerBin?: string;
}

export interface DockerBackendOptions extends DockerOptions {
  /** Where runner log lines go when a runner fails. Default: the launch request's log. */
  log?: (line: string) => void;
}

/** Process identity written on containers: `<host>.<pid>`; the cleanup of dead runs reads it back. */
export function ownerId(host = hostname(), pid = process.pid): string {
  return `${host}.${pid}`;
}

/** `docker run` arguments for runner `index` (1-based) of a run: pure, unit-tested. The token is not among them. */
export function dockerRunArgs(opts: DockerOptions, req: Pick<BackendLaunch, 'joinUrl' | 'runId' | 'runnerArgs'>, index: number, owner: string): string[] {
  const name = containerName(req.runId, index);
  for (const k of Object.keys(opts.env ?? {})) {
    if (k === 'ROOKERY_TOKEN') throw new Error('docker backend: ROOKERY_TOKEN is the run token; do not pass it with --docker-env');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`docker backend: ${JSON.stringify(k)} is not an environment variable name`);
  }
  const args = ['run', '--detach', '--name', name, '--label', `${DOCKER_RUN_LABEL}=${req.runId}`, '--label', `${DOCKER_OWNER_LABEL}=${owner}`, '--network', 'host'];
  if (opts.cpus !== undefined) args.push('--cpus', checkCpus(opts.cpus));
  if (opts.memory !== undefined) args.push('--memory', checkSize(opts.memory, '--docker-memory'), '--memory-swap', checkSize(opts.memory, '--docker-memory'));
  if (opts.shmSize !== undefined) args.push('--shm-size', checkSize(opts.shmSize, '--docker-shm-size'));
  // `-e NAME` without a value: docker copies it from its own environment, so the token never shows in argv.
  args.push('--env', 'ROOKERY_TOKEN');
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('--env', `${k}=${v}`);
  args.push(opts.image ?? DEFAULT_DOCKER_IMAGE, 'runner', '--join', req.joinUrl, '--name', name, ...req.runnerArgs);
  return args;
}

export function containerName(runId: string, index: number): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(runId)) throw new Error(`docker backend: run id ${JSON.stringify(runId)} must be lowercase letters, digits and dashes`);
  return `rookery-${runId}-${index}`;
}

function checkCpus(v: string): string {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--docker-cpus: ${JSON.stringify(v)} is not a positive number of CPUs (e.g. 1 or 0.5)`);
  return v;
}

function checkSize(v: string, flag: string): string {
  if (!/^\d+(\.\d+)?[bkmg]?$/i.test(v)) throw new Error(`${flag}: ${JSON.stringify(v)} is not a size like 512m or 2g`);
  return v;
}

interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Container {
  name: string;
  exit?: { code: number; oom: boolean };
}

export class DockerBackend implements RunnerBackend {
  readonly name = 'docker' as const;
  private readonly bin: string;
  private readonly owner = ownerId();
  private runId: string | undefined;
  private containers: Container[] = [];
  private events: ChildProcess | undefined;
  private exitHook: (() => void) | undefined;
  private log: (line: string) => void = () => {};
  private readonly exitWaiters = new Set<() => void>();

  constructor(private readonly options: DockerBackendOptions = {}) {
    this.bin = options.dockerBin ?? process.env.ROOKERY_DOCKER ?? 'docker';
  }

  /** Names of the containers started (running or not). */
  containerNames(): string[] {
    return this.containers.map((c) => c.name);
  }

  async launch(req: BackendLaunch): Promise<void> {
    this.log = this.options.log ?? req.log;
    const image = this.options.image ?? DEFAULT_DOCKER_IMAGE;
    const runArgs = Array.from({ length: req.count }, (_, i) => dockerRunArgs(this.options, req, i + 1, this.owner));
    const version = await this.docker(['version', '--format', '{{.Server.Version}}']);
    if (version.code !== 0) throw new Error(`docker backend: no Docker engine answers (${firstLine(version.stderr) || `${this.bin} exited ${version.code}`}); start one, or check DOCKER_HOST`);
    if ((await this.docker(['image', 'inspect', '--format', '{{.Id}}', image])).code !== 0) {
      throw new Error(`docker backend: image ${image} is not on the engine; build it at the rookery repository root: docker build -t ${image} .`);
    }
    await this.removeDeadRuns();

    this.runId = req.runId;
    this.exitHook = () => this.removeNow();
    process.once('exit', this.exitHook);
    this.watchEvents(req.runId);
    const env = { ...process.env, ROOKERY_TOKEN: req.token };
    for (const args of runArgs) {
      const name = args[args.indexOf('--name') + 1] as string;
      // Known before it starts: a runner that dies at once is still seen by the event stream.
      this.containers.push({ name });
      const r = await this.docker(args, env);
      if (r.code !== 0) {
        await this.shutdown(0);
        throw new Error(`docker backend: could not start ${name}: ${firstLine(r.stderr) || `exit ${r.code}`}`);
      }
    }
    const limits = [this.options.cpus ? `${this.options.cpus} CPU` : '', this.options.memory ? `${this.options.memory} memory` : ''].filter(Boolean).join(', ');
    req.log(`started ${req.count} runner container${req.count === 1 ? '' : 's'} from ${image}${limits ? ` (each ${limits})` : ''}: ${this.containerNames().join(', ')}`);
  }

  async diagnose(): Promise<string | undefined> {
    if (!this.runId) return undefined;
    const ps = await this.docker(['ps', '--all', '--filter', `label=${DOCKER_RUN_LABEL}=${this.runId}`, '--format', '{{.Names}}: {{.Status}}']);
    const states = ps.stdout.trim().split('\n').filter(Boolean);
    const exited = this.containers.filter((c) => c.exit);
    const logs = await Promise.all(exited.map(async (c) => `${c.name} last lines:\n${await this.tail(c.name, 20)}`));
    return [states.join('; '), ...logs].filter(Boolean).join('\n') || undefined;
  }

  /** Waits (up to `graceMs`) for runners to leave, stops what is left, then removes every container of the run. */
  async shutdown(graceMs = 15_000): Promise<void> {
    if (!this.runId) return;
    const runId = this.runId;
    if (graceMs > 0) await this.waitForExits(graceMs);
    const running = this.containers.filter((c) => !c.exit).map((c) => c.name);
    if (running.length > 0) await this.docker(['stop', '--time', '10', ...running]);
    this.events?.kill();
    this.events = undefined;
    const rm = await this.removeLabelled(`${DOCKER_RUN_LABEL}=${runId}`);
    this.runId = undefined;
    if (this.exitHook) process.off('exit', this.exitHook);
    this.exitHook = undefined;
    if (rm.length > 0) throw new Error(`docker backend: could not remove ${rm.join(', ')} (remove them by hand: docker rm -f $(docker ps -aq --filter label=${DOCKER_RUN_LABEL}=${runId}))`);
  }

  /** One `docker events` stream for the run: exits (with code and OOM kills) as they happen. */
  private watchEvents(runId: string): void {
    const proc = spawn(this.bin, ['events', '--format', '{{json .}}', '--filter', `label=${DOCKER_RUN_LABEL}=${runId}`, '--filter', 'event=die', '--filter', 'event=oom'], { stdio: ['ignore', 'pipe', 'ignore'] });
    proc.on('error', () => {});
    this.events = proc;
    const oom = new Set<string>();
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let e: { status?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        return;
      }
      const name = e.Actor?.Attributes?.name ?? '';
      const action = e.Action ?? e.status;
      if (action === 'oom') oom.add(name);
      if (action !== 'die') return;
      const c = this.containers.find((x) => x.name === name);
      if (!c) return;
      c.exit = { code: Number(e.Actor?.Attributes?.exitCode ?? -1), oom: oom.has(name) };
      for (const w of this.exitWaiters) w();
      if (c.exit.code !== 0 || c.exit.oom) void this.reportFailure(c);
    });
  }

  private async reportFailure(c: Container): Promise<void> {
    const why = c.exit?.oom ? `was killed for memory (--docker-memory ${this.options.memory ?? 'unset'})` : `exited with code ${c.exit?.code}`;
    this.log(`runner container ${c.name} ${why}; its last log lines:\n${await this.tail(c.name, 40)}`);
  }

  private async tail(name: string, lines: number): Promise<string> {
    const r = await this.docker(['logs', '--tail', String(lines), name]);
    return `${r.stdout}${r.stderr}`.trimEnd().split('\n').map((l) => `  | ${l}`).join('\n');
  }

  private waitForExits(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.containers.every((c) => c.exit)) done();
      };
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        this.exitWaiters.delete(check);
        resolve();
      };
      this.exitWaiters.add(check);
      check();
    });
  }

  /** Removes containers of earlier runs whose owning process (on this host) is gone. */
  private async removeDeadRuns(): Promise<void> {
    const ps = await this.docker(['ps', '--all', '--filter', `label=${DOCKER_OWNER_LABEL}`, '--format', `{{.Names}}\t{{.Label "${DOCKER_OWNER_LABEL}"}}`]);
    const host = hostname();
    const dead = ps.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t') as [string, string])
      .filter(([, owner]) => {
        const dot = owner.lastIndexOf('.');
        return owner.slice(0, dot) === host && !alive(Number(owner.slice(dot + 1)));
      })
      .map(([name]) => name);
    if (dead.length === 0) return;
    const r = await this.docker(['rm', '--force', ...dead]);
    this.log(r.code === 0 ? `removed ${dead.length} runner container${dead.length === 1 ? '' : 's'} left by an earlier run that ended abruptly: ${dead.join(', ')}` : `could not remove leftover containers ${dead.join(', ')}: ${firstLine(r.stderr)}`);
  }

  /** Removes every container with the label; returns the names that could not be removed. */
  private async removeLabelled(label: string): Promise<string[]> {
    const ids = (await this.docker(['ps', '--all', '--quiet', '--filter', `label=${label}`])).stdout.trim().split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    await this.docker(['rm', '--force', ...ids]);
    return (await this.docker(['ps', '--all', '--format', '{{.Names}}', '--filter', `label=${label}`])).stdout.trim().split('\n').filter(Boolean);
  }

  /** The exit hook: no event loop left, so synchronous. */
  private removeNow(): void {
    if (!this.runId) return;
    const ids = spawnSync(this.bin, ['ps', '--all', '--quiet', '--filter', `label=${DOCKER_RUN_LABEL}=${this.runId}`], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim().split('\n').filter(Boolean) ?? [];
    if (ids.length > 0) spawnSync(this.bin, ['rm', '--force', ...ids], { stdio: 'ignore', timeout: 30_000 });
    this.events?.kill();
  }

  private docker(args: string[], env?: NodeJS.ProcessEnv): Promise<DockerResult> {
    return new Promise((resolve) => {
      execFile(this.bin, args, { env: env ?? process.env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : 127) : 0;
        resolve({ code, stdout, stderr: err && !stderr ? err.message : stderr });
      });
    });
  }
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
