/**
 * A runner's side of one connection to a collector, as a state machine (no sockets, timers or clocks: every input
 * says when it happened). The adapter (runner.ts) feeds it frames, ticks and the outcomes of the slow work it was
 * asked to do (prepare the scenario, run the slice) and carries out the effects it returns.
 *
 * Phases: challenge → welcome → idle → preparing → ready → running → closing (done sent, waiting for bye), or
 * running → orphaned (the collector was lost: the run winds down on its own and writes partial results).
 * - Before it has work, a lost or misbehaving collector means dialling again (`end: retry`).
 * - A refusal ends the runner (`end: final`), except a "busy, retry" one during the handshake.
 * - Mutual authentication: nothing but a challenge and a welcome is accepted before the collector proved it
 *   knows the token.
 * - While running, a lost collector (closed, silent for its `silenceMs`, a violation, an early bye) tells the run
 *   to stop (`collector-lost`); the run, not the connection, decides how the runner ends.
 */
import { proofFor, verifyProof } from './auth.js';
import { ProtocolError, LIMITS, type CollectorMessage, type RunnerMessage } from './protocol.js';

export type RunnerPhase = 'challenge' | 'welcome' | 'idle' | 'preparing' | 'ready' | 'running' | 'closing' | 'orphaned' | 'ended';

export interface RunnerIdentity {
  name: string;
  host: string;
  pid: number;
  capacity: number;
  lite?: { capacity: number; workers: number } | undefined;
  versions: Record<string, string>;
}

export type RunnerInput =
  | { t: 'message'; msg: CollectorMessage; now: number }
  | { t: 'bad-frame'; error: string; closeCode: number; now: number }
  /** The connection closed (or failed): `reason` says how. */
  | { t: 'closed'; reason: string; now: number }
  /** Heartbeat (the adapter's timer, at the welcome's pace): a ping, or the collector was silent too long. */
  | { t: 'tick'; now: number }
  | { t: 'handshake-timeout'; now: number }
  | { t: 'idle-timeout'; now: number }
  /** The slow work asked for by `prepare` is over. */
  | { t: 'prepared'; now: number }
  | { t: 'prepare-failed'; message: string; now: number }
  /** The run sent its final report (`done`): wait for bye. */
  | { t: 'sent-done'; now: number }
  /** SIGINT/SIGTERM on the runner. */
  | { t: 'signal'; now: number };

export type SessionEnd = { kind: 'retry'; reason: string } | { kind: 'final'; exitCode: 0 | 2; reason: string };

export type RunnerEffect =
  | { t: 'send'; message: RunnerMessage }
  /** Close the connection with `code` (after what was sent), or cut it at once (`code` undefined). */
  | { t: 'disconnect'; code?: number }
  | { t: 'log'; line: string }
  /** Load the scenario and launch the browser (then feed `prepared` or `prepare-failed`). */
  | { t: 'prepare'; assign: Extract<CollectorMessage, { t: 'assign' }> }
  /** Release what `prepare` set up (the session ends before a run). */
  | { t: 'release' }
  | { t: 'start'; start: Extract<CollectorMessage, { t: 'start' }> }
  /** `lite`: per lite worker, in runs with lite users. */
  | { t: 'users'; delta: number; lite?: number[] }
  /** `parts`: the browser part and each lite worker's, in runs with lite users. */
  | { t: 'reslice'; weights: number[]; index: number; iterations: number | undefined; parts?: ResliceParts }
  | { t: 'stop'; reason: string }
  | { t: 'collector-lost'; reason: string }
  /** The session is over: a final result, or dial again. Only ever once. */
  | { t: 'end'; end: SessionEnd }
  /** Bye arrived (or the connection went) after `done`: the run may finish. */
  | { t: 'bye' }
  /** The welcome settled the heartbeat: ping every `heartbeatMs`. */
  | { t: 'welcomed'; runnerId: string; heartbeatMs: number; silenceMs: number };

export type ResliceParts = NonNullable<Extract<CollectorMessage, { t: 'reslice' }>['parts']>;

export class RunnerMachine {
  private phaseValue: RunnerPhase = 'challenge';
  private lastSeen: number;
  private silenceMs = 2_500;
  private out: RunnerEffect[] = [];
  private runnerId = '?';

  constructor(
    private readonly token: string,
    /** This runner's nonce: the collector's welcome must prove the token against it. */
    private readonly nonce: string,
    private readonly identity: RunnerIdentity,
    now: number,
  ) {
    this.lastSeen = now;
  }

  get phase(): RunnerPhase {
    return this.phaseValue;
  }

  get id(): string {
    return this.runnerId;
  }

  /** Frames the size cap depends on: small ones until the collector has proved itself. */
  get frameCap(): number {
    return this.phaseValue === 'challenge' || this.phaseValue === 'welcome' ? LIMITS.handshakeBytes : LIMITS.collectorFrameBytes;
  }

  step(input: RunnerInput): RunnerEffect[] {
    this.out = [];
    if (this.phaseValue === 'ended') return [];
    switch (input.t) {
      case 'message':
        if (this.phaseValue === 'orphaned') break;
        this.lastSeen = input.now;
        try {
          this.onMessage(input.msg);
        } catch (err) {
          this.violation(err instanceof Error ? err.message : String(err), err instanceof ProtocolError ? err.closeCode : 1008);
        }
        break;
      case 'bad-frame':
        if (this.phaseValue !== 'orphaned') this.violation(input.error, input.closeCode);
        break;
      case 'closed':
        this.connectionGone(input.reason);
        break;
      case 'tick':
        if (this.phaseValue === 'challenge' || this.phaseValue === 'welcome' || this.phaseValue === 'orphaned') break;
        if (input.now - this.lastSeen > this.silenceMs) {
          this.out.push({ t: 'disconnect' });
          this.connectionGone(`collector silent for ${input.now - this.lastSeen} ms`);
        } else {
          // The adapter ticks at the heartbeat's pace: every tick is a ping.
          this.send({ v: 1, t: 'ping', at: input.now });
        }
        break;
      case 'handshake-timeout':
        if (this.phaseValue === 'challenge' || this.phaseValue === 'welcome') {
          this.out.push({ t: 'disconnect' });
          this.end({ kind: 'retry', reason: 'no handshake from the collector in time' });
        }
        break;
      case 'idle-timeout':
        if (this.phaseValue === 'idle') {
          this.log('idle without work: shutting down');
          this.out.push({ t: 'disconnect', code: 1000 });
          this.end({ kind: 'final', exitCode: 0, reason: 'idle shutdown' });
        }
        break;
      case 'prepared':
        if (this.phaseValue !== 'preparing') {
          this.out.push({ t: 'release' }); // the session ended while preparing
          break;
        }
        this.phaseValue = 'ready';
        this.send({ v: 1, t: 'ready' });
        break;
      case 'prepare-failed':
        if (this.phaseValue !== 'preparing') break;
        this.log(`cannot run the assigned scenario: ${input.message}`);
        this.send({ v: 1, t: 'failed', message: input.message.slice(0, LIMITS.maxReasonLength) });
        this.end({ kind: 'final', exitCode: 2, reason: `could not prepare: ${input.message}` });
        break;
      case 'sent-done':
        if (this.phaseValue === 'running') this.phaseValue = 'closing';
        break;
      case 'signal':
        if (this.phaseValue === 'running' || this.phaseValue === 'closing' || this.phaseValue === 'orphaned') {
          this.out.push({ t: 'stop', reason: 'runner stopped by signal' });
          break;
        }
        if (this.phaseValue !== 'challenge' && this.phaseValue !== 'welcome') this.send({ v: 1, t: 'error', message: 'runner stopped by signal' });
        this.out.push({ t: 'release' }, { t: 'disconnect' });
        this.end({ kind: 'final', exitCode: 0, reason: 'stopped by signal before the run' });
        break;
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  private onMessage(msg: CollectorMessage): void {
    const phase = this.phaseValue;
    if (msg.t === 'reject' && msg.retry && (phase === 'challenge' || phase === 'welcome')) {
      // Busy, not refused: dial again (with back-off) within --connect-timeout.
      this.out.push({ t: 'disconnect' });
      this.end({ kind: 'retry', reason: `the collector is busy: ${msg.reason}` });
      return;
    }
    if (phase === 'challenge') {
      if (msg.t === 'reject') return this.rejected(msg.reason);
      if (msg.t !== 'challenge') throw new ProtocolError(`expected a challenge first, got ${msg.t}`);
      const id = this.identity;
      this.send({
        v: 1,
        t: 'hello',
        name: id.name.slice(0, LIMITS.maxNameLength),
        host: id.host.slice(0, LIMITS.maxNameLength),
        pid: id.pid,
        capacity: id.capacity,
        ...(id.lite ? { lite: id.lite } : {}),
        nonce: this.nonce,
        proof: proofFor(this.token, 'runner', msg.nonce),
        versions: id.versions,
      });
      this.phaseValue = 'welcome';
      return;
    }
    if (phase === 'welcome') {
      if (msg.t === 'reject') return this.rejected(msg.reason);
      if (msg.t !== 'welcome') throw new ProtocolError(`expected welcome, got ${msg.t}`);
      // Mutual authentication: nothing from this peer runs here unless it knows the token too.
      if (!verifyProof(this.token, 'collector', this.nonce, msg.proof)) throw new ProtocolError('the collector could not prove it knows the token');
      this.runnerId = msg.runnerId;
      this.silenceMs = msg.silenceMs;
      this.phaseValue = 'idle';
      this.out.push({ t: 'welcomed', runnerId: msg.runnerId, heartbeatMs: msg.heartbeatMs, silenceMs: msg.silenceMs });
      return;
    }
    switch (msg.t) {
      case 'ping':
        return;
      case 'error':
        this.log(`collector reported: ${msg.message}`);
        return;
      case 'challenge':
      case 'welcome':
        throw new ProtocolError(`${msg.t} after the handshake`);
      case 'reject':
        return this.rejected(msg.reason);
      case 'assign':
        if (phase !== 'idle') throw new ProtocolError(`assign while ${phase}`);
        this.phaseValue = 'preparing';
        this.out.push({ t: 'prepare', assign: msg });
        return;
      case 'start':
        if (phase !== 'ready') throw new ProtocolError(`start while ${phase}`);
        this.phaseValue = 'running';
        this.out.push({ t: 'start', start: msg });
        return;
      case 'users':
        if (phase !== 'running') throw new ProtocolError(`users while ${phase}`);
        this.out.push({ t: 'users', delta: msg.delta, ...(msg.lite ? { lite: msg.lite } : {}) });
        return;
      case 'reslice':
        if (phase !== 'running') throw new ProtocolError(`reslice while ${phase}`);
        this.out.push({ t: 'reslice', weights: msg.weights, index: msg.index, iterations: msg.iterations, ...(msg.parts ? { parts: msg.parts } : {}) });
        return;
      case 'stop':
        if (phase === 'running' || phase === 'closing') {
          this.out.push({ t: 'stop', reason: msg.reason });
          return;
        }
        this.out.push({ t: 'disconnect' });
        this.connectionGone(`collector stopped the run before it started: ${msg.reason}`);
        return;
      case 'bye':
        if (phase === 'closing') {
          this.out.push({ t: 'bye' });
          return;
        }
        if (phase === 'running') return this.connectionGone('the collector ended the run before this runner finished');
        this.out.push({ t: 'release' }, { t: 'disconnect', code: 1000 });
        this.end({ kind: 'final', exitCode: phase === 'idle' ? 0 : 2, reason: 'the collector said goodbye before any run' });
        return;
    }
  }

  /** The connection is gone (or must go): what that means depends on how far this session got. */
  private connectionGone(reason: string): void {
    const phase = this.phaseValue;
    if (phase === 'orphaned') return;
    if (phase === 'closing') {
      this.out.push({ t: 'bye' }); // done was sent: the collector has everything
      return;
    }
    if (phase === 'running') {
      this.out.push({ t: 'collector-lost', reason });
      this.phaseValue = 'orphaned'; // the run ends the session; later losses say nothing new
      return;
    }
    this.out.push({ t: 'release' });
    this.end({ kind: 'retry', reason });
  }

  private violation(message: string, code: number): void {
    this.log(`protocol error from the collector: ${message}`);
    this.send({ v: 1, t: 'error', message: message.slice(0, LIMITS.maxReasonLength) });
    this.out.push({ t: 'disconnect', code });
    this.connectionGone(`protocol error: ${message}`);
  }

  private rejected(reason: string): void {
    this.log(`the collector refused this runner: ${reason}`);
    this.out.push({ t: 'release' }, { t: 'disconnect' });
    this.end({ kind: 'final', exitCode: 2, reason: `refused by the collector: ${reason}` });
  }

  private end(end: SessionEnd): void {
    this.phaseValue = 'ended';
    this.out.push({ t: 'end', end });
  }

  private send(message: RunnerMessage): void {
    this.out.push({ t: 'send', message });
  }

  private log(line: string): void {
    this.out.push({ t: 'log', line });
  }
}
