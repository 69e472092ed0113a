/**
 * The collector's logic as a state machine: what a collector does with each runner message, timer tick and
 * command of the orchestrator, with no sockets, timers or clocks of its own (in the style of
 * src/liveview/session.ts). Every input carries the time it happened (`now`); `step()` changes the state and
 * returns what the adapter must do — frames to send, connections to refuse or close, log lines, events. The
 * adapter (collector.ts) owns the WebSocket server, encoding, timers and authentication of the transport; this
 * file owns the rest: admission after the proof, the per-runner lifecycle, heartbeats, slices and rebalancing,
 * merging (through the run's RunCollector), progress, and the end-of-run summary.
 *
 * Peers move joined → assigned → ready → running → done; any of them may end `lost` (connection closed, silent
 * for `silenceMs`, or a protocol violation) or `failed` (could not prepare). What a lost runner reported before
 * stays merged; its gauges are zeroed so totals stop counting its users. Anything a peer sends after it is
 * lost, failed or done (a late snapshot) is ignored, never merged twice and never an error.
 */
import { MetricsRegistry } from '../metrics/registry.js';
import type { HealthSummary, ResultsMeta, Interval } from '../metrics/model.js';
import { totalDurationMs } from '../load/profile.js';
import { RunCollector } from '../load/run-collector.js';
import type { ProgressState } from '../load/progress-state.js';
import { verifyProof, proofFor } from './auth.js';
import { ProtocolError, type CollectorMessage, type EngineProgress, type RunOutcomeWire, type RunnerMessage } from './protocol.js';
import { rebaseInterval, zeroGauges } from './rebase.js';
import { assignSlices, iterationBudgets, signedShare } from './slices.js';
import { dealParts, redealParts, type PartRedeal } from '../load/plan.js';
import { mergeHealth } from './merge-health.js';

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

/** What every runner is given (the same for all; slices come at start): the `assign` message's body. */
export type AssignPlan = Omit<Extract<CollectorMessage, { t: 'assign' }>, 'v' | 't'>;

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

type Hello = Extract<RunnerMessage, { t: 'hello' }>;

/** Everything that can happen to a collector. Connection ids (`conn`) are the adapter's; runner ids are ours. */
export type CollectorInput =
  /** A hello on a not-yet-admitted connection, with the nonce the adapter challenged it with. */
  | { t: 'hello'; conn: number; address: string; nonce: string; hello: Hello; now: number }
  /** A decoded, validated frame from an admitted runner. */
  | { t: 'message'; runner: string; msg: RunnerMessage; now: number }
  /** A frame from an admitted runner that did not decode or validate. */
  | { t: 'bad-frame'; runner: string; error: string; closeCode: number; now: number }
  | { t: 'closed'; runner: string; now: number }
  | { t: 'send-failed'; runner: string; error: string; now: number }
  /** Heartbeat check: pings due, silent peers lost. */
  | { t: 'tick'; now: number }
  | { t: 'assign'; plan: AssignPlan; now: number }
  /** The ready wait is over: runners still preparing fail. */
  | { t: 'assign-timeout'; timeoutMs: number; now: number }
  /** The start barrier: ready runners start `startDelayMs` after `now`. */
  | { t: 'start'; startDelayMs: number; onRunnerLoss: OnRunnerLoss; now: number }
  | { t: 'add-users'; delta: number; now: number }
  | { t: 'stop'; reason: string; now: number }
  /** The wait for `done` is over: runners still running are lost. */
  | { t: 'done-timeout'; timeoutMs: number; now: number }
  | { t: 'finish'; now: number };

/** What the adapter must do, in order. */
export type CollectorEffect =
  | { t: 'send'; runner: string; message: CollectorMessage }
  /** Admit connection `conn` as runner `runner` (raise its frame limit, route its frames). */
  | { t: 'admit'; conn: number; runner: string }
  /** Refuse a connection that was never admitted: send `reject`, close with `code`. */
  | { t: 'refuse'; conn: number; reason: string; code: number }
  /** Close an admitted runner's connection gracefully (after what was sent). */
  | { t: 'close'; runner: string; code: number; reason: string }
  /** Drop an admitted runner's connection at once. */
  | { t: 'terminate'; runner: string }
  | { t: 'log'; line: string }
  | { t: 'event'; event: CollectorEvent }
  /** A snapshot was merged, as the runner sent it. */
  | { t: 'merged'; runner: string; snapshot: Interval; rebased: Interval };

export interface CollectorMachineOptions {
  token: string;
  heartbeatMs: number;
  silenceMs: number;
  /** Most runners admitted; later ones are refused. */
  maxRunners?: number;
}

interface Peer {
  view: RunnerView;
  lastSeen: number;
  lastPing: number;
  nextSeq: number;
  runStartedAt: number | undefined;
  lastInterval: Interval | undefined;
  reportedIterations: number;
  extraAssigned: number;
  health: { line: string; saturated: boolean } | undefined;
  done: { outcome: RunOutcomeWire; health: HealthSummary; versions: Record<string, string> } | undefined;
  versions: Record<string, string>;
  /** Lite users it can hold and its worker processes (from hello); absent: it takes none. */
  lite: { capacity: number; workers: number } | undefined;
  /** Runs with lite users: its parts (indices into the weights) and the extra users each part holds now. */
  parts: { browser: number | undefined; lite: number[] } | undefined;
  extraParts: { browser: number; lite: number[] };
  /** Iterations reported per part (`browser`, `lite-<n>`): iteration budgets are re-dealt per part. */
  reportedByPart: Map<string, number>;
}

const EMPTY_STATUS: EngineProgress = Object.freeze({ active: 0, target: 0, iterations: 0, errors: 0, dropped: 0 });
const FINAL: ReadonlySet<RunnerState> = new Set(['done', 'lost', 'failed']);

export class CollectorMachine {
  private readonly opts: CollectorMachineOptions;
  private readonly peers: Peer[] = [];
  private phaseValue: ClusterStatus['phase'] = 'waiting';
  private nextId = 1;
  private plan: AssignPlan | undefined;
  private onRunnerLoss: OnRunnerLoss = 'rebalance';
  private startedAtMs: number | undefined;
  private plannedMs = 0;
  private extraUsers = 0;
  private weights: number[] = [];
  private collectorRef: RunCollector | undefined;
  private readonly clusterErrors = new MetricsRegistry();
  private shortfall: string[] = [];
  private saidBye = false;
  private out: CollectorEffect[] = [];

  constructor(opts: CollectorMachineOptions) {
    if (!opts.token) throw new Error('CollectorMachine: a token is required');
    this.opts = opts;
  }

  get phase(): ClusterStatus['phase'] {
    return this.phaseValue;
  }

  /** Run start on the collector's clock (epoch ms), once started. */
  get startedAt(): number | undefined {
    return this.startedAtMs;
  }

  /** Where runners' snapshots are merged (created at the start). */
  get collector(): RunCollector | undefined {
    return this.collectorRef;
  }

  /** Extra users per running runner (runtime control). */
  extraPerRunner(): Record<string, number> {
    return Object.fromEntries(this.live('running').map((p) => [p.view.id, p.extraAssigned]));
  }

  get extraUserCount(): number {
    return this.extraUsers;
  }

  runners(): RunnerView[] {
    return this.peers.map((p) => ({ ...p.view, status: { ...p.view.status } }));
  }

  /** Runners in `state`, as views. */
  inState(state: RunnerState): RunnerView[] {
    return this.live(state).map((p) => ({ ...p.view, status: { ...p.view.status } }));
  }

  /**
   * Applies one input and returns what to do. Commands the orchestrator may not give now (start before assign,
   * add-users outside a run) throw an Error without changing anything; peers' misbehaviour never throws.
   */
  step(input: CollectorInput): CollectorEffect[] {
    this.out = [];
    switch (input.t) {
      case 'hello':
        this.onHello(input);
        break;
      case 'message': {
        const peer = this.peer(input.runner);
        if (!peer || peer.view.state === 'lost' || peer.view.state === 'failed') break;
        peer.lastSeen = input.now;
        try {
          this.onMessage(peer, input.msg);
        } catch (err) {
          this.violation(peer, err instanceof Error ? err.message : String(err), err instanceof ProtocolError ? err.closeCode : 1008, input.now);
        }
        break;
      }
      case 'bad-frame': {
        const peer = this.peer(input.runner);
        if (!peer || peer.view.state === 'lost' || peer.view.state === 'failed') break;
        this.violation(peer, input.error, input.closeCode, input.now);
        break;
      }
      case 'closed': {
        const peer = this.peer(input.runner);
        if (peer && !FINAL.has(peer.view.state)) this.lose(peer, 'connection closed', input.now);
        break;
      }
      case 'send-failed': {
        const peer = this.peer(input.runner);
        if (peer) this.lose(peer, `send failed: ${input.error}`, input.now);
        break;
      }
      case 'tick':
        this.checkHeartbeats(input.now);
        break;
      case 'assign':
        this.assign(input.plan);
        break;
      case 'assign-timeout':
        for (const p of this.live('assigned')) this.fail(p, `not ready within ${Math.round(input.timeoutMs / 1000)} s (loading the scenario or launching the browser took too long)`);
        break;
      case 'start':
        this.start(input.startDelayMs, input.onRunnerLoss, input.now);
        break;
      case 'add-users':
        this.addUsers(input.delta);
        break;
      case 'stop':
        for (const p of this.live('running')) this.send(p, { v: 1, t: 'stop', reason: input.reason });
        break;
      case 'done-timeout':
        for (const p of this.live('running')) this.lose(p, `did not finish within ${Math.round(input.timeoutMs / 1000)} s of the planned end`, input.now);
        break;
      case 'finish':
        this.phaseValue = 'finished';
        if (!this.saidBye) {
          this.saidBye = true;
          for (const p of this.peers) if (p.view.state !== 'lost' && p.view.state !== 'failed') this.send(p, { v: 1, t: 'bye' });
        }
        break;
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  status(now: number): ClusterStatus {
    const running = this.live('running');
    const took = this.peers.filter((p) => p.view.sliceIndex !== undefined);
    const sum = (peers: Peer[], k: keyof EngineProgress) => peers.reduce((n, p) => n + p.view.status[k], 0);
    return {
      phase: this.phaseValue,
      elapsedMs: this.startedAtMs === undefined ? 0 : Math.max(0, now - this.startedAtMs),
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

  /** Live progress at `now`: the interval that ended half an interval ago (runners' snapshots for it are in). */
  progress(now: number): ProgressState | undefined {
    const rc = this.collectorRef;
    if (!rc || this.startedAtMs === undefined) return undefined;
    const elapsed = now - this.startedAtMs;
    if (elapsed < 0) return undefined;
    const st = this.status(now);
    const taking = this.peers.filter((p) => p.view.sliceIndex !== undefined);
    const saturated = taking.find((p) => p.view.state === 'running' && p.health?.saturated);
    const first = saturated ?? taking.find((p) => p.view.state === 'running' && p.health);
    return rc.progress({
      now,
      status: { elapsedMs: elapsed, totalMs: this.plannedMs, active: st.users.active, target: st.users.target, iterations: st.iterations, errors: st.errors, dropped: st.dropped },
      intervalIndex: Math.floor((elapsed - 500) / rc.intervalMs) - 1,
      health: first?.health ? `${first.view.id}: ${first.health.line}` : undefined,
      saturated: saturated !== undefined,
      runners: { live: this.live('running').length, total: taking.length },
    });
  }

  /** Who took part, their merged health and versions, and whether the run fell short. */
  summary(): ClusterSummary {
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

  // -------------------------------------------------------------------------------------------------------------
  // Admission and messages.

  private onHello(input: Extract<CollectorInput, { t: 'hello' }>): void {
    const { conn, hello } = input;
    let reason: string | undefined;
    if (!verifyProof(this.opts.token, 'runner', input.nonce, hello.proof)) reason = 'authentication failed: wrong token';
    else if (this.phaseValue !== 'waiting') reason = 'this run has already started; it takes no more runners';
    else if (this.opts.maxRunners !== undefined && this.live('joined').length >= this.opts.maxRunners) reason = `this run is full (${this.opts.maxRunners} runners)`;
    if (reason) {
      this.log(`refused ${input.address}: ${reason}`);
      this.out.push({ t: 'refuse', conn, reason, code: 1008 });
      this.emit({ type: 'rejected', address: input.address, reason });
      return;
    }
    const peer: Peer = {
      view: {
        id: `r${this.nextId++}`,
        name: hello.name,
        host: hello.host,
        pid: hello.pid,
        capacity: hello.capacity,
        address: input.address,
        state: 'joined',
        sliceIndex: undefined,
        lostAt: undefined,
        lostReason: undefined,
        status: { ...EMPTY_STATUS },
        snapshots: 0,
      },
      lastSeen: input.now,
      lastPing: 0,
      nextSeq: 0,
      runStartedAt: undefined,
      lastInterval: undefined,
      reportedIterations: 0,
      extraAssigned: 0,
      health: undefined,
      done: undefined,
      versions: hello.versions,
      lite: hello.lite,
      parts: undefined,
      extraParts: { browser: 0, lite: [] },
      reportedByPart: new Map(),
    };
    this.peers.push(peer);
    this.out.push({ t: 'admit', conn, runner: peer.view.id });
    this.send(peer, {
      v: 1,
      t: 'welcome',
      runnerId: peer.view.id,
      proof: proofFor(this.opts.token, 'collector', hello.nonce),
      heartbeatMs: this.opts.heartbeatMs,
      silenceMs: this.opts.silenceMs,
    });
    this.log(`runner ${peer.view.id} joined: ${hello.name} on ${hello.host} (pid ${hello.pid}, capacity ${hello.capacity}${hello.lite ? `, lite capacity ${hello.lite.capacity} on ${hello.lite.workers} workers` : ''}) from ${input.address}`);
    this.emit({ type: 'joined', runner: { ...peer.view } });
  }

  private onMessage(peer: Peer, msg: RunnerMessage): void {
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
        return;
      case 'failed':
        if (v.state !== 'assigned') throw new ProtocolError(`failed while ${v.state}`);
        this.fail(peer, msg.message);
        return;
      case 'snapshot':
        // A snapshot that crossed our `bye` or our decision that this runner is done: nothing more to merge.
        if (v.state === 'done') return;
        this.onInterval(peer, msg);
        return;
      case 'done':
        if (v.state !== 'running') throw new ProtocolError(`done while ${v.state}`);
        if (msg.lastSeq !== peer.nextSeq - 1) this.log(`runner ${v.id}: says its last snapshot was #${msg.lastSeq}, but #${peer.nextSeq - 1} arrived last`);
        peer.done = { outcome: msg.outcome, health: msg.health, versions: msg.versions };
        v.state = 'done';
        v.status = { ...v.status, active: 0, target: 0 };
        this.emit({ type: 'done', runner: { ...v } });
        return;
    }
  }

  private onInterval(peer: Peer, msg: Extract<RunnerMessage, { t: 'snapshot' }>): void {
    const rc = this.collectorRef;
    if (peer.view.state !== 'running' || !rc || this.startedAtMs === undefined) throw new ProtocolError(`snapshot while ${peer.view.state}`);
    if (msg.seq !== peer.nextSeq) throw new ProtocolError(`snapshot #${msg.seq} out of order (expected #${peer.nextSeq})`);
    if (peer.runStartedAt !== undefined && msg.runStartedAt !== peer.runStartedAt) throw new ProtocolError('snapshot: runStartedAt changed mid-run');
    const rebased = rebaseInterval(msg.snapshot, msg.runStartedAt, this.startedAtMs);
    try {
      rc.add(rebased, msg.part === undefined ? peer.view.id : `${peer.view.id}/${msg.part}`); // atomic: throws before changing anything
    } catch (err) {
      throw new ProtocolError(`snapshot #${msg.seq} refused: ${err instanceof Error ? err.message : String(err)}`);
    }
    peer.runStartedAt = msg.runStartedAt;
    peer.nextSeq++;
    peer.view.snapshots++;
    peer.lastInterval = rebased;
    peer.view.status = msg.status;
    if (msg.health) peer.health = msg.health;
    const part = msg.part ?? 'browser';
    for (const c of msg.snapshot.counters) {
      if (c.name === 'iterations' && (c.labels.result === 'ok' || c.labels.result === 'error')) {
        peer.reportedIterations += c.value;
        peer.reportedByPart.set(part, (peer.reportedByPart.get(part) ?? 0) + c.value);
      }
    }
    this.out.push({ t: 'merged', runner: peer.view.id, snapshot: msg.snapshot, rebased });
  }

  private violation(peer: Peer, message: string, closeCode: number, now: number): void {
    this.send(peer, { v: 1, t: 'error', message: message.slice(0, 2_000) });
    this.out.push({ t: 'close', runner: peer.view.id, code: closeCode, reason: message });
    this.lose(peer, `protocol error: ${message}`, now);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Commands.

  private assign(plan: AssignPlan): void {
    if (this.phaseValue !== 'waiting') throw new Error('Collector.assign: already assigned');
    this.phaseValue = 'assigning';
    this.plan = plan;
    const message: CollectorMessage = { v: 1, t: 'assign', ...plan };
    for (const p of this.live('joined')) {
      p.view.state = 'assigned';
      this.send(p, message); // one object for all: the adapter encodes it once
    }
  }

  private start(delay: number, onRunnerLoss: OnRunnerLoss, now: number): void {
    if (this.phaseValue !== 'assigning' || !this.plan) throw new Error('Collector.start: assign first');
    const ready = this.live('ready');
    if (ready.length === 0) throw new Error('Collector.start: no runner is ready');
    this.onRunnerLoss = onRunnerLoss;
    this.startedAtMs = now + delay;
    this.plannedMs = totalDurationMs(this.plan.profile);
    this.collectorRef = new RunCollector({ startedAt: this.startedAtMs });
    if (this.plan.mix) {
      // Browser users dealt by browser capacity, lite users by lite capacity, over every runner's parts (plan.ts).
      const deal = dealParts(this.plan, ready.map((p) => ({ capacity: p.view.capacity, lite: p.lite })));
      this.weights = deal.weights;
      ready.forEach((p, i) => {
        const part = deal.parts[i] as (typeof deal.parts)[number];
        p.view.sliceIndex = i;
        p.view.state = 'running';
        p.parts = { browser: part.browser, lite: [...part.lite] };
        p.extraParts = { browser: 0, lite: part.lite.map(() => 0) };
        const parts = { browser: part.browser ?? null, lite: part.lite };
        this.send(p, { v: 1, t: 'start', inMs: delay, weights: this.weights, index: part.browser ?? part.lite[0] ?? 0, extraUsers: 0, parts });
      });
    } else {
      const slices = assignSlices(ready.map((p) => p.view));
      this.weights = slices.weights;
      for (const p of ready) {
        const index = slices.index.get(p.view.id) as number;
        p.view.sliceIndex = index;
        p.view.state = 'running';
        p.extraAssigned = signedShare(this.weights, index, this.extraUsers);
        this.send(p, { v: 1, t: 'start', inMs: delay, weights: this.weights, index, extraUsers: p.extraAssigned });
      }
    }
    this.phaseValue = 'running';
  }

  private addUsers(delta: number): void {
    if (!Number.isSafeInteger(delta)) throw new RangeError(`delta must be a whole number, got ${delta}`);
    if (this.phaseValue !== 'running' || !this.plan) throw new Error('the run is not running');
    if (this.plan.profile.kind === 'arrival') throw new Error('adding users applies to user-based profiles, not to --arrival-rate');
    this.extraUsers += delta;
    this.spreadExtraUsers();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Faults.

  private checkHeartbeats(now: number): void {
    for (const p of this.peers) {
      if (FINAL.has(p.view.state)) continue;
      const silent = now - p.lastSeen;
      if (silent > this.opts.silenceMs) {
        this.lose(p, `silent for ${silent} ms (no heartbeat)`, now);
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
    this.out.push({ t: 'close', runner: peer.view.id, code: 1000, reason: 'failed' });
    this.emit({ type: 'failed', runner: { ...peer.view }, message });
  }

  private lose(peer: Peer, reason: string, now: number): void {
    const prev = peer.view.state;
    if (FINAL.has(prev)) return;
    peer.view.state = 'lost';
    peer.view.lostAt = now;
    peer.view.lostReason = reason;
    this.out.push({ t: 'terminate', runner: peer.view.id });
    if (prev === 'running') this.onLostWhileRunning(peer, reason, now);
    else this.log(`runner ${peer.view.id} left before the start: ${reason}`);
    this.emit({ type: 'lost', runner: { ...peer.view }, reason });
  }

  private onLostWhileRunning(peer: Peer, reason: string, now: number): void {
    const rc = this.collectorRef as RunCollector;
    const at = this.startedAtMs === undefined ? 0 : (now - this.startedAtMs) / 1000;
    const survivors = this.live('running');
    const users = peer.view.status.target;
    const what = `runner ${peer.view.id} (${peer.view.name} on ${peer.view.host}) lost at ${at.toFixed(1)} s: ${reason}`;
    const keepShares = this.onRunnerLoss === 'continue';
    // The re-deal is worked out first so the message says what is actually done.
    const redeal = survivors.length > 0 && !keepShares && this.plan?.mix ? this.redealFor(survivors) : undefined;
    const reassigned = `its share (${users} users) was re-assigned to ${survivors.length} surviving runner${survivors.length === 1 ? '' : 's'}`;
    let consequence: string;
    if (survivors.length === 0) consequence = 'no runner is left';
    else if (keepShares) consequence = `its share (${users} users) was not replaced (--on-runner-loss continue)`;
    else if (redeal && !redeal.deal) consequence = `its share (${users} users) was not replaced: the survivors' parts cannot take it`;
    else if (redeal?.deal && redeal.deal.unowned.length > 0) consequence = `${reassigned}, except its ${redeal.deal.unowned.join(' and ')} users: no runner left runs ${redeal.deal.unowned.join(' or ')} users`;
    else consequence = reassigned;
    const message = `${what}; ${consequence}; the ${peer.view.snapshots} snapshot${peer.view.snapshots === 1 ? '' : 's'} (${peer.reportedIterations} iterations) it reported before are kept`;
    this.log(message);
    this.clusterErrors.error('cluster.runner_lost', message, { runner: peer.view.id, host: peer.view.host });
    try {
      rc.add({ ...this.clusterErrors.takeInterval(now), from: now, to: now }, 'collector');
      // At (or after) its last reading, so this one is its latest; every part of the runner (lite workers) too.
      const at = Math.max(now, peer.lastInterval?.to ?? now);
      for (const source of rc.sourcesOf(peer.view.id)) rc.add(zeroGauges(rc.lastOf(source), at), source);
    } catch {
      // Only a clock far outside the run could make these implausible; the loss is still in meta.runners.
    }
    if (survivors.length > 0 && keepShares) this.shortfall.push(`${peer.view.id} lost; the run continued without its share`);
    if (survivors.length > 0 && !keepShares) {
      if (redeal) this.rebalanceParts(redeal, peer.view.id);
      else this.rebalance(survivors);
    }
  }

  /** The survivors in slice order and the re-deal of the plan's parts over them (undefined: it cannot be done). */
  private redealFor(survivors: Peer[]): { ordered: Peer[]; deal: PartRedeal | undefined } {
    const ordered = [...survivors].sort((a, b) => (a.view.sliceIndex ?? 0) - (b.view.sliceIndex ?? 0));
    const holders = ordered.map((p) => {
      const parts = p.parts ?? { browser: undefined, lite: [] };
      return { capacity: p.view.capacity, lite: p.lite, holds: { browser: parts.browser !== undefined, liteWorkers: parts.lite.length } };
    });
    return { ordered, deal: redealParts(this.plan as AssignPlan, holders) };
  }

  /**
   * Runs with lite users: the whole load dealt again over the survivors' parts (plan.ts redealParts) — browser
   * users by browser capacity over the runners that run browser users, lite users by lite capacity over those
   * with lite workers — with each part's iteration budget and extra users. A runner keeps the parts it has (its
   * worker processes were forked at the start), so a kind of user no survivor runs stays unrun, and says so.
   */
  private rebalanceParts({ ordered, deal }: { ordered: Peer[]; deal: PartRedeal | undefined }, lostId: string): void {
    const plan = this.plan as AssignPlan;
    if (!deal) {
      this.shortfall.push(`${lostId} lost; the run continued without its share`);
      return;
    }
    if (deal.unowned.length > 0) this.shortfall.push(`${lostId} lost; no runner left runs ${deal.unowned.join(' or ')} users, so its ${deal.unowned.join(' and ')} users were not replaced`);
    this.weights = deal.weights;
    const total = plan.profile.iterations;
    // Per part, in the survivors' order: what each part has done, and its weight now.
    const owed = ordered.flatMap((p, i) => {
      const part = deal.parts[i] as (typeof deal.parts)[number];
      return [
        ...(part.browser === undefined ? [] : [{ weight: deal.weights[part.browser] as number, reported: p.reportedByPart.get('browser') ?? 0 }]),
        ...part.lite.map((index, k) => ({ weight: deal.weights[index] as number, reported: p.reportedByPart.get(`lite-${k}`) ?? 0 })),
      ];
    });
    // An unowned part keeps its share of what is still owed (its users stay unrun, so do their iterations): the
    // budget follows the users instead of moving to the other kind. Its budget, last in the list, is not sent.
    const unowned = deal.unowned.map((_, k) => ({ weight: deal.weights[deal.weights.length - deal.unowned.length + k] as number, reported: 0 }));
    const budgets = total === undefined ? undefined : iterationBudgets(total, [...owed, ...unowned], this.peers.reduce((n, p) => n + p.reportedIterations, 0));
    let next = 0;
    const budgetOf = (index: number) => (budgets ? { index, iterations: budgets[next++] as number } : { index });
    ordered.forEach((p, i) => {
      const part = deal.parts[i] as (typeof deal.parts)[number];
      p.view.sliceIndex = i;
      p.parts = { browser: part.browser, lite: [...part.lite] };
      const browser = part.browser === undefined ? null : budgetOf(part.browser);
      const lite = part.lite.map((index) => budgetOf(index));
      this.send(p, { v: 1, t: 'reslice', weights: this.weights, index: part.browser ?? part.lite[0] ?? 0, parts: { browser, lite } });
    });
    if (plan.profile.kind !== 'arrival') this.spreadExtraUsers();
    this.emit({ type: 'rebalanced', weights: [...this.weights], survivors: ordered.map((p) => p.view.id) });
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
      if (p.parts) {
        this.spreadExtraParts(p, p.parts);
        continue;
      }
      const want = signedShare(this.weights, p.view.sliceIndex as number, this.extraUsers);
      const delta = want - p.extraAssigned;
      if (delta !== 0) {
        p.extraAssigned = want;
        this.send(p, { v: 1, t: 'users', delta });
      }
    }
  }

  /** Runs with lite users: extra users are dealt over every part by its weight, like the schedule's users. */
  private spreadExtraParts(p: Peer, parts: NonNullable<Peer['parts']>): void {
    const share = (index: number | undefined) => (index === undefined ? 0 : signedShare(this.weights, index, this.extraUsers));
    const browser = share(parts.browser);
    const lite = parts.lite.map((index) => share(index));
    const browserDelta = browser - p.extraParts.browser;
    const liteDeltas = lite.map((n, k) => n - (p.extraParts.lite[k] ?? 0));
    p.extraParts = { browser, lite };
    p.extraAssigned = browser + lite.reduce((a, b) => a + b, 0);
    if (browserDelta !== 0 || liteDeltas.some((d) => d !== 0)) this.send(p, { v: 1, t: 'users', delta: browserDelta, ...(parts.lite.length > 0 ? { lite: liteDeltas } : {}) });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Plumbing.

  private peer(id: string): Peer | undefined {
    return this.peers.find((p) => p.view.id === id);
  }

  private live(state: RunnerState): Peer[] {
    return this.peers.filter((p) => p.view.state === state);
  }

  private send(peer: Peer, message: CollectorMessage): void {
    this.out.push({ t: 'send', runner: peer.view.id, message });
  }

  private log(line: string): void {
    this.out.push({ t: 'log', line });
  }

  private emit(event: CollectorEvent): void {
    this.out.push({ t: 'event', event });
  }
}
