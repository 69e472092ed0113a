/**
 * The collector of a distributed run, its network side: a WebSocket server that runners dial. It challenges
 * each connection (a runner proves it knows the token before it can receive anything but a challenge), limits
 * unauthenticated peers (admission.ts) and frame sizes, decodes and validates frames, and runs the timers
 * (heartbeat checks, the progress tick). Everything those frames and ticks mean — admission after the proof,
 * the per-runner lifecycle, slices, rebalancing, merging, progress, the summary — is the pure state machine in
 * collector-machine.ts; this class feeds it inputs and carries out the effects it returns. The orchestration
 * around it (scenario loading, backends, results) is run-distributed.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Accumulator } from '../metrics/accumulator.js';
import type { Interval } from '../metrics/model.js';
import type { ProgressState } from '../load/progress-state.js';
import type { RunCollector } from '../load/run-collector.js';
import { newNonce } from './auth.js';
import { HEARTBEAT, LIMITS, ProtocolError, decodeFrame, encodeMessage, validateRunnerMessage, type CollectorMessage } from './protocol.js';
import {
  CollectorMachine,
  type AssignPlan,
  type ClusterStatus,
  type ClusterSummary,
  type CollectorEffect,
  type CollectorEvent,
  type CollectorInput,
  type OnRunnerLoss,
  type RunnerView,
} from './collector-machine.js';
import { evictionsFor } from './admission.js';
import { setFrameLimit } from './frame-limit.js';
import { escapeForLog } from './log-safe.js';

export type { AssignPlan, ClusterStatus, ClusterSummary, CollectorEvent, OnRunnerLoss, RunnerState, RunnerView } from './collector-machine.js';

export interface CollectorOptions {
  token: string;
  /** Interface to listen on. Default 127.0.0.1 (loopback): expose it deliberately (`--collector-host`). */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  heartbeatMs?: number;
  /** A peer silent this long is lost. Default 2500 ms, so a loss is detected within 3 s. */
  silenceMs?: number;
  handshakeTimeoutMs?: number;
  /** Most runners admitted; later ones are refused. Default: no limit until the run is assigned. */
  maxRunners?: number;
  log?: (line: string) => void;
  onEvent?: (event: CollectorEvent) => void;
  /** Every snapshot merged, as the runner sent it (tests merge them independently). */
  /** `rebased`: the same interval on the collector's clock. */
  onRunnerInterval?: (runnerId: string, snapshot: Interval, rebased: Interval) => void;
}

export interface StartOptions {
  /** The start barrier: runners start this long after the start frame reaches them. Default 1000 ms. */
  startDelayMs?: number;
  onRunnerLoss: OnRunnerLoss;
  /** Live progress once per interval. */
  onProgress?: (state: ProgressState) => void;
}

export class Collector {
  private readonly opts: Required<Pick<CollectorOptions, 'heartbeatMs' | 'silenceMs' | 'handshakeTimeoutMs'>> & CollectorOptions;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly machine: CollectorMachine;
  /** Admitted runners' connections, by runner id. */
  private readonly sockets = new Map<string, WebSocket>();
  /** Connections waiting for their hello, by connection id. */
  private readonly conns = new Map<number, WebSocket>();
  /** Unauthenticated connections: their address and arrival order (admission.ts decides who gives way). */
  private readonly pending = new Map<WebSocket, { ip: string; since: number; address: string }>();
  private arrivals = 0;
  private nextConn = 1;
  private changed = new Set<() => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private onProgress: ((state: ProgressState) => void) | undefined;
  private closed = false;
  /** The last encoded frame per message object: the assign frame (the bundle) is encoded once for everyone. */
  private encoded: { message: CollectorMessage; frame: string } | undefined;

  private constructor(opts: CollectorOptions, server: Server) {
    this.opts = {
      heartbeatMs: HEARTBEAT.intervalMs,
      silenceMs: HEARTBEAT.silenceMs,
      handshakeTimeoutMs: LIMITS.handshakeTimeoutMs,
      ...opts,
    };
    this.machine = new CollectorMachine({
      token: opts.token,
      heartbeatMs: this.opts.heartbeatMs,
      silenceMs: this.opts.silenceMs,
      ...(opts.maxRunners !== undefined ? { maxRunners: opts.maxRunners } : {}),
    });
    this.server = server;
    // The pre-auth limit for everyone; an admitted runner's connection is raised to runnerFrameBytes (frame-limit.ts).
    this.wss = new WebSocketServer({ server, maxPayload: LIMITS.handshakeBytes, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    this.wss.on('error', () => {});
    this.heartbeat = setInterval(() => this.step({ t: 'tick', now: Date.now() }), HEARTBEAT.checkMs);
    this.heartbeat.unref();
  }

  /** Starts listening; resolves once the port is bound. */
  static async listen(opts: CollectorOptions): Promise<Collector> {
    if (!opts.token) throw new Error('Collector: a token is required');
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
      res.end('rookery collector: runners connect here with a WebSocket (rookery runner --join …)\n');
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    // A peer that trickles its upgrade request is cut as soon as an idle pre-auth peer would be.
    server.headersTimeout = opts.handshakeTimeoutMs ?? LIMITS.handshakeTimeoutMs;
    server.requestTimeout = 2 * (opts.handshakeTimeoutMs ?? LIMITS.handshakeTimeoutMs);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new Collector(opts, server);
  }

  /** ws://host:port that runners on this machine can dial (use `--advertise` for others). */
  get url(): string {
    const addr = this.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `ws://${host}:${addr.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Run start on this machine's clock (epoch ms), once started. */
  get startedAt(): number | undefined {
    return this.machine.startedAt;
  }

  /** The run's collector (merging, progress, results), once started. */
  get runCollector(): RunCollector | undefined {
    return this.machine.collector;
  }

  get accumulator(): Accumulator | undefined {
    return this.machine.collector?.accumulator;
  }

  runners(): RunnerView[] {
    return this.machine.runners();
  }

  /** Waits until `count` runners have joined (authenticated), the timeout passes, or `signal` aborts; returns who is there. */
  async waitForRunners(count: number, timeoutMs: number, signal?: AbortSignal): Promise<RunnerView[]> {
    await this.waitFor(() => this.machine.inState('joined').length >= count, timeoutMs, signal);
    return this.machine.inState('joined');
  }

  /**
   * Closes admission and sends the plan to every joined runner; resolves when each is ready, failed or lost,
   * or at the timeout (runners not ready by then are dropped as failed).
   */
  async assign(plan: AssignPlan, timeoutMs: number, signal?: AbortSignal): Promise<RunnerView[]> {
    this.step({ t: 'assign', plan, now: Date.now() });
    await this.waitFor(() => this.machine.inState('assigned').length === 0, timeoutMs, signal);
    this.step({ t: 'assign-timeout', timeoutMs, now: Date.now() });
    return this.machine.inState('ready');
  }

  /**
   * The start barrier: every ready runner gets its slice and starts `startDelayMs` after the frame reaches it.
   * Returns the run's start on this machine's clock.
   */
  start(options: StartOptions): number {
    const delay = options.startDelayMs ?? 1_000;
    this.step({ t: 'start', startDelayMs: delay, onRunnerLoss: options.onRunnerLoss, now: Date.now() });
    this.onProgress = options.onProgress;
    // Progress ticks half an interval after each interval ends, when runners' snapshots for it are in.
    const first = setTimeout(() => {
      this.tick();
      this.ticker = setInterval(() => this.tick(), 1_000);
      this.ticker.unref();
    }, delay + 1_500);
    first.unref();
    this.ticker = first;
    return this.machine.startedAt as number;
  }

  /**
   * Runtime control (closed models): add (or, negative, remove) users on top of the schedule, dealt across the
   * running runners by capacity. Returns the new run-wide extra and each runner's share.
   */
  addUsers(delta: number): { extraUsers: number; perRunner: Record<string, number> } {
    this.step({ t: 'add-users', delta, now: Date.now() });
    return { extraUsers: this.machine.extraUserCount, perRunner: this.machine.extraPerRunner() };
  }

  /** Asks every running runner to stop gracefully (Ctrl-C on the collector). */
  stop(reason: string): void {
    this.step({ t: 'stop', reason, now: Date.now() });
  }

  /** Resolves when no runner is still running; those still running after `timeoutMs` are dropped as lost. */
  async waitForDone(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.waitFor(() => this.machine.inState('running').length === 0, timeoutMs, signal);
    this.step({ t: 'done-timeout', timeoutMs, now: Date.now() });
  }

  status(): ClusterStatus {
    return this.machine.status(Date.now());
  }

  /** Says goodbye to every connected runner (they exit) and summarises who took part. */
  finish(): ClusterSummary {
    if (this.ticker) clearTimeout(this.ticker);
    this.ticker = undefined;
    this.step({ t: 'finish', now: Date.now() });
    return this.machine.summary();
  }

  /** Closes every connection and the listening socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.ticker) clearTimeout(this.ticker);
    for (const ws of this.pending.keys()) ws.terminate();
    for (const ws of this.sockets.values()) {
      if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'collector closing');
    }
    // Give close frames a moment, then cut whatever is left.
    await new Promise((r) => setTimeout(r, 50));
    for (const ws of this.sockets.values()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.notify();
  }

  // -------------------------------------------------------------------------------------------------------------
  // The machine and its effects.

  private step(input: CollectorInput): void {
    const effects = this.machine.step(input);
    for (const e of effects) this.apply(e);
    if (effects.length > 0) this.notify();
  }

  private apply(e: CollectorEffect): void {
    switch (e.t) {
      case 'send': {
        const ws = this.sockets.get(e.runner);
        if (!ws || ws.readyState !== WebSocket.OPEN) return;
        if (this.encoded?.message !== e.message) this.encoded = { message: e.message, frame: encodeMessage(e.message) };
        ws.send(this.encoded.frame, (err) => {
          if (err) queueMicrotask(() => this.step({ t: 'send-failed', runner: e.runner, error: err.message, now: Date.now() }));
        });
        return;
      }
      case 'admit': {
        const ws = this.conns.get(e.conn);
        if (!ws) return;
        this.conns.delete(e.conn);
        this.pending.delete(ws);
        this.sockets.set(e.runner, ws);
        setFrameLimit(ws, LIMITS.runnerFrameBytes);
        return;
      }
      case 'refuse': {
        const ws = this.conns.get(e.conn);
        if (!ws) return;
        this.conns.delete(e.conn);
        this.refuse(ws, e.reason, e.code);
        return;
      }
      case 'close': {
        const ws = this.sockets.get(e.runner);
        if (ws && ws.readyState === WebSocket.OPEN) ws.close(e.code, truncateReason(e.reason));
        return;
      }
      case 'terminate':
        this.sockets.get(e.runner)?.terminate();
        return;
      case 'log':
        this.log(e.line);
        return;
      case 'event':
        try {
          this.opts.onEvent?.(e.event);
        } catch (err) {
          this.log(`event handler failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        return;
      case 'merged':
        this.opts.onRunnerInterval?.(e.runner, e.snapshot, e.rebased);
        return;
    }
  }

  private tick(): void {
    const state = this.onProgress ? this.machine.progress(Date.now()) : undefined;
    if (state) this.onProgress?.(state);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Connections and the handshake.

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    ws.on('error', () => {}); // always followed by 'close'
    if (this.closed) {
      ws.terminate(); // an upgrade that was in flight when close() began
      return;
    }
    const ip = req.socket.remoteAddress ?? '?';
    // Never refuse the newcomer: the oldest pending peer of the busiest address gives way (admission.ts).
    const pendingList = [...this.pending].map(([key, p]) => ({ key, ip: p.ip, since: p.since }));
    for (const victim of evictionsFor(pendingList, ip, { maxPending: LIMITS.maxPendingPeers, maxPerAddress: LIMITS.maxPendingPerAddress })) {
      const v = this.pending.get(victim);
      this.log(`refused ${v?.address ?? '?'}: too many unauthenticated connections`);
      this.refuse(victim, 'too many unauthenticated connections; the oldest gives way — try again', 1013, true);
      this.opts.onEvent?.({ type: 'rejected', address: v?.address ?? '?', reason: 'too many unauthenticated connections' });
    }
    this.pending.set(ws, { ip, since: this.arrivals++, address });
    const conn = this.nextConn++;
    this.conns.set(conn, ws);
    const nonce = newNonce();
    let runner: string | undefined;
    const timer = setTimeout(() => {
      if (runner || !this.conns.has(conn)) return;
      this.conns.delete(conn);
      const reason = `no valid hello within ${this.opts.handshakeTimeoutMs} ms`;
      this.log(`refused ${address}: ${reason}`);
      this.refuse(ws, reason, 1008);
      this.opts.onEvent?.({ type: 'rejected', address, reason });
    }, this.opts.handshakeTimeoutMs);
    ws.on('close', () => {
      clearTimeout(timer);
      this.pending.delete(ws);
      this.conns.delete(conn);
      if (runner) this.step({ t: 'closed', runner, now: Date.now() });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const now = Date.now();
      if (runner) {
        try {
          const msg = validateRunnerMessage(decodeFrame(data, isBinary, LIMITS.runnerFrameBytes));
          this.step({ t: 'message', runner, msg, now });
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          this.step({ t: 'bad-frame', runner, error, closeCode: err instanceof ProtocolError ? err.closeCode : 1008, now });
        }
        return;
      }
      if (!this.conns.has(conn)) return; // refused already
      try {
        const msg = validateRunnerMessage(decodeFrame(data, isBinary, LIMITS.handshakeBytes));
        if (msg.t !== 'hello') throw new ProtocolError(`expected hello first, got ${msg.t}`);
        const effects = this.machine.step({ t: 'hello', conn, address, nonce, hello: msg, now });
        const admitted = effects.find((e): e is Extract<CollectorEffect, { t: 'admit' }> => e.t === 'admit');
        if (admitted) {
          clearTimeout(timer);
          runner = admitted.runner;
        }
        for (const e of effects) this.apply(e);
        this.notify();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.conns.delete(conn);
        this.log(`refused ${address}: ${reason}`);
        this.refuse(ws, reason, err instanceof ProtocolError ? err.closeCode : 1008);
        this.opts.onEvent?.({ type: 'rejected', address, reason });
      }
    });
    this.sendTo(ws, { v: 1, t: 'challenge', nonce });
  }

  /** `retry`: the refusal is about now, not about this runner (busy), so a runner should dial again. */
  private refuse(ws: WebSocket, reason: string, code: number, retry = false): void {
    this.sendTo(ws, retry ? { v: 1, t: 'reject', reason, retry: true } : { v: 1, t: 'reject', reason });
    ws.close(code, truncateReason(reason));
    // A peer that ignores the close frame is cut shortly after.
    setTimeout(() => ws.terminate(), 1_000).unref();
    this.pending.delete(ws);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Plumbing.

  private sendTo(ws: WebSocket, message: CollectorMessage): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(encodeMessage(message), () => {});
  }

  private async waitFor(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && !this.closed && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(t);
          this.changed.delete(finish);
          signal?.removeEventListener('abort', finish);
          resolve();
        };
        const t = setTimeout(finish, Math.min(left, 1_000));
        this.changed.add(finish);
        signal?.addEventListener('abort', finish, { once: true });
      });
    }
  }

  private notify(): void {
    for (const f of [...this.changed]) f();
  }

  /** Log lines quote peers (names, hosts, parse errors with their bytes): escaped, always. */
  private log(line: string): void {
    this.opts.log?.(escapeForLog(line));
  }
}

/** WebSocket close reasons are at most 123 bytes. */
function truncateReason(reason: string): string {
  const buf = Buffer.from(reason, 'utf8');
  return buf.length <= 120 ? reason : `${buf.subarray(0, 110).toString('utf8').replace(/\uFFFD$/, '')}…`;
}

