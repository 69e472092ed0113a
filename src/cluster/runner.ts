/**
 * The runner agent (`rookery runner --join ws://HOST:PORT`): dials out to a collector, proves it knows the token
 * and checks that the collector does too, reports its capacities (browser users, lite users), then receives
 * the plan (scenario bundle, hash checked) and its slice of the load, and runs it through the same slice
 * execution as a single-machine run (src/load/slice-run.ts: browser and lite users, sequential variants, the
 * ramp governor, pre-warmed contexts) — streaming one snapshot per interval and heartbeats. The connection's
 * protocol is the state machine in runner-machine.ts; this file carries out its effects.
 *
 * Faults: before it has work, a lost or misbehaving collector just means dialling again (until
 * `connectTimeoutMs`). During a run, a lost collector (closed connection, or silent for its `silenceMs`) stops
 * the users within `collectorLossGraceMs`, and the runner writes its own partial results (everything it
 * measured, from its own accumulator) to `partialDir` and exits 2. No Chromium outlives it (pool.close(), and
 * the pool's process guard on exit).
 */
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { WebSocket, type RawData } from 'ws';
import { loadScenarioFromBundle, type LoadedScenario } from '../scenario/load.js';
import { loadFeeder, type Feeder } from '../scenario/feeder.js';
import { BrowserPool } from '../browser/pool.js';
import { planPool } from '../browser/plan.js';
import { discoverChromium } from '../browser/discover.js';
import { machineCapacity } from '../health/machine.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { Interval } from '../metrics/model.js';
import type { EngineOutcome } from '../load/engine.js';
import { sliceProfile, type LoadProfile } from '../load/profile.js';
import { SliceRun, peakBrowserUsers, peakUsers, prewarmPool } from '../load/slice-run.js';
import { RunCollector } from '../load/run-collector.js';
import { slicesOf } from '../load/plan.js';
import { LITE_USERS_PER_WORKER } from '../load/mix-plan.js';
import type { LiteWorkersFactory } from '../load/lite-group.js';
import { pkgVersion } from '../load/run-results.js';
import { writeResults } from '../metrics/results-file.js';
import { backoffDelay, type BackoffPolicy } from '../load/backoff.js';
import { escapeForLog } from './log-safe.js';
import { newNonce } from './auth.js';
import { HEARTBEAT, LIMITS, ProtocolError, decodeFrame, encodeMessage, validateCollectorMessage, type CollectorMessage, type RunnerMessage } from './protocol.js';
import { RunnerMachine, type ResliceParts, type RunnerEffect } from './runner-machine.js';

export interface RunnerAgentOptions {
  /** ws://HOST:PORT of the collector. */
  join: string;
  token: string;
  /** Users this runner can hold (its weight). Default: what this machine's memory holds (see planPool). */
  capacity?: number;
  /**
   * Lite users this runner can hold (its weight for them). Default: `liteWorkers` × LITE_USERS_PER_WORKER (500,
   * the measured safe load of one worker process). 0: this runner takes no lite users.
   */
  liteCapacity?: number;
  /** Lite worker processes. Default: one per core. */
  liteWorkers?: number;
  /** Starts lite worker processes (src/lite/workers.ts); without it the runner reports no lite capacity. */
  liteWorkersFactory?: LiteWorkersFactory;
  /** Drive browsers at this endpoint (Playwright server or CDP) instead of launching them. */
  browserEndpoint?: string;
  /** Where partial results go when the collector is lost mid-run. Default ./rookery-results. */
  partialDir?: string;
  /** How this runner names itself. Default <hostname>-<pid>. */
  name?: string;
  /** Keep dialling (connection refused, collector not up yet) this long. Default 60 s. */
  connectTimeoutMs?: number;
  /** Idle shutdown: exit 0 when joined but given no work for this long. Default 5 min. */
  idleTimeoutMs?: number;
  /** After the collector is lost, users get this long to finish before their browsers are closed. Default 10 s. */
  collectorLossGraceMs?: number;
  log?: (line: string) => void;
  /** Aborting it (SIGINT/SIGTERM) stops users gracefully; results still go to the collector when it is there. */
  signal?: AbortSignal;
}

export interface RunnerAgentResult {
  /** 0: the run finished and the collector has everything (or idle shutdown); 2: something was lost. */
  exitCode: 0 | 2;
  reason: string;
  /** Path of the partial results file, when one was written. */
  partialResults: string | undefined;
}

interface Prepared {
  assign: Extract<CollectorMessage, { t: 'assign' }>;
  loaded: LoadedScenario;
  feeder: Feeder;
  /** Launched before ready, when the run has browser users. */
  pool: BrowserPool | undefined;
  /** Measured by the pre-warm (`--prewarm`), for the ramp governor. */
  openCpuSeconds: number | undefined;
}

type AgentEnd = { kind: 'retry'; reason: string } | { kind: 'final'; result: RunnerAgentResult };

/** What a runner does when not told otherwise (`rookery runner` registers them as its flags' defaults). */
export const RUNNER_DEFAULTS = {
  partialDir: 'rookery-results',
  connectTimeoutMs: 60_000,
  idleTimeoutMs: 300_000,
  collectorLossGraceMs: 10_000,
} as const;

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Dialling the collector again: 200 ms doubling to 2 s, jittered so runners started together spread out. */
const DIAL_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 2_000 };

/** Runs the agent until its work is done (or it gives up); never throws for network or protocol trouble. */
export async function runRunnerAgent(options: RunnerAgentOptions): Promise<RunnerAgentResult> {
  return new RunnerAgent(options).run();
}

/** Default capacity: users whose contexts fit this machine's memory (at least 1). */
export function defaultCapacity(browserEndpoint?: string): number {
  const machine = machineCapacity();
  let headlessShell = true;
  if (!browserEndpoint) {
    try {
      headlessShell = discoverChromium().headlessShell;
    } catch {
      // No local Chromium: the pool will say so when it launches.
    }
  }
  return Math.max(1, planPool({ users: 1, cores: machine.cores, memoryBytes: machine.memoryBytes, headlessShell }).memoryCapacityUsers);
}

class RunnerAgent {
  private readonly opts: RunnerAgentOptions;
  private readonly name: string;
  private capacityValue: number | undefined;
  private welcomed = false;

  constructor(opts: RunnerAgentOptions) {
    this.opts = opts;
    this.name = opts.name ?? `${hostname()}-${process.pid}`;
  }

  private get capacity(): number {
    this.capacityValue ??= this.opts.capacity ?? defaultCapacity(this.opts.browserEndpoint);
    return this.capacityValue;
  }

  /** Lite capacity and workers, as reported in hello; undefined when this runner cannot start lite workers. */
  private get lite(): { capacity: number; workers: number } | undefined {
    if (!this.opts.liteWorkersFactory) return undefined;
    const workers = Math.max(1, this.opts.liteWorkers ?? availableParallelism());
    const capacity = this.opts.liteCapacity ?? workers * LITE_USERS_PER_WORKER;
    return capacity > 0 ? { capacity, workers } : undefined;
  }

  /** Log lines quote the collector (reasons, errors): escaped, always. */
  private log(line: string): void {
    this.opts.log?.(escapeForLog(line));
  }

  async run(): Promise<RunnerAgentResult> {
    const connectTimeout = this.opts.connectTimeoutMs ?? RUNNER_DEFAULTS.connectTimeoutMs;
    let giveUpAt = Date.now() + connectTimeout;
    for (let attempt = 0; ; attempt++) {
      if (this.opts.signal?.aborted) return { exitCode: 0, reason: 'stopped by signal before any work', partialResults: undefined };
      const end = await this.session();
      if (end.kind === 'final') return end.result;
      if (Date.now() >= giveUpAt) {
        return { exitCode: 2, reason: `no collector at ${this.opts.join} accepted this runner within ${Math.round(connectTimeout / 1000)} s (last: ${end.reason})`, partialResults: undefined };
      }
      if (attempt === 0 || attempt % 10 === 0) this.log(`${end.reason}; dialling again…`);
      await sleep(Math.min(backoffDelay(attempt + 1, DIAL_BACKOFF), Math.max(0, giveUpAt - Date.now())));
      // A collector that took us in and then went away before giving work restarts the patience.
      if (this.welcomed) {
        this.welcomed = false;
        giveUpAt = Date.now() + connectTimeout;
      }
    }
  }

  /** One connection: the protocol is runner-machine.ts; this carries out its effects. */
  private session(): Promise<AgentEnd> {
    return new Promise<AgentEnd>((resolveSession) => {
      const opts = this.opts;
      const machine = new RunnerMachine(
        opts.token,
        newNonce(),
        { name: this.name, host: hostname(), pid: process.pid, capacity: this.capacity, lite: this.lite, versions: versionsHere() },
        Date.now(),
      );
      let ended = false;
      let heartbeat: NodeJS.Timeout | undefined;
      let idleTimer: NodeJS.Timeout | undefined;
      let lastError = '';
      let prepared: Prepared | undefined;
      let preparing = false;
      let run: RunnerRun | undefined;
      let byeWaiter: (() => void) | undefined;
      let sawBye = false;

      const ws = new WebSocket(opts.join, { maxPayload: LIMITS.collectorFrameBytes, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
      const handshakeTimer = setTimeout(() => step({ t: 'handshake-timeout', now: Date.now() }), HANDSHAKE_TIMEOUT_MS);

      const finish = (end: AgentEnd): void => {
        if (ended) return;
        ended = true;
        clearTimeout(handshakeTimer);
        if (heartbeat) clearInterval(heartbeat);
        if (idleTimer) clearTimeout(idleTimer);
        opts.signal?.removeEventListener('abort', onSignal);
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
        resolveSession(end);
      };
      /** False when the connection is no longer open (the message was not sent). */
      const send = (message: RunnerMessage): boolean => {
        if (ws.readyState !== WebSocket.OPEN) return false;
        ws.send(encodeMessage(message), () => {});
        return true;
      };
      const release = async (): Promise<void> => {
        const pool = prepared?.pool;
        prepared = undefined;
        await pool?.close();
      };
      const step = (input: Parameters<RunnerMachine['step']>[0]): void => {
        for (const e of machine.step(input)) apply(e);
      };
      const apply = (e: RunnerEffect): void => {
        switch (e.t) {
          case 'send':
            send(e.message);
            return;
          case 'disconnect':
            if (heartbeat) clearInterval(heartbeat);
            if (e.code !== undefined && ws.readyState === WebSocket.OPEN) ws.close(e.code);
            else if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
            return;
          case 'log':
            this.log(e.line);
            return;
          case 'welcomed': {
            clearTimeout(handshakeTimer);
            this.welcomed = true;
            this.log(`joined ${opts.join} as ${e.runnerId} (capacity ${this.capacity}${this.lite ? `, lite capacity ${this.lite.capacity}` : ''})`);
            heartbeat = setInterval(() => step({ t: 'tick', now: Date.now() }), Math.min(e.heartbeatMs, HEARTBEAT.checkMs * 2));
            const idleMs = opts.idleTimeoutMs ?? RUNNER_DEFAULTS.idleTimeoutMs;
            idleTimer = setTimeout(() => step({ t: 'idle-timeout', now: Date.now() }), idleMs);
            return;
          }
          case 'prepare':
            if (idleTimer) clearTimeout(idleTimer);
            preparing = true;
            this.prepare(e.assign).then(
              (p) => {
                preparing = false;
                prepared = p;
                if (ended) return void release();
                step({ t: 'prepared', now: Date.now() });
              },
              (err: unknown) => {
                preparing = false;
                step({ t: 'prepare-failed', message: err instanceof Error ? err.message : String(err), now: Date.now() });
              },
            );
            return;
          case 'release':
            void release();
            return;
          case 'start': {
            const p = prepared as Prepared;
            run = new RunnerRun(machine.id, this.name, this.capacity, p, e.start, {
              send,
              log: (l) => this.log(l),
              partialDir: opts.partialDir ?? RUNNER_DEFAULTS.partialDir,
              graceMs: opts.collectorLossGraceMs ?? RUNNER_DEFAULTS.collectorLossGraceMs,
              liteWorkers: opts.liteWorkersFactory,
              waitForBye: () =>
                new Promise<void>((r) => {
                  if (sawBye || ws.readyState !== WebSocket.OPEN) return r();
                  byeWaiter = r;
                  setTimeout(r, 5_000).unref();
                }),
              onSentDone: () => step({ t: 'sent-done', now: Date.now() }),
            });
            void run.execute().then((result) => finish({ kind: 'final', result }));
            return;
          }
          case 'users':
            run?.addUsers(e.delta, e.lite);
            return;
          case 'reslice':
            run?.reslice(e.weights, e.index, e.iterations, e.parts);
            return;
          case 'stop':
            run?.stop(e.reason);
            return;
          case 'collector-lost':
            run?.collectorLost(e.reason);
            return;
          case 'bye':
            sawBye = true;
            byeWaiter?.();
            return;
          case 'end': {
            const end = e.end;
            // The pool (if any) closes first; a prepare still in flight releases it when it lands.
            void (preparing ? Promise.resolve() : release()).then(() =>
              finish(end.kind === 'retry' ? { kind: 'retry', reason: end.reason } : { kind: 'final', result: { exitCode: end.exitCode, reason: end.reason, partialResults: undefined } }),
            );
            return;
          }
        }
      };

      const onSignal = (): void => step({ t: 'signal', now: Date.now() });
      opts.signal?.addEventListener('abort', onSignal, { once: true });

      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (ended) return;
        const now = Date.now();
        let msg: CollectorMessage;
        try {
          // Until the collector has proved itself, only small frames are read.
          msg = validateCollectorMessage(decodeFrame(data, isBinary, machine.frameCap));
        } catch (err) {
          step({ t: 'bad-frame', error: err instanceof Error ? err.message : String(err), closeCode: err instanceof ProtocolError ? err.closeCode : 1008, now });
          return;
        }
        step({ t: 'message', msg, now });
      });
      ws.on('error', (err) => {
        lastError = err.message;
      });
      ws.on('close', (code, reason) => {
        const why = lastError || `connection closed (${code}${reason.length ? ` ${reason.toString('utf8')}` : ''})`;
        step({ t: 'closed', reason: machine.phase === 'challenge' && !lastError ? `${why} before the handshake` : why, now: Date.now() });
      });
    });
  }

  private async prepare(msg: Extract<CollectorMessage, { t: 'assign' }>): Promise<Prepared> {
    // The hash is checked before anything in the bundle runs.
    const loaded = await loadScenarioFromBundle(msg.scenario.code, msg.scenario.sha256, { file: `${msg.scenario.name} (bundle ${msg.scenario.sha256.slice(0, 12)})` });
    const feeder = loadFeeder(msg.feederRows ?? undefined, process.cwd());
    const s = msg.settings;
    // Lite users only (browser weight 0): no browser is launched.
    const browserUsers = !msg.mix || msg.mix.browserWeight > 0;
    if (!browserUsers) return { assign: msg, loaded, feeder, pool: undefined, openCpuSeconds: undefined };
    const pool = new BrowserPool({
      // Sized as if this runner held the whole run (browsers launch lazily), so re-slicing and added users fit.
      users: Math.max(this.capacity, peakUsers(msg.profile)),
      ...(s.browsers !== undefined ? { browsers: s.browsers } : {}),
      ...(s.contextsPerBrowser !== undefined ? { contextsPerBrowser: s.contextsPerBrowser } : {}),
      ...(s.blockResources ? { blockResources: s.blockResources } : {}),
      ...(this.opts.browserEndpoint ? { browserEndpoint: this.opts.browserEndpoint } : {}),
      // As in local runs: relative page.goto URLs resolve against the target.
      contextOptions: { baseURL: msg.target },
    });
    let openCpuSeconds: number | undefined;
    try {
      // Launch (or connect to) the first browser now, so every runner is warm when the start barrier opens.
      await pool.preflight();
      // --prewarm: up to the run's browser users (lite users need no context) are opened before it says ready.
      if (msg.capacity?.prewarm) openCpuSeconds = await prewarmPool(pool, Math.min(this.capacity, peakBrowserUsers(msg.profile, msg.mix)), this.opts.signal, (l) => this.log(l));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return { assign: msg, loaded, feeder, pool, openCpuSeconds };
  }
}

interface RunIo {
  send(message: RunnerMessage): boolean;
  log(line: string): void;
  partialDir: string;
  graceMs: number;
  liteWorkers: LiteWorkersFactory | undefined;
  waitForBye(): Promise<void>;
  onSentDone(): void;
}

/**
 * One run on this runner: its slice executed by the same SliceRun as a local run, each snapshot streamed to the
 * collector and merged here too (its own RunCollector: partial results when the collector is gone, and the
 * lite workers' health).
 */
class RunnerRun {
  private readonly slice: SliceRun;
  private readonly own: RunCollector;
  private readonly registry: MetricsRegistry;
  private readonly startedAt: number;
  private readonly versions: Record<string, string> = versionsHere();
  private lost: string | undefined;
  private onLost: (() => void) | undefined;
  private readonly lostSignal: Promise<void>;
  private browserProfile: LoadProfile | undefined;
  private seq = 0;

  constructor(
    private readonly id: string,
    private readonly name: string,
    private readonly capacity: number,
    private readonly p: Prepared,
    start: Extract<CollectorMessage, { t: 'start' }>,
    private readonly io: RunIo,
  ) {
    const plan = p.assign;
    this.startedAt = Date.now() + start.inMs;
    this.registry = new MetricsRegistry({ startedAt: this.startedAt });
    this.own = new RunCollector({ startedAt: this.startedAt });
    const parts = start.parts ? { browser: start.parts.browser ?? undefined, lite: start.parts.lite } : { browser: start.index, lite: [] };
    const slices = slicesOf(plan.profile, { weights: start.weights }, parts);
    this.browserProfile = slices.browser;
    this.slice = new SliceRun(
      {
        loaded: p.loaded,
        target: plan.target,
        settings: plan.settings,
        browserUsers: p.pool !== undefined,
        poolUsers: Math.max(capacity, peakUsers(plan.profile)),
        segments: plan.segments,
        feeder: p.feeder,
        data: plan.feederRows ?? undefined,
        dataDir: process.cwd(),
        globalUserIds: true,
      },
      {
        startedAt: this.startedAt,
        registry: this.registry,
        // The collector pairs its server scrapes with these (memory per LiveView).
        connectedSpans: true,
        pool: p.pool,
        openCpuSeconds: p.openCpuSeconds,
        ...(plan.capacity?.governor !== undefined ? { governor: plan.capacity.governor } : {}),
        liteWorkers: io.liteWorkers,
        log: io.log,
        onInterval: (snap, part) => this.onInterval(snap, part),
        onVersion: (name, value) => {
          this.versions[name] = value;
        },
      },
    );
    // Set up now (synchronously up to the lite workers' start), so runtime control before the barrier applies.
    this.preparing = this.slice.prepare(plan.setupData, slices);
    this.preparing.catch(() => undefined);
    if (plan.profile.kind !== 'arrival' && start.extraUsers !== 0) this.slice.addUsers(start.extraUsers);
    this.lostSignal = new Promise<void>((r) => {
      this.onLost = r;
    });
  }

  private readonly preparing: Promise<void>;

  private onInterval(snap: Interval, part: string | undefined): void {
    this.own.add(snap, part ?? 'local');
    if (this.lost) return;
    const health = this.slice.healthNow();
    this.io.send({
      v: 1,
      t: 'snapshot',
      seq: this.seq++,
      runStartedAt: this.startedAt,
      snapshot: snap,
      ...(part !== undefined ? { part } : {}),
      status: this.slice.status(),
      ...(health ? { health: { line: health.line.slice(0, 500), saturated: health.saturated } } : {}),
    });
  }

  addUsers(delta: number, lite: readonly number[] | undefined): void {
    this.slice.addUsers(delta);
    if (lite) this.slice.addLiteUsers(lite);
  }

  /** A new share: the browser users' slice, and with lite users (`parts`) each lite worker's too. */
  reslice(weights: number[], index: number, iterations: number | undefined, parts: ResliceParts | undefined): void {
    const whole = this.p.assign.profile;
    const profileOf = (part: { index: number; iterations?: number | undefined }): LoadProfile => {
      const next = sliceProfile(whole, { weights, index: part.index });
      return part.iterations === undefined ? next : { ...next, iterations: part.iterations };
    };
    if (!parts) {
      this.browserProfile = profileOf({ index, iterations });
      this.slice.reslice(this.browserProfile);
      this.io.log(`re-sliced: now slice ${index + 1} of ${weights.length}`);
      return;
    }
    if (parts.browser) {
      this.browserProfile = profileOf(parts.browser);
      this.slice.reslice(this.browserProfile);
    }
    this.slice.resliceLite(parts.lite.map(profileOf));
    const which = [...(parts.browser ? [parts.browser.index] : []), ...parts.lite.map((p) => p.index)].map((i) => i + 1);
    this.io.log(`re-sliced: now parts ${which.join(', ')} of ${weights.length}`);
  }

  stop(reason: string): void {
    this.slice.stop(reason);
  }

  collectorLost(reason: string): void {
    if (this.lost) return;
    this.lost = reason;
    this.io.log(`collector lost (${reason}): stopping users`);
    this.stop(`collector lost: ${reason}`);
    this.onLost?.();
  }

  async execute(): Promise<RunnerAgentResult> {
    const { io } = this;
    let outcome: EngineOutcome | undefined;
    let failure: string | undefined;
    try {
      // The start barrier; lite workers load the scenario meanwhile.
      await Promise.all([sleep(this.startedAt - Date.now()), this.preparing]);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    if (this.lost && !failure) {
      await this.slice.close();
      return { exitCode: 2, reason: `collector lost before the start: ${this.lost}`, partialResults: undefined };
    }
    const running = failure
      ? Promise.resolve()
      : this.slice.run().then(
          (o) => {
            outcome = o ?? { iterations: 0, errors: 0, dropped: 0, interrupted: undefined };
          },
          (err: unknown) => {
            failure = err instanceof Error ? err.message : String(err);
          },
        );
    await Promise.race([running, this.lostSignal]);
    if (this.lost) {
      // Users get the grace period; then their browsers are closed under them, which ends any iteration.
      const finished = await Promise.race([running.then(() => true), sleep(io.graceMs).then(() => false)]);
      if (!finished) {
        io.log(`users still running after ${Math.round(io.graceMs / 1000)} s: closing their browsers`);
        await this.slice.close();
        await Promise.race([running, sleep(10_000)]);
      }
    }
    await this.slice.health.stop().catch(() => undefined);
    const health = this.slice.healthSummary(this.own.accumulator);
    const delivered =
      !this.lost &&
      !failure &&
      outcome !== undefined &&
      io.send({
        v: 1,
        t: 'done',
        lastSeq: this.seq - 1,
        outcome: { iterations: outcome.iterations, errors: outcome.errors, dropped: outcome.dropped, ...(outcome.interrupted ? { interrupted: outcome.interrupted.slice(0, 1_000) } : {}) },
        health,
        versions: { ...this.versions, ...this.chromium() },
      });
    if (delivered && outcome) {
      io.onSentDone();
      await io.waitForBye();
      await this.slice.close();
      io.log(`run finished: ${outcome.iterations} iterations, ${outcome.errors} errors`);
      return { exitCode: 0, reason: 'run finished', partialResults: undefined };
    }
    await this.slice.close();
    const why = this.lost
      ? `collector lost: ${this.lost}`
      : failure
        ? `run failed on this runner: ${failure}`
        : 'collector lost: the connection closed before the final report could be sent';
    if (failure && !this.lost) io.send({ v: 1, t: 'error', message: why.slice(0, LIMITS.maxReasonLength) });
    this.own.addVersions({ ...this.versions, ...this.chromium() });
    const plan = this.p.assign;
    const results = this.own.results({
      scenario: this.p.loaded.scenario.name,
      target: plan.target,
      profile: this.browserProfile ?? plan.profile,
      endedAt: Date.now(),
      health,
      variants: this.p.loaded.scenario.variants ? Object.keys(this.p.loaded.scenario.variants) : undefined,
      interrupted: `${why}: these are runner ${this.id}'s own partial results`,
      thresholds: [],
      runners: [{ id: this.id, host: hostname(), capacity: this.capacity, lost: false }],
    });
    const dir = resolve(io.partialDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `partial-${safeName(plan.runId)}-${safeName(this.id)}-${safeName(this.name)}.json`);
    try {
      await writeResults(file, results);
      io.log(`partial results: ${file}`);
    } catch (err) {
      io.log(`could not write partial results to ${file}: ${err instanceof Error ? err.message : String(err)}`);
      return { exitCode: 2, reason: why, partialResults: undefined };
    }
    return { exitCode: 2, reason: why, partialResults: file };
  }

  private chromium(): Record<string, string> {
    const v = this.slice.pool?.browserVersion();
    return v ? { chromium: v } : {};
  }
}

function versionsHere(): Record<string, string> {
  const v: Record<string, string> = { node: process.version };
  for (const name of ['rookery', 'playwright']) {
    const found = pkgVersion(name);
    if (found) v[name] = found;
  }
  return v;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 80) || 'x';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
