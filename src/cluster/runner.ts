/**
 * The runner agent (`rookery runner --join ws://HOST:PORT`): dials out to a collector, proves it knows the token
 * and checks that the collector does too, reports its capacity, then receives the scenario bundle (hash
 * checked) and its slice of the load, and runs it with the same engine, pool and health sampler as a
 * single-machine run — streaming one snapshot per interval and heartbeats.
 *
 * Faults: before it has work, a lost or misbehaving collector just means dialling again (until
 * `connectTimeoutMs`). During a run, a lost collector (closed connection, or silent for its `silenceMs`) stops
 * the users within `collectorLossGraceMs`, and the runner writes its own partial results (everything it
 * measured, from its own accumulator) to `partialDir` and exits 2. No Chromium outlives it (pool.close(), and
 * the pool's process guard on exit).
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { WebSocket, type RawData } from 'ws';
import { loadScenarioFromBundle, type LoadedScenario } from '../scenario/load.js';
import { loadFeeder, type Feeder } from '../scenario/feeder.js';
import { BrowserPool } from '../browser/pool.js';
import { planPool } from '../browser/plan.js';
import { discoverChromium } from '../browser/discover.js';
import { machineCapacity } from '../health/machine.js';
import { HealthSampler } from '../health/sampler.js';
import { formatHealthLine, sampleWarnings } from '../health/format.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { Accumulator } from '../metrics/accumulator.js';
import type { Snapshot } from '../metrics/model.js';
import { LoadEngine, type EngineOutcome } from '../load/engine.js';
import { sliceProfile, type LoadProfile } from '../load/profile.js';
import { peakUsers } from '../load/run-local.js';
import { assembleResults, pkgVersion } from '../load/run-results.js';
import { writeResults } from '../metrics/results-file.js';
import { backoffDelay, type BackoffPolicy } from '../load/backoff.js';
import { escapeForLog } from './log-safe.js';
import { newNonce, proofFor, verifyProof } from './auth.js';
import {
  HEARTBEAT,
  LIMITS,
  ProtocolError,
  decodeFrame,
  encodeMessage,
  validateCollectorMessage,
  type CollectorMessage,
  type RunnerMessage,
  type RunnerSettings,
} from './protocol.js';

export interface RunnerAgentOptions {
  /** ws://HOST:PORT of the collector. */
  join: string;
  token: string;
  /** Users this runner can hold (its weight). Default: what this machine's memory holds (see planPool). */
  capacity?: number;
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
  runId: string;
  loaded: LoadedScenario;
  feeder: Feeder;
  pool: BrowserPool;
  profile: LoadProfile;
  target: string;
  settings: RunnerSettings;
  setupData: unknown;
}

type SessionEnd = { kind: 'retry'; reason: string } | { kind: 'final'; result: RunnerAgentResult };

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
  private id = '?';
  private welcomed = false;

  constructor(opts: RunnerAgentOptions) {
    this.opts = opts;
    this.name = opts.name ?? `${hostname()}-${process.pid}`;
  }

  private get capacity(): number {
    this.capacityValue ??= this.opts.capacity ?? defaultCapacity(this.opts.browserEndpoint);
    return this.capacityValue;
  }

  /** Log lines quote the collector (reasons, errors): escaped, always. */
  private log(line: string): void {
    this.opts.log?.(escapeForLog(line));
  }

  async run(): Promise<RunnerAgentResult> {
    const connectTimeout = this.opts.connectTimeoutMs ?? 60_000;
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

  /** One connection: handshake, then (maybe) one run. */
  private session(): Promise<SessionEnd> {
    return new Promise<SessionEnd>((resolveSession) => {
      const opts = this.opts;
      const nonce = newNonce();
      let phase: 'challenge' | 'welcome' | 'idle' | 'preparing' | 'ready' | 'running' | 'closing' = 'challenge';
      let ended = false;
      let queue: Promise<void> = Promise.resolve();
      let lastSeen = Date.now();
      let heartbeatMs: number = HEARTBEAT.intervalMs;
      let silenceMs: number = HEARTBEAT.silenceMs;
      let heartbeat: NodeJS.Timeout | undefined;
      let idleTimer: NodeJS.Timeout | undefined;
      let lastError = '';
      let prepared: Prepared | undefined;
      let run: RunControl | undefined;
      let byeWaiter: (() => void) | undefined;

      const ws = new WebSocket(opts.join, { maxPayload: LIMITS.collectorFrameBytes, perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
      const handshakeTimer = setTimeout(() => disconnect(`no handshake from ${opts.join} within ${HANDSHAKE_TIMEOUT_MS / 1000} s`), HANDSHAKE_TIMEOUT_MS);

      const finish = (end: SessionEnd): void => {
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

      /** The connection is gone (or must go): what that means depends on how far this session got. */
      const disconnect = (reason: string): void => {
        if (ended) return;
        if (heartbeat) clearInterval(heartbeat);
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
        if (phase === 'closing') {
          byeWaiter?.(); // done was sent: the collector has everything
          return;
        }
        if (phase === 'running') {
          run?.collectorLost(reason); // the run resolves the session
          return;
        }
        const pool = prepared?.pool;
        prepared = undefined;
        void (pool ? pool.close() : Promise.resolve()).then(() => finish({ kind: 'retry', reason }));
      };

      const violation = (err: unknown): void => {
        const message = err instanceof Error ? err.message : String(err);
        this.log(`protocol error from the collector: ${message}`);
        send({ v: 1, t: 'error', message: message.slice(0, LIMITS.maxReasonLength) });
        if (ws.readyState === WebSocket.OPEN) ws.close(err instanceof ProtocolError ? err.closeCode : 1008);
        disconnect(`protocol error: ${message}`);
      };

      const onSignal = (): void => {
        if (run) run.stop('runner stopped by signal');
        else {
          if (phase !== 'challenge' && phase !== 'welcome') send({ v: 1, t: 'error', message: 'runner stopped by signal' });
          const pool = prepared?.pool;
          void (pool ? pool.close() : Promise.resolve()).then(() => finish({ kind: 'final', result: { exitCode: 0, reason: 'stopped by signal before the run', partialResults: undefined } }));
        }
      };
      opts.signal?.addEventListener('abort', onSignal, { once: true });

      const handle = async (msg: CollectorMessage): Promise<void> => {
        if (ended) return;
        if (msg.t === 'reject' && msg.retry && (phase === 'challenge' || phase === 'welcome')) {
          // Busy, not refused: dial again (with back-off) within --connect-timeout.
          return disconnect(`the collector is busy: ${msg.reason}`);
        }
        if (phase === 'challenge') {
          if (msg.t === 'reject') return finish(this.rejected(msg.reason));
          if (msg.t !== 'challenge') throw new ProtocolError(`expected a challenge first, got ${msg.t}`);
          send({
            v: 1,
            t: 'hello',
            name: this.name.slice(0, LIMITS.maxNameLength),
            host: hostname().slice(0, LIMITS.maxNameLength),
            pid: process.pid,
            capacity: this.capacity,
            nonce,
            proof: proofFor(opts.token, 'runner', msg.nonce),
            versions: versionsHere(),
          });
          phase = 'welcome';
          return;
        }
        if (phase === 'welcome') {
          if (msg.t === 'reject') return finish(this.rejected(msg.reason));
          if (msg.t !== 'welcome') throw new ProtocolError(`expected welcome, got ${msg.t}`);
          // Mutual authentication: nothing from this peer runs here unless it knows the token too.
          if (!verifyProof(opts.token, 'collector', nonce, msg.proof)) throw new ProtocolError('the collector could not prove it knows the token');
          clearTimeout(handshakeTimer);
          this.welcomed = true;
          this.id = msg.runnerId;
          heartbeatMs = msg.heartbeatMs;
          silenceMs = msg.silenceMs;
          phase = 'idle';
          this.log(`joined ${opts.join} as ${msg.runnerId} (capacity ${this.capacity})`);
          heartbeat = setInterval(() => {
            const silent = Date.now() - lastSeen;
            if (silent > silenceMs) return disconnect(`collector silent for ${silent} ms`);
            send({ v: 1, t: 'ping', at: Date.now() });
          }, Math.min(heartbeatMs, HEARTBEAT.checkMs * 2));
          const idleMs = opts.idleTimeoutMs ?? 300_000;
          idleTimer = setTimeout(() => {
            if (phase !== 'idle') return;
            this.log(`idle for ${Math.round(idleMs / 1000)} s without work: shutting down`);
            finish({ kind: 'final', result: { exitCode: 0, reason: 'idle shutdown', partialResults: undefined } });
          }, idleMs);
          return;
        }
        switch (msg.t) {
          case 'ping':
          case 'error':
            if (msg.t === 'error') this.log(`collector reported: ${msg.message}`);
            return;
          case 'challenge':
          case 'welcome':
            throw new ProtocolError(`${msg.t} after the handshake`);
          case 'reject':
            return finish(this.rejected(msg.reason));
          case 'assign': {
            if (phase !== 'idle') throw new ProtocolError(`assign while ${phase}`);
            if (idleTimer) clearTimeout(idleTimer);
            phase = 'preparing';
            try {
              prepared = await this.prepare(msg);
            } catch (err) {
              const message = err instanceof Error ? err.message : String(err);
              this.log(`cannot run the assigned scenario: ${message}`);
              send({ v: 1, t: 'failed', message: message.slice(0, LIMITS.maxReasonLength) });
              return finish({ kind: 'final', result: { exitCode: 2, reason: `could not prepare: ${message}`, partialResults: undefined } });
            }
            if (ended) {
              await prepared.pool.close();
              return;
            }
            phase = 'ready';
            send({ v: 1, t: 'ready' });
            return;
          }
          case 'start': {
            if (phase !== 'ready' || !prepared) throw new ProtocolError(`start while ${phase}`);
            phase = 'running';
            const p = prepared;
            run = new RunControl(this.id, this.name, this.capacity, p, msg, {
              send,
              log: (l) => this.log(l),
              partialDir: opts.partialDir ?? 'rookery-results',
              graceMs: opts.collectorLossGraceMs ?? 10_000,
              waitForBye: () =>
                new Promise<void>((r) => {
                  if (ws.readyState !== WebSocket.OPEN) return r();
                  byeWaiter = r;
                  setTimeout(r, 5_000).unref();
                }),
              onSentDone: () => {
                phase = 'closing';
              },
            });
            void run.execute().then((result) => finish({ kind: 'final', result }));
            return;
          }
          case 'users':
            if (phase !== 'running' || !run) throw new ProtocolError(`users while ${phase}`);
            run.addUsers(msg.delta);
            return;
          case 'reslice':
            if (phase !== 'running' || !run) throw new ProtocolError(`reslice while ${phase}`);
            run.reslice(msg.weights, msg.index, msg.iterations);
            return;
          case 'stop':
            if (run) run.stop(msg.reason);
            else disconnect(`collector stopped the run before it started: ${msg.reason}`);
            return;
          case 'bye':
            if (phase === 'closing') {
              byeWaiter?.();
              return;
            }
            if (run) {
              run.collectorLost('the collector ended the run before this runner finished');
              return;
            }
            {
              const pool = prepared?.pool;
              prepared = undefined;
              await pool?.close();
            }
            return finish({ kind: 'final', result: { exitCode: phase === 'idle' ? 0 : 2, reason: 'the collector said goodbye before any run', partialResults: undefined } });
        }
      };

      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (ended) return;
        lastSeen = Date.now();
        let msg: CollectorMessage;
        try {
          // Until the collector has proved itself, only small frames are read.
          const cap = phase === 'challenge' || phase === 'welcome' ? LIMITS.handshakeBytes : LIMITS.collectorFrameBytes;
          msg = validateCollectorMessage(decodeFrame(data, isBinary, cap));
        } catch (err) {
          violation(err);
          return;
        }
        queue = queue.then(() => handle(msg)).catch(violation);
      });
      ws.on('error', (err) => {
        lastError = err.message;
      });
      ws.on('close', (code, reason) => {
        const why = lastError || `connection closed (${code}${reason.length ? ` ${reason.toString('utf8')}` : ''})`;
        disconnect(phase === 'challenge' && !lastError ? `${why} before the handshake` : why);
      });
    });
  }

  private rejected(reason: string): SessionEnd {
    this.log(`the collector refused this runner: ${reason}`);
    return { kind: 'final', result: { exitCode: 2, reason: `refused by the collector: ${reason}`, partialResults: undefined } };
  }

  private async prepare(msg: Extract<CollectorMessage, { t: 'assign' }>): Promise<Prepared> {
    // The hash is checked before anything in the bundle runs.
    const loaded = await loadScenarioFromBundle(msg.scenario.code, msg.scenario.sha256, { file: `${msg.scenario.name} (bundle ${msg.scenario.sha256.slice(0, 12)})` });
    const feeder = loadFeeder(msg.feederRows ?? undefined, process.cwd());
    const s = msg.settings;
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
    try {
      // Launch (or connect to) the first browser now, so every runner is warm when the start barrier opens. The
      // context is discarded, not released: a released one would be reused without the page agent installed.
      const lease = await pool.acquire(0);
      await lease.discard();
    } catch (err) {
      await pool.close();
      throw err;
    }
    return { runId: msg.runId, loaded, feeder, pool, profile: msg.profile, target: msg.target, settings: s, setupData: msg.setupData };
  }
}

interface RunIo {
  send(message: RunnerMessage): boolean;
  log(line: string): void;
  partialDir: string;
  graceMs: number;
  waitForBye(): Promise<void>;
  onSentDone(): void;
}

/** One run on this runner: the engine, its snapshots, runtime control, and what happens if the collector goes. */
class RunControl {
  private engine: LoadEngine | undefined;
  private pendingUsers = 0;
  private pendingStop: string | undefined;
  private lost: string | undefined;
  private onLost: (() => void) | undefined;
  private readonly lostSignal: Promise<void>;
  private profile: LoadProfile;
  private seq = 0;

  constructor(
    private readonly id: string,
    private readonly name: string,
    private readonly capacity: number,
    private readonly p: Prepared,
    private readonly start: Extract<CollectorMessage, { t: 'start' }>,
    private readonly io: RunIo,
  ) {
    this.profile = sliceProfile(p.profile, { weights: start.weights, index: start.index });
    this.pendingUsers = p.profile.kind === 'arrival' ? 0 : start.extraUsers;
    this.lostSignal = new Promise<void>((r) => {
      this.onLost = r;
    });
  }

  addUsers(delta: number): void {
    if (this.profile.kind === 'arrival') return;
    if (this.engine) this.engine.addUsers(delta);
    else this.pendingUsers += delta;
  }

  reslice(weights: number[], index: number, iterations: number | undefined): void {
    const next = sliceProfile(this.p.profile, { weights, index });
    this.profile = iterations === undefined ? next : { ...next, iterations };
    this.engine?.reslice(this.profile);
    this.io.log(`re-sliced: now slice ${index + 1} of ${weights.length}`);
  }

  stop(reason: string): void {
    if (this.engine) this.engine.stop(reason);
    else this.pendingStop = reason;
  }

  collectorLost(reason: string): void {
    if (this.lost) return;
    this.lost = reason;
    this.io.log(`collector lost (${reason}): stopping users`);
    this.stop(`collector lost: ${reason}`);
    this.onLost?.();
  }

  async execute(): Promise<RunnerAgentResult> {
    const { p, io } = this;
    await sleep(this.start.inMs); // the start barrier
    if (this.lost) {
      await p.pool.close();
      return { exitCode: 2, reason: `collector lost before the start: ${this.lost}`, partialResults: undefined };
    }
    const startedAt = Date.now();
    const registry = new MetricsRegistry({ startedAt });
    const accumulator = new Accumulator({ startedAt, intervalMs: 1_000 });
    const health = new HealthSampler({ intervalMs: 1_000, pids: () => p.pool.pids(), sink: registry });
    const versions: Record<string, string> = versionsHere();
    const s = p.settings;
    let outcome: EngineOutcome | undefined;
    let failure: string | undefined;
    const engine = new LoadEngine({
      scenario: p.loaded.scenario,
      profile: this.profile,
      target: p.target,
      leases: p.pool,
      registry,
      feeder: p.feeder,
      setupData: p.setupData,
      input: s.input,
      actionTimeoutMs: s.actionTimeoutMs,
      abortOnError: s.abortOnError,
      userIds: 'global',
      onSnapshot: (snap: Snapshot) => {
        accumulator.add(snap);
        if (this.lost) return;
        const sample = health.latest();
        const st = engine.status();
        io.send({
          v: 1,
          t: 'snapshot',
          seq: this.seq++,
          runStartedAt: startedAt,
          snapshot: snap,
          status: { active: st.active, target: st.target, iterations: st.iterations, errors: st.errors, dropped: st.dropped },
          ...(sample ? { health: { line: formatHealthLine(sample, health.cores).slice(0, 500), saturated: sampleWarnings(sample, health.cores).length > 0 } } : {}),
        });
      },
      onClientVersion: (v) => {
        versions.phoenix_live_view = v;
      },
      log: io.log,
    });
    this.engine = engine;
    if (this.pendingUsers !== 0) engine.addUsers(this.pendingUsers);
    if (this.pendingStop) engine.stop(this.pendingStop);
    health.start();
    const running = engine.run().then(
      (o) => {
        outcome = o;
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
        await p.pool.close();
        await Promise.race([running, sleep(10_000)]);
      }
    }
    await health.stop().catch(() => undefined);
    const chromium = p.pool.browserVersion();
    if (chromium) versions.chromium = chromium;
    const delivered =
      !this.lost &&
      !failure &&
      outcome !== undefined &&
      io.send({
        v: 1,
        t: 'done',
        lastSeq: this.seq - 1,
        outcome: { iterations: outcome.iterations, errors: outcome.errors, dropped: outcome.dropped, ...(outcome.interrupted ? { interrupted: outcome.interrupted.slice(0, 1_000) } : {}) },
        health: health.summary(),
        versions,
      });
    if (delivered && outcome) {
      io.onSentDone();
      await io.waitForBye();
      await p.pool.close();
      io.log(`run finished: ${outcome.iterations} iterations, ${outcome.errors} errors`);
      return { exitCode: 0, reason: 'run finished', partialResults: undefined };
    }
    await p.pool.close();
    const why = this.lost
      ? `collector lost: ${this.lost}`
      : failure
        ? `run failed on this runner: ${failure}`
        : 'collector lost: the connection closed before the final report could be sent';
    if (failure && !this.lost) io.send({ v: 1, t: 'error', message: why.slice(0, LIMITS.maxReasonLength) });
    const results = assembleResults({
      scenario: p.loaded.scenario.name,
      target: p.target,
      profile: this.profile,
      startedAt,
      endedAt: Date.now(),
      accumulator,
      health: health.summary(),
      versions,
      variants: p.loaded.scenario.variants ? Object.keys(p.loaded.scenario.variants) : undefined,
      interrupted: `${why}: these are runner ${this.id}'s own partial results`,
      thresholds: [],
      runners: [{ id: this.id, host: hostname(), capacity: this.capacity, lost: false }],
    });
    const dir = resolve(io.partialDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `partial-${safeName(p.runId)}-${safeName(this.id)}-${safeName(this.name)}.json`);
    try {
      await writeResults(file, results);
      io.log(`partial results: ${file}`);
    } catch (err) {
      io.log(`could not write partial results to ${file}: ${err instanceof Error ? err.message : String(err)}`);
      return { exitCode: 2, reason: why, partialResults: undefined };
    }
    return { exitCode: 2, reason: why, partialResults: file };
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
