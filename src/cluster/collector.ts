/**
 * The collector of a distributed run: a WebSocket server that runners dial. It authenticates them (before they
 * can receive anything but a challenge), hands out the scenario and each runner's slice, starts them together,
 * merges their interval snapshots exactly into one Accumulator, watches heartbeats, and re-slices the load when a
 * runner is lost. The orchestration around it (scenario loading, backends, results) is run-distributed.ts.
 *
 * Peers move joined → assigned → ready → running → done; any of them may end `lost` (connection closed, silent
 * for `silenceMs`, or a protocol violation) or `failed` (could not prepare). What a lost runner reported before
 * stays in the accumulator; its gauges are zeroed so totals stop counting its users.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { Accumulator } from '../metrics/accumulator.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { HealthSummary, ResultsMeta, Snapshot } from '../metrics/model.js';
import { totalDurationMs, type LoadProfile } from '../load/profile.js';
import type { ProgressState } from '../load/progress-state.js';
import { newNonce, proofFor, verifyProof } from './auth.js';
import {
  HEARTBEAT,
  LIMITS,
  ProtocolError,
  decodeFrame,
  encodeMessage,
  validateRunnerMessage,
  type CollectorMessage,
  type EngineProgress,
  type RunOutcomeWire,
  type RunnerMessage,
  type RunnerSettings,
} from './protocol.js';
import { rebaseSnapshot, zeroGauges } from './rebase.js';
import { assignSlices, iterationBudgets, signedShare } from './slices.js';
import { mergeHealth } from './merge-health.js';
import { evictionsFor } from './admission.js';
import { setFrameLimit } from './frame-limit.js';
import { escapeForLog } from './log-safe.js';

export type RunnerState = 'joined' | 'assigned' | 'ready' | 'running' | 'done' | 'failed' | 'lost';
export type OnRunnerLoss = 'rebalance' | 'continue';

export interface RunnerView {
  /** Collector-assigned id (r1, r2, … in join order). */
  id: string;
  /** The runner's own name for itself (host-pid by default). */
  name: string;
  host: string;
  pid: number;
  capacity: number;
  /** Where the connection came from (ip:port). */
  address: string;
  state: RunnerState;
  /** Current slice index while running. */
  sliceIndex: number | undefined;
  /** Epoch ms the loss was detected. */
  lostAt: number | undefined;
  lostReason: string | undefined;
  /** Latest engine status it reported. */
  status: EngineProgress;
  /** Snapshots merged from it. */
  snapshots: number;
}

export type CollectorEvent =
  | { type: 'joined'; runner: RunnerView }
  | { type: 'rejected'; address: string; reason: string }
  | { type: 'ready'; runner: RunnerView }
  | { type: 'failed'; runner: RunnerView; message: string }
  | { type: 'lost'; runner: RunnerView; reason: string }
  | { type: 'rebalanced'; weights: number[]; survivors: string[] }
  | { type: 'done'; runner: RunnerView };

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
  onRunnerSnapshot?: (runnerId: string, snapshot: Snapshot) => void;
}

/** What every runner is given (the same for all; slices come at start): the `assign` message's body. */
export type AssignPlan = Omit<Extract<CollectorMessage, { t: 'assign' }>, 'v' | 't'>;

export interface StartOptions {
  /** The start barrier: runners start this long after the start frame reaches them. Default 1000 ms. */
  startDelayMs?: number;
  onRunnerLoss: OnRunnerLoss;
  /** Live progress once per interval. */
  onProgress?: (state: ProgressState) => void;
}

export interface ClusterStatus {
  phase: 'waiting' | 'assigning' | 'running' | 'finished';
  elapsedMs: number;
  totalMs: number;
  extraUsers: number;
  users: { active: number; target: number };
  iterations: number;
  errors: number;
  dropped: number;
  runners: Array<Pick<RunnerView, 'id' | 'name' | 'host' | 'capacity' | 'state' | 'sliceIndex' | 'lostReason'> & { active: number; target: number }>;
}

export interface ClusterSummary {
  runners: NonNullable<ResultsMeta['runners']>;
  health: HealthSummary;
  versions: Record<string, string>;
  /** Set when the run fell short: runners lost without rebalancing, all runners lost, or a runner interrupted. */
  interrupted: string | undefined;
}

interface Peer {
  view: RunnerView;
  ws: WebSocket;
  lastSeen: number;
  lastPing: number;
  nextSeq: number;
  runStartedAt: number | undefined;
  lastSnapshot: Snapshot | undefined;
  reportedIterations: number;
  extraAssigned: number;
  health: { line: string; saturated: boolean } | undefined;
  done: { outcome: RunOutcomeWire; health: HealthSummary; versions: Record<string, string> } | undefined;
  versions: Record<string, string>;
}

const EMPTY_STATUS: EngineProgress = Object.freeze({ active: 0, target: 0, iterations: 0, errors: 0, dropped: 0 });

export class Collector {
  private readonly opts: Required<Pick<CollectorOptions, 'heartbeatMs' | 'silenceMs' | 'handshakeTimeoutMs'>> & CollectorOptions;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly peers: Peer[] = [];
  /** Unauthenticated connections: their address and arrival order (admission.ts decides who gives way). */
  private readonly pending = new Map<WebSocket, { ip: string; since: number; address: string }>();
  private arrivals = 0;
  private phase: ClusterStatus['phase'] = 'waiting';
  private nextId = 1;
  private changed = new Set<() => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private plan: AssignPlan | undefined;
  private startOpts: StartOptions | undefined;
  private startedAtMs: number | undefined;
  private plannedMs = 0;
  private extraUsers = 0;
  private weights: number[] = [];
  private accumulatorRef: Accumulator | undefined;
  private readonly clusterErrors = new MetricsRegistry();
  private shortfall: string[] = [];
  private closed = false;
  private saidBye = false;
  /** lv_errors over every snapshot merged, lost runners' included: the progress line's count. */
  private lvErrors = 0;

  private constructor(opts: CollectorOptions, server: Server) {
    this.opts = {
      heartbeatMs: HEARTBEAT.intervalMs,
      silenceMs: HEARTBEAT.silenceMs,
      handshakeTimeoutMs: LIMITS.handshakeTimeoutMs,
      ...opts,
    };
    this.server = server;
    // The pre-auth limit for everyone; an admitted runner's connection is raised to runnerFrameBytes (frame-limit.ts).
    this.wss = new WebSocketServer({ server, maxPayload: LIMITS.handshakeBytes, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    this.wss.on('error', () => {});
    this.heartbeat = setInterval(() => this.checkHeartbeats(), HEARTBEAT.checkMs);
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
    return this.startedAtMs;
  }

  get accumulator(): Accumulator | undefined {
    return this.accumulatorRef;
  }

  runners(): RunnerView[] {
    return this.peers.map((p) => ({ ...p.view, status: { ...p.view.status } }));
  }

  /** Waits until `count` runners have joined (authenticated), the timeout passes, or `signal` aborts; returns who is there. */
  async waitForRunners(count: number, timeoutMs: number, signal?: AbortSignal): Promise<RunnerView[]> {
    await this.waitFor(() => this.live('joined').length >= count, timeoutMs, signal);
    return this.live('joined').map((p) => ({ ...p.view }));
  }

  /**
   * Closes admission and sends the plan to every joined runner; resolves when each is ready, failed or lost,
   * or at the timeout (runners not ready by then are dropped as failed).
   */
  async assign(plan: AssignPlan, timeoutMs: number, signal?: AbortSignal): Promise<RunnerView[]> {
    if (this.phase !== 'waiting') throw new Error('Collector.assign: already assigned');
    this.phase = 'assigning';
    this.plan = plan;
    const message: CollectorMessage = { v: 1, t: 'assign', ...plan };
    const frame = encodeMessage(message);
    for (const p of this.live('joined')) {
      p.view.state = 'assigned';
      this.sendRaw(p, frame);
    }
    await this.waitFor(() => this.live('assigned').length === 0, timeoutMs, signal);
    for (const p of this.live('assigned')) this.fail(p, `not ready within ${Math.round(timeoutMs / 1000)} s (loading the scenario or launching the browser took too long)`);
    return this.live('ready').map((p) => ({ ...p.view }));
  }

  /**
   * The start barrier: every ready runner gets its slice and starts `startDelayMs` after the frame reaches it.
   * Returns the run's start on this machine's clock.
   */
  start(options: StartOptions): number {
    if (this.phase !== 'assigning' || !this.plan) throw new Error('Collector.start: assign first');
    const ready = this.live('ready');
    if (ready.length === 0) throw new Error('Collector.start: no runner is ready');
    const delay = options.startDelayMs ?? 1_000;
    this.startOpts = options;
    this.startedAtMs = Date.now() + delay;
    this.plannedMs = totalDurationMs(this.plan.profile);
    this.accumulatorRef = new Accumulator({ startedAt: this.startedAtMs, intervalMs: 1_000 });
    const slices = assignSlices(ready.map((p) => p.view));
    this.weights = slices.weights;
    for (const p of ready) {
      const index = slices.index.get(p.view.id) as number;
      p.view.sliceIndex = index;
      p.view.state = 'running';
      p.extraAssigned = signedShare(this.weights, index, this.extraUsers);
      this.send(p, { v: 1, t: 'start', inMs: delay, weights: this.weights, index, extraUsers: p.extraAssigned });
    }
    this.phase = 'running';
    // Progress ticks half an interval after each interval ends, when runners' snapshots for it are in.
    const first = setTimeout(() => {
      this.tick();
      this.ticker = setInterval(() => this.tick(), 1_000);
      this.ticker.unref();
    }, delay + 1_500);
    first.unref();
    this.ticker = first;
    return this.startedAtMs;
  }

  /**
   * Runtime control (closed models): add (or, negative, remove) users on top of the schedule, dealt across the
   * running runners by capacity. Returns the new run-wide extra and each runner's share.
   */
  addUsers(delta: number): { extraUsers: number; perRunner: Record<string, number> } {
    if (!Number.isSafeInteger(delta)) throw new RangeError(`delta must be a whole number, got ${delta}`);
    if (this.phase !== 'running' || !this.plan) throw new Error('the run is not running');
    if (this.plan.profile.kind === 'arrival') throw new Error('adding users applies to user-based profiles, not to --arrival-rate');
    this.extraUsers += delta;
    this.spreadExtraUsers();
    return { extraUsers: this.extraUsers, perRunner: Object.fromEntries(this.live('running').map((p) => [p.view.id, p.extraAssigned])) };
  }

  /** Asks every running runner to stop gracefully (Ctrl-C on the collector). */
  stop(reason: string): void {
    for (const p of this.live('running')) this.send(p, { v: 1, t: 'stop', reason });
  }

  /** Resolves when no runner is still running; those still running after `timeoutMs` are dropped as lost. */
  async waitForDone(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.waitFor(() => this.live('running').length === 0, timeoutMs, signal);
    for (const p of this.live('running')) this.lose(p, `did not finish within ${Math.round(timeoutMs / 1000)} s of the planned end`);
  }

  status(): ClusterStatus {
    const running = this.live('running');
    const took = this.peers.filter((p) => p.view.sliceIndex !== undefined);
    const sum = (peers: Peer[], k: keyof EngineProgress) => peers.reduce((n, p) => n + p.view.status[k], 0);
    return {
      phase: this.phase,
      elapsedMs: this.startedAtMs === undefined ? 0 : Math.max(0, Date.now() - this.startedAtMs),
      totalMs: this.plannedMs,
      extraUsers: this.extraUsers,
      // Users of running runners only; counts are cumulative, so lost runners' reports still count.
      users: { active: sum(running, 'active'), target: sum(running, 'target') },
      iterations: sum(took, 'iterations'),
      errors: sum(took, 'errors'),
      dropped: sum(took, 'dropped'),
      runners: this.peers.map((p) => ({
        id: p.view.id,
        name: p.view.name,
        host: p.view.host,
        capacity: p.view.capacity,
        state: p.view.state,
        sliceIndex: p.view.sliceIndex,
        lostReason: p.view.lostReason,
        active: p.view.status.active,
        target: p.view.status.target,
      })),
    };
  }

  /** Says goodbye to every connected runner (they exit) and summarises who took part. */
  finish(): ClusterSummary {
    this.phase = 'finished';
    if (this.ticker) clearTimeout(this.ticker);
    this.ticker = undefined;
    if (!this.saidBye) {
      this.saidBye = true;
      for (const p of this.peers) if (p.ws.readyState === WebSocket.OPEN) this.send(p, { v: 1, t: 'bye' });
    }
    const took = this.peers.filter((p) => p.view.sliceIndex !== undefined);
    const versions: Record<string, string> = {};
    for (const p of took) Object.assign(versions, p.versions, p.done?.versions ?? {});
    const interruptions = took.map((p) => p.done?.outcome.interrupted).filter((x): x is string => x !== undefined);
    const shortfall = [...this.shortfall];
    if (took.length > 0 && took.every((p) => p.view.state === 'lost')) shortfall.unshift('all runners were lost');
    if (interruptions.length > 0) shortfall.push(`runner: ${interruptions[0]}`);
    return {
      runners: took.map((p) => ({
        id: p.view.id,
        host: p.view.host,
        capacity: p.view.capacity,
        lost: p.view.state === 'lost',
        ...(p.view.lostAt !== undefined ? { lostAt: new Date(p.view.lostAt).toISOString() } : {}),
      })),
      health: mergeHealth(took.filter((p) => p.done).map((p) => ({ runner: p.view.id, health: (p.done as NonNullable<Peer['done']>).health }))),
      versions,
      interrupted: shortfall.length > 0 ? shortfall.join('; ') : undefined,
    };
  }

  /** Closes every connection and the listening socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.ticker) clearTimeout(this.ticker);
    for (const ws of this.pending.keys()) ws.terminate();
    for (const p of this.peers) {
      if (p.ws.readyState === WebSocket.OPEN) p.ws.close(1001, 'collector closing');
    }
    // Give close frames a moment, then cut whatever is left.
    await new Promise((r) => setTimeout(r, 50));
    for (const p of this.peers) p.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.notify();
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
      this.reject(victim, v?.address ?? '?', 'too many unauthenticated connections; the oldest gives way — try again', 1013, true);
    }
    this.pending.set(ws, { ip, since: this.arrivals++, address });
    const nonce = newNonce();
    let peer: Peer | undefined;
    const timer = setTimeout(() => {
      if (!peer) this.reject(ws, address, `no valid hello within ${this.opts.handshakeTimeoutMs} ms`);
    }, this.opts.handshakeTimeoutMs);
    ws.on('close', () => {
      clearTimeout(timer);
      this.pending.delete(ws);
      if (peer) this.onPeerClosed(peer);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (peer) {
        this.onPeerFrame(peer, data, isBinary);
        return;
      }
      try {
        const msg = validateRunnerMessage(decodeFrame(data, isBinary, LIMITS.handshakeBytes));
        if (msg.t !== 'hello') throw new ProtocolError(`expected hello first, got ${msg.t}`);
        peer = this.admit(ws, address, nonce, msg);
        if (peer) {
          clearTimeout(timer);
          this.pending.delete(ws);
          setFrameLimit(ws, LIMITS.runnerFrameBytes);
        }
      } catch (err) {
        this.reject(ws, address, err instanceof Error ? err.message : String(err), err instanceof ProtocolError ? err.closeCode : 1008);
      }
    });
    this.sendTo(ws, { v: 1, t: 'challenge', nonce });
  }

  /** Authenticates a hello; on success the peer is admitted and welcomed, otherwise refused. */
  private admit(ws: WebSocket, address: string, nonce: string, hello: Extract<RunnerMessage, { t: 'hello' }>): Peer | undefined {
    if (!verifyProof(this.opts.token, 'runner', nonce, hello.proof)) {
      this.reject(ws, address, 'authentication failed: wrong token');
      return undefined;
    }
    if (this.phase !== 'waiting') {
      this.reject(ws, address, 'this run has already started; it takes no more runners');
      return undefined;
    }
    if (this.opts.maxRunners !== undefined && this.live('joined').length >= this.opts.maxRunners) {
      this.reject(ws, address, `this run is full (${this.opts.maxRunners} runners)`);
      return undefined;
    }
    const peer: Peer = {
      view: {
        id: `r${this.nextId++}`,
        name: hello.name,
        host: hello.host,
        pid: hello.pid,
        capacity: hello.capacity,
        address,
        state: 'joined',
        sliceIndex: undefined,
        lostAt: undefined,
        lostReason: undefined,
        status: { ...EMPTY_STATUS },
        snapshots: 0,
      },
      ws,
      lastSeen: Date.now(),
      lastPing: 0,
      nextSeq: 0,
      runStartedAt: undefined,
      lastSnapshot: undefined,
      reportedIterations: 0,
      extraAssigned: 0,
      health: undefined,
      done: undefined,
      versions: hello.versions,
    };
    this.peers.push(peer);
    this.send(peer, {
      v: 1,
      t: 'welcome',
      runnerId: peer.view.id,
      proof: proofFor(this.opts.token, 'collector', hello.nonce),
      heartbeatMs: this.opts.heartbeatMs,
      silenceMs: this.opts.silenceMs,
    });
    this.log(`runner ${peer.view.id} joined: ${hello.name} on ${hello.host} (pid ${hello.pid}, capacity ${hello.capacity}) from ${address}`);
    this.emit({ type: 'joined', runner: { ...peer.view } });
    this.notify();
    return peer;
  }

  /** `retry`: the refusal is about now, not about this runner (busy), so a runner should dial again. */
  private reject(ws: WebSocket, address: string, reason: string, code: number = 1008, retry = false): void {
    this.log(`refused ${address}: ${reason}`);
    this.sendTo(ws, retry ? { v: 1, t: 'reject', reason, retry: true } : { v: 1, t: 'reject', reason });
    ws.close(code, truncateReason(reason));
    // A peer that ignores the close frame is cut shortly after.
    setTimeout(() => ws.terminate(), 1_000).unref();
    this.pending.delete(ws);
    this.emit({ type: 'rejected', address, reason });
  }

  private onPeerFrame(peer: Peer, data: RawData, isBinary: boolean): void {
    if (peer.view.state === 'lost' || peer.view.state === 'failed') return;
    peer.lastSeen = Date.now();
    let msg: RunnerMessage;
    try {
      msg = validateRunnerMessage(decodeFrame(data, isBinary, LIMITS.runnerFrameBytes));
      this.onPeerMessage(peer, msg);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.send(peer, { v: 1, t: 'error', message: message.slice(0, LIMITS.maxReasonLength) });
      peer.ws.close(err instanceof ProtocolError ? err.closeCode : 1008, truncateReason(message));
      this.lose(peer, `protocol error: ${message}`);
    }
  }

  private onPeerMessage(peer: Peer, msg: RunnerMessage): void {
    const v = peer.view;
    switch (msg.t) {
      case 'ping':
        return;
      case 'hello':
        throw new ProtocolError('hello after the handshake');
      case 'error':
        throw new ProtocolError(`runner reported: ${msg.message}`);
      case 'ready':
        if (v.state !== 'assigned') throw new ProtocolError(`ready while ${v.state}`);
        v.state = 'ready';
        this.log(`runner ${v.id} ready`);
        this.emit({ type: 'ready', runner: { ...v } });
        this.notify();
        return;
      case 'failed':
        if (v.state !== 'assigned') throw new ProtocolError(`failed while ${v.state}`);
        this.fail(peer, msg.message);
        return;
      case 'snapshot':
        this.onSnapshot(peer, msg);
        return;
      case 'done':
        if (v.state !== 'running') throw new ProtocolError(`done while ${v.state}`);
        if (msg.lastSeq !== peer.nextSeq - 1) this.log(`runner ${v.id}: says its last snapshot was #${msg.lastSeq}, but #${peer.nextSeq - 1} arrived last`);
        peer.done = { outcome: msg.outcome, health: msg.health, versions: msg.versions };
        v.state = 'done';
        v.status = { ...v.status, active: 0, target: 0 };
        this.emit({ type: 'done', runner: { ...v } });
        this.notify();
        return;
    }
  }

  private onSnapshot(peer: Peer, msg: Extract<RunnerMessage, { t: 'snapshot' }>): void {
    const acc = this.accumulatorRef;
    if (peer.view.state !== 'running' || !acc || this.startedAtMs === undefined) throw new ProtocolError(`snapshot while ${peer.view.state}`);
    if (msg.seq !== peer.nextSeq) throw new ProtocolError(`snapshot #${msg.seq} out of order (expected #${peer.nextSeq})`);
    if (peer.runStartedAt !== undefined && msg.runStartedAt !== peer.runStartedAt) throw new ProtocolError('snapshot: runStartedAt changed mid-run');
    const rebased = rebaseSnapshot(msg.snapshot, msg.runStartedAt, this.startedAtMs);
    try {
      acc.add(rebased, peer.view.id); // atomic: throws before changing anything
    } catch (err) {
      throw new ProtocolError(`snapshot #${msg.seq} refused: ${err instanceof Error ? err.message : String(err)}`);
    }
    peer.runStartedAt = msg.runStartedAt;
    peer.nextSeq++;
    peer.view.snapshots++;
    peer.lastSnapshot = rebased;
    peer.view.status = msg.status;
    peer.health = msg.health;
    for (const c of msg.snapshot.counters) {
      if (c.name === 'lv_errors') this.lvErrors += c.value;
      if (c.name === 'iterations' && (c.labels.result === 'ok' || c.labels.result === 'error')) peer.reportedIterations += c.value;
    }
    this.opts.onRunnerSnapshot?.(peer.view.id, msg.snapshot);
  }

  private onPeerClosed(peer: Peer): void {
    const s = peer.view.state;
    if (s === 'done' || s === 'lost' || s === 'failed') return;
    this.lose(peer, 'connection closed');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Faults.

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const p of this.peers) {
      const s = p.view.state;
      if (s === 'done' || s === 'lost' || s === 'failed') continue;
      const silent = now - p.lastSeen;
      if (silent > this.opts.silenceMs) {
        this.lose(p, `silent for ${silent} ms (no heartbeat)`);
        continue;
      }
      if (now - p.lastPing >= this.opts.heartbeatMs) {
        p.lastPing = now;
        this.send(p, { v: 1, t: 'ping', at: now });
      }
    }
  }

  private fail(peer: Peer, message: string): void {
    peer.view.state = 'failed';
    peer.view.lostReason = message;
    this.log(`runner ${peer.view.id} failed: ${message}`);
    this.send(peer, { v: 1, t: 'bye' });
    peer.ws.close(1000, 'failed');
    this.emit({ type: 'failed', runner: { ...peer.view }, message });
    this.notify();
  }

  private lose(peer: Peer, reason: string): void {
    const prev = peer.view.state;
    if (prev === 'lost' || prev === 'failed' || prev === 'done') return;
    const now = Date.now();
    peer.view.state = 'lost';
    peer.view.lostAt = now;
    peer.view.lostReason = reason;
    peer.ws.terminate();
    if (prev === 'running') this.onLostWhileRunning(peer, reason, now);
    else this.log(`runner ${peer.view.id} left before the start: ${reason}`);
    this.emit({ type: 'lost', runner: { ...peer.view }, reason });
    this.notify();
  }

  private onLostWhileRunning(peer: Peer, reason: string, now: number): void {
    const acc = this.accumulatorRef as Accumulator;
    const at = this.startedAtMs === undefined ? 0 : (now - this.startedAtMs) / 1000;
    const survivors = this.live('running');
    const mode = this.startOpts?.onRunnerLoss ?? 'rebalance';
    const users = peer.view.status.target;
    const what = `runner ${peer.view.id} (${peer.view.name} on ${peer.view.host}) lost at ${at.toFixed(1)} s: ${reason}`;
    let consequence: string;
    if (survivors.length === 0) consequence = 'no runner is left';
    else if (mode === 'continue') consequence = `its share (${users} users) was not replaced (--on-runner-loss continue)`;
    else consequence = `its share (${users} users) was re-assigned to ${survivors.length} surviving runner${survivors.length === 1 ? '' : 's'}`;
    const message = `${what}; ${consequence}; the ${peer.view.snapshots} snapshot${peer.view.snapshots === 1 ? '' : 's'} (${peer.reportedIterations} iterations) it reported before are kept`;
    this.log(message);
    this.clusterErrors.error('cluster.runner_lost', message, { runner: peer.view.id, host: peer.view.host });
    try {
      acc.add({ ...this.clusterErrors.takeSnapshot(now), from: now, to: now }, 'collector');
      // At (or after) its last reading, so this one is its latest.
      acc.add(zeroGauges(peer.lastSnapshot, Math.max(now, peer.lastSnapshot?.to ?? now)), peer.view.id);
    } catch {
      // Only a clock far outside the run could make these implausible; the loss is still in meta.runners.
    }
    if (survivors.length > 0 && mode === 'continue') this.shortfall.push(`${peer.view.id} lost; the run continued without its share`);
    if (survivors.length > 0 && mode === 'rebalance') this.rebalance(survivors);
  }

  /** Re-slices the whole load over the survivors (their capacities), iteration budgets and extra users included. */
  private rebalance(survivors: Peer[]): void {
    const plan = this.plan as AssignPlan;
    const ordered = [...survivors].sort((a, b) => (a.view.sliceIndex ?? 0) - (b.view.sliceIndex ?? 0));
    const slices = assignSlices(ordered.map((p) => p.view));
    this.weights = slices.weights;
    const total = plan.profile.iterations;
    const budgets =
      total === undefined
        ? undefined
        : iterationBudgets(
            total,
            ordered.map((p) => ({ weight: p.view.capacity, reported: p.reportedIterations })),
            this.peers.reduce((n, p) => n + p.reportedIterations, 0),
          );
    ordered.forEach((p, i) => {
      p.view.sliceIndex = i;
      this.send(p, { v: 1, t: 'reslice', weights: this.weights, index: i, ...(budgets ? { iterations: budgets[i] as number } : {}) });
    });
    if (plan.profile.kind !== 'arrival') this.spreadExtraUsers();
    this.emit({ type: 'rebalanced', weights: [...this.weights], survivors: ordered.map((p) => p.view.id) });
  }

  /** Brings each running runner's share of the extra users to its apportioned part of the run-wide extra. */
  private spreadExtraUsers(): void {
    for (const p of this.live('running')) {
      const want = signedShare(this.weights, p.view.sliceIndex as number, this.extraUsers);
      const delta = want - p.extraAssigned;
      if (delta !== 0) {
        p.extraAssigned = want;
        this.send(p, { v: 1, t: 'users', delta });
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Progress.

  private tick(): void {
    const onProgress = this.startOpts?.onProgress;
    const acc = this.accumulatorRef;
    if (!onProgress || !acc || this.startedAtMs === undefined) return;
    const elapsed = Date.now() - this.startedAtMs;
    if (elapsed < 0) return;
    const idx = Math.floor((elapsed - 500) / acc.intervalMs) - 1;
    const st = this.status();
    const taking = this.peers.filter((p) => p.view.sliceIndex !== undefined);
    const saturated = taking.find((p) => p.view.state === 'running' && p.health?.saturated);
    const first = saturated ?? taking.find((p) => p.view.state === 'running' && p.health);
    onProgress({
      elapsedMs: elapsed,
      totalMs: this.plannedMs,
      active: st.users.active,
      target: st.users.target,
      iterations: st.iterations,
      errors: st.errors,
      lvErrors: this.lvErrors,
      dropped: st.dropped,
      interval: idx >= 0 ? acc.interval(idx) : undefined,
      health: first?.health ? `${first.view.id}: ${first.health.line}` : undefined,
      saturated: saturated !== undefined,
      runners: { live: this.live('running').length, total: taking.length },
      totals: () => acc.totals(),
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Plumbing.

  private live(state: RunnerState): Peer[] {
    return this.peers.filter((p) => p.view.state === state);
  }

  private send(peer: Peer, message: CollectorMessage): void {
    this.sendRaw(peer, encodeMessage(message));
  }

  private sendRaw(peer: Peer, frame: string): void {
    if (peer.ws.readyState !== WebSocket.OPEN) return;
    peer.ws.send(frame, (err) => {
      if (err) this.lose(peer, `send failed: ${err.message}`);
    });
  }

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

  private emit(event: CollectorEvent): void {
    try {
      this.opts.onEvent?.(event);
    } catch (err) {
      this.log(`event handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
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

