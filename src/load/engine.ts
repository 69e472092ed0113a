/**
 * The load engine: runs scenario users by a load profile against a browser pool, one context per user, and
 * emits an interval of all metrics every second. The same engine runs single-machine runs and each
 * remote runner's slice (src/cluster).
 *
 * Closed models (users, ramp, stages) keep N user loops alive; each loop runs iterations back to back on one
 * reused context. The open model (arrival rate) starts iterations on a fixed schedule whatever the app's
 * latency; arrivals beyond maxInFlight are dropped and counted, never delayed (no coordinated omission), and
 * iteration time is measured from the scheduled start.
 */
import type { Scenario, InputMode, User, ThrottleSpec, Throttle } from '../scenario/define.js';
import { VerbError, type VerbRecorder } from '../scenario/verbs.js';
import type { Labels, Interval, VariantSegment } from '../metrics/model.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { recordObservation } from '../metrics/record.js';
import { withLabels, type LabelledRecorder } from '../metrics/labelled.js';
import { arrivalsDue, globalIndex, targetUsersAt, totalDurationMs, splitVariants, type LoadProfile } from './profile.js';
import { createThrottle } from './throttle.js';
import { ITERATION_BACKOFF, backoffDelay } from './backoff.js';
import { SEGMENT_STOP_MARGIN_MS, segmentAt } from './sequential.js';
import type { Feeder } from '../scenario/feeder.js';
import { browserDriver, isTargetClosed, type LeaseSource } from '../browser/driver.js';
import type { UserDriver, UserSession } from '../scenario/driver.js';
import { ConnectedSpanRecorder, type ConnectedSample } from '../server-metrics/pairing.js';
import pLimit from 'p-limit';
import { availableParallelism } from 'node:os';

export type { LeaseSource } from '../browser/driver.js';

export interface EngineConfig {
  scenario: Scenario<unknown>;
  profile: LoadProfile;
  target: string;
  /** Browser users from a pool (BrowserPool), or `driver` for any kind of user (src/scenario/driver.ts). */
  leases?: LeaseSource;
  driver?: UserDriver;
  /** Run-wide throttles shared with other engines of the run (lite workers use the parent's); default: own ones. */
  throttles?: ReadonlyMap<string, Throttle>;
  registry: MetricsRegistry;
  feeder: Feeder;
  setupData: unknown;
  input: InputMode;
  actionTimeoutMs: number;
  abortOnError: boolean;
  /**
   * Distributed runs: this runner's user ids are offset + k × stride, so ids are unique across runners; or
   * 'global': the run-wide ids of this slice's users (globalIndex), numbered as a single-machine run would.
   */
  userIds?: { offset: number; stride: number } | 'global';
  intervalMs?: number;
  /** Called just before each interval (health sampling writes its gauges here). */
  beforeInterval?: () => void;
  onInterval: (snapshot: Interval) => void;
  /** Visual checkpoints (u.snapshot); without it u.snapshot explains how to enable visual checks. */
  visual?: (u: User<unknown>, name: string, opts: Parameters<User['snapshot']>[1]) => Promise<void>;
  /** The LiveView client version a page reported (`liveSocket.version()`), once per distinct value. */
  onClientVersion?: (version: string) => void;
  log?: (line: string) => void;
  /**
   * Sequential variants (src/load/sequential.ts): a user runs the variant whose segment it started in, instead
   * of the interleaved split by user id.
   */
  sequential?: readonly VariantSegment[];
  /**
   * Distributed runners: record when the count of connected views was settled (polled every SPAN_POLL_MS) and
   * send the spans in each snapshot, so the collector can pair its server scrapes with exact counts.
   */
  connectedSpans?: boolean;
  /**
   * After the graceful stop has aborted what was still running, how long those iterations get to wind down (an
   * action already waiting for its reply may still get it) before the engine gives up on them. Default 5 s.
   */
  windDownMs?: number;
}

/** An iteration in progress; `cut` once the graceful stop aborted it, `abandoned` once the engine gave up on it. */
interface RunningIteration {
  /** Records for the iteration; silent once it is abandoned. */
  recorder: LabelledRecorder;
  /** The same, never muted: how the engine counts the abandoned iteration itself. */
  unmuted: LabelledRecorder;
  cut: boolean;
  abandoned: boolean;
  /** The session's observation gate, closed with the iteration when it is abandoned. */
  gate: RecorderGate | undefined;
}

/** Shuts a recorder up: a late reply of an abandoned iteration must not land after the engine's last interval. */
interface RecorderGate {
  muted: boolean;
}

function gated(rec: LabelledRecorder, muted: () => boolean): LabelledRecorder {
  return {
    record: (name, labels, value) => {
      if (!muted()) rec.record(name, labels, value);
    },
    recordCorrected: (name, labels, value, expectedIntervalMs) => {
      if (!muted()) rec.recordCorrected(name, labels, value, expectedIntervalMs);
    },
    count: (name, labels, n) => {
      if (!muted()) rec.count(name, labels, n);
    },
    gauge: (name, labels, value) => {
      if (!muted()) rec.gauge(name, labels, value);
    },
    error: (kind, message, context) => {
      if (!muted()) rec.error(kind, message, context);
    },
  };
}

/**
 * How often a runner reads its connection state for the connected spans (src/server-metrics/pairing.ts), which
 * let the collector pair its server scrapes with exact counts of connected LiveViews. A span ends at the last
 * reading that saw its count unchanged, so its error is one-sided: it ends up to this long before the change that
 * closed it, and a scrape in those milliseconds is left out of the memory fit, never paired with a wrong count.
 *
 * A poll, not a feed from the events that change the count, on purpose: the state changes in several places —
 * frames the probe decodes, a navigation a verb starts, a page the engine releases (browser users: spans are read
 * from browser sessions only, and the memory fit refuses runs with lite users) — and a feed would have to say "the
 * old count held until now" at every one of them. One source that forgot to notify would stretch a span over a
 * change and mispair scrapes silently; the poll reads the state itself and cannot miss one. Its cost is a read of
 * each page's state (no I/O) 40 times a second, on runners only.
 */
const SPAN_POLL_MS = 25;

export type EnginePhase = 'idle' | 'running' | 'stopping' | 'done';

export interface EngineStatus {
  phase: EnginePhase;
  elapsedMs: number;
  totalMs: number;
  active: number;
  target: number;
  iterations: number;
  errors: number;
  dropped: number;
}

export interface EngineOutcome {
  iterations: number;
  errors: number;
  dropped: number;
  /** Set when the run ended before the profile did (abort on error, stop(), signal). */
  interrupted: string | undefined;
}

class StopSignal extends Error {
  constructor() {
    super('stopped');
    this.name = 'AbortError';
  }
}

interface UserSlot {
  userId: number;
  /** Finish the current iteration, then leave. */
  retiring: boolean;
  abort: AbortController;
  done: Promise<void>;
  session: UserSession | undefined;
  busy: boolean;
}

export class LoadEngine {
  private phase: EnginePhase = 'idle';
  private startedAt = 0;
  private slots: UserSlot[] = [];
  private nextUser = 0;
  private iterations = 0;
  private iterationStarts = 0;
  private errors = 0;
  private dropped = 0;
  private extraUsers = 0;
  private inFlight = new Set<Promise<void>>();
  private sessions = new Set<UserSession>();
  private readonly probeVariants = new Map<UserSession, string | undefined>();
  private readonly driver: UserDriver;
  /** The registry with this engine's `client` label on everything recorded. */
  private readonly reg: LabelledRecorder;
  /** Sequential variants: the variant each user was given when it started. */
  private readonly userVariants = new Map<number, string>();
  private readonly connectedSeen = new Map<string, Labels>();
  /** Sessions being released: the server may still hold their LiveViews (their sockets close at the end). */
  private releasing = 0;
  /** Connection changes of sessions no longer held, plus release starts and ends (ConnectedSample.changes). */
  private retiredChanges = 0;
  private lastReleaseChangeAt = performance.now();
  private readonly spans: ConnectedSpanRecorder | undefined;
  private interrupted: string | undefined;
  private stopRequested = false;
  private hardAbort = new AbortController();
  private readonly running = new Set<RunningIteration>();
  /** Each open session's observation gate (see RecorderGate). */
  private readonly sessionGates = new WeakMap<UserSession, RecorderGate>();
  /** Aborted when the run starts stopping: ends back-off waits at once. */
  private stopping = new AbortController();
  private throttles = new Map<string, Throttle>();
  private wake: (() => void) | undefined;
  private clientVersions = new Set<string>();
  /** Document loads at once across all users: enough to keep the pipe full, few enough to avoid a herd. */
  private readonly navigationLimit = pLimit(Math.max(4, availableParallelism() * 4));

  constructor(private readonly cfg: EngineConfig) {
    if (cfg.driver) this.driver = cfg.driver;
    else if (cfg.leases) this.driver = browserDriver(cfg.leases);
    else throw new Error('LoadEngine: give leases (a browser pool) or a driver');
    this.reg = withLabels(cfg.registry, { client: this.driver.client });
    if (cfg.connectedSpans) this.spans = new ConnectedSpanRecorder();
    for (const [name, spec] of Object.entries(cfg.scenario.throttles ?? {})) {
      this.throttles.set(name, cfg.throttles?.get(name) ?? createThrottle(spec as ThrottleSpec));
    }
  }

  status(): EngineStatus {
    const elapsedMs = this.phase === 'idle' ? 0 : performance.now() - this.startedAt;
    return {
      phase: this.phase,
      elapsedMs,
      totalMs: totalDurationMs(this.cfg.profile),
      active: this.activeUsers(),
      target: this.currentTarget(elapsedMs),
      iterations: this.iterations,
      errors: this.errors,
      dropped: this.dropped,
    };
  }

  /** Runtime control: add (or remove, negative) users on top of the profile's target. Closed models only. */
  addUsers(delta: number): void {
    if (this.cfg.profile.kind === 'arrival') throw new Error('addUsers applies to user-based profiles, not to --arrival-rate');
    this.extraUsers += delta;
    this.wake?.();
  }

  /**
   * Distributed runs: replace this engine's share of the run, e.g. a new slice after a runner was lost (same
   * model only). The schedule keeps its clock: closed models move to the new target at the next tick; the open
   * model deals the next arrivals by the new weights.
   */
  reslice(profile: LoadProfile): void {
    if (profile.kind !== this.cfg.profile.kind) throw new Error(`reslice: a ${profile.kind} profile cannot replace a ${this.cfg.profile.kind} one`);
    this.cfg.profile = profile;
    this.wake?.();
  }

  /** Graceful stop: running iterations may finish within the profile's gracefulStop, then are aborted. */
  stop(reason: string): void {
    if (!this.interrupted) this.interrupted = reason;
    this.stopRequested = true;
    this.stopping.abort();
    this.wake?.();
  }

  async run(): Promise<EngineOutcome> {
    if (this.phase !== 'idle') throw new Error('LoadEngine.run() can be called once');
    this.phase = 'running';
    this.startedAt = performance.now();
    const intervalMs = this.cfg.intervalMs ?? 1_000;
    const ticker = setInterval(() => this.emitInterval(), intervalMs);
    const spanPoll = this.spans ? setInterval(() => this.spans?.observe(this.connectedSample(), Date.now()), SPAN_POLL_MS) : undefined;
    try {
      if (this.cfg.profile.kind === 'arrival') await this.runOpen();
      else await this.runClosed();
      this.phase = 'stopping';
      await this.drain();
    } finally {
      clearInterval(ticker);
      clearInterval(spanPoll);
      this.phase = 'done';
      this.emitInterval();
    }
    return { iterations: this.iterations, errors: this.errors, dropped: this.dropped, interrupted: this.interrupted };
  }

  private currentTarget(elapsedMs: number): number {
    if (this.cfg.profile.kind === 'arrival') return this.inFlight.size;
    return Math.max(0, targetUsersAt(this.cfg.profile, elapsedMs) + this.extraUsers);
  }

  private activeUsers(): number {
    if (this.cfg.profile.kind === 'arrival') return this.inFlight.size;
    // A user waiting for its context (the ramp governor paces openings) is targeted, not active yet.
    return this.slots.filter((s) => !s.retiring && s.session !== undefined).length;
  }

  private iterationBudgetLeft(): boolean {
    const limit = this.cfg.profile.iterations;
    return limit === undefined || this.iterationStarts < limit;
  }

  private sleepTick(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async runClosed(): Promise<void> {
    const total = totalDurationMs(this.cfg.profile);
    for (;;) {
      const elapsed = performance.now() - this.startedAt;
      if (this.stopRequested || elapsed >= total) break;
      if (!this.iterationBudgetLeft() && this.slots.every((s) => !s.busy)) break;
      const target = this.currentTarget(elapsed);
      if (this.cfg.sequential) this.endSegments(elapsed);
      const live = this.slots.filter((s) => !s.retiring);
      if (live.length < target && this.iterationBudgetLeft()) {
        for (let i = live.length; i < target; i++) this.spawnUser();
      } else if (live.length > target) {
        // Ramp down: the newest users leave after their current iteration (k6's graceful ramp-down).
        for (const s of live.slice(target)) s.retiring = true;
      }
      await this.sleepTick(100);
    }
  }

  /**
   * Sequential variants: a user still running when its variant's segment is nearly over (ramp-down and settle
   * gap spent but SEGMENT_STOP_MARGIN_MS) is stopped, so no variant's traffic spills into the next one's segment.
   */
  private endSegments(elapsed: number): void {
    for (const slot of this.slots) {
      const variant = this.userVariants.get(slot.userId);
      const seg = this.cfg.sequential?.find((s) => s.variant === variant);
      if (seg && elapsed >= seg.endMs - SEGMENT_STOP_MARGIN_MS && !slot.abort.signal.aborted) {
        slot.retiring = true;
        slot.abort.abort();
      }
    }
  }

  private async runOpen(): Promise<void> {
    let last = 0;
    for (;;) {
      const profile = this.cfg.profile; // re-read: reslice() may replace it
      if (profile.kind !== 'arrival') return;
      const total = totalDurationMs(profile);
      const now = performance.now() - this.startedAt;
      const upTo = Math.min(now, total);
      const due = arrivalsDue(profile, last, upTo);
      last = upTo;
      for (let i = 0; i < due; i++) {
        if (!this.iterationBudgetLeft()) break;
        if (this.inFlight.size >= profile.maxInFlight) {
          this.dropped++;
          this.reg.count('iterations', { result: 'dropped' });
          continue;
        }
        const p = this.runArrival(performance.now());
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
      if (this.stopRequested || now >= total || !this.iterationBudgetLeft()) break;
      await this.sleepTick(20);
    }
  }

  private allocateUserId(): number {
    const ids = this.cfg.userIds ?? { offset: 0, stride: 1 };
    if (ids === 'global') return globalIndex(this.cfg.profile, this.nextUser++);
    return ids.offset + this.nextUser++ * ids.stride;
  }

  private spawnUser(): void {
    const slot: UserSlot = { userId: this.allocateUserId(), retiring: false, abort: new AbortController(), done: Promise.resolve(), session: undefined, busy: false };
    this.variantOf(slot.userId); // fixes a sequential user's variant at the moment it starts
    slot.done = this.userLoop(slot).finally(() => {
      this.slots = this.slots.filter((s) => s !== slot);
    });
    this.slots.push(slot);
  }

  private async userLoop(slot: UserSlot): Promise<void> {
    let iteration = 0;
    let failures = 0;
    try {
      while (!slot.retiring && !this.stopRequested && this.iterationBudgetLeft()) {
        if (!slot.session) {
          slot.session = await this.acquire(slot.userId, slot.abort.signal);
          if (!slot.session) return;
        }
        slot.busy = true;
        this.iterationStarts++;
        const outcome = await this.runIteration(slot.session, slot.userId, iteration++, slot.abort.signal, performance.now());
        slot.busy = false;
        failures = outcome === 'ok' ? 0 : outcome === 'stopped' ? failures : failures + 1;
        // A failing user waits before its next try, so a dead target does not get (or cause) a retry storm.
        if (failures > 0 && outcome !== 'stopped') await this.backOff(slot, failures);
        if (outcome === 'lease-lost') {
          await this.dropSession(slot.session);
          slot.session = undefined;
        }
      }
    } finally {
      slot.busy = false;
      if (slot.session) await this.dropSession(slot.session, true);
    }
  }

  /** Waits after the `failures`-th consecutive failure (ITERATION_BACKOFF); ends early when the run stops. */
  private async backOff(slot: UserSlot, failures: number): Promise<void> {
    if (this.stopRequested || slot.retiring) return;
    this.reg.count('iteration_backoffs', {});
    await sleep(backoffDelay(failures, ITERATION_BACKOFF), AbortSignal.any([slot.abort.signal, this.stopping.signal])).catch(() => undefined);
  }

  private async runArrival(scheduledAt: number): Promise<void> {
    const userId = this.allocateUserId();
    const abort = new AbortController();
    const onHard = () => abort.abort();
    this.hardAbort.signal.addEventListener('abort', onHard);
    let session: UserSession | undefined;
    try {
      this.iterationStarts++;
      session = await this.acquire(userId, abort.signal);
      if (!session) return;
      const outcome = await this.runIteration(session, userId, 0, abort.signal, scheduledAt);
      await this.dropSession(session, outcome !== 'lease-lost');
      session = undefined;
    } finally {
      this.hardAbort.signal.removeEventListener('abort', onHard);
      if (session) await this.dropSession(session, false);
    }
  }

  private async acquire(userId: number, signal: AbortSignal): Promise<UserSession | undefined> {
    try {
      const gate: RecorderGate = { muted: false };
      const recorder = gated(this.recorderFor(userId), () => gate.muted);
      const session = await this.driver.open(userId, (obs, action) => recordObservation(recorder, obs, action), this.stopping.signal);
      this.sessionGates.set(session, gate);
      this.sessions.add(session);
      this.probeVariants.set(session, this.variantOf(userId).name);
      return session;
    } catch (err) {
      if (signal.aborted || this.stopRequested) return undefined;
      this.recordUserError(this.driver.client, err, userId, -1);
      return undefined;
    }
  }

  private async dropSession(session: UserSession, reusable = false): Promise<void> {
    const last = session.connection();
    this.sessions.delete(session);
    this.probeVariants.delete(session);
    // From here until its sockets are closed the server may count its view while the harness no longer does.
    this.retiredChanges += last.changes + 1;
    this.releasing++;
    this.lastReleaseChangeAt = performance.now();
    try {
      if (reusable) await session.release();
      else await session.discard();
    } finally {
      this.releasing--;
      this.retiredChanges++;
      this.lastReleaseChangeAt = performance.now();
    }
  }

  private variantOf(userId: number): { name: string | undefined; value: string | undefined } {
    const variants = this.cfg.scenario.variants;
    if (!variants) return { name: undefined, value: undefined };
    if (this.cfg.sequential) {
      let name = this.userVariants.get(userId);
      if (name === undefined) {
        const elapsed = this.phase === 'idle' ? 0 : performance.now() - this.startedAt;
        name = segmentAt(this.cfg.sequential, elapsed)?.variant ?? Object.keys(variants)[0]!;
        this.userVariants.set(userId, name);
      }
      return { name, value: variants[name] };
    }
    const names = Object.keys(variants);
    const name = splitVariants(names, userId);
    return { name, value: variants[name] };
  }

  private recorderFor(userId: number): LabelledRecorder {
    const variant = this.variantOf(userId).name;
    const client = this.driver.client;
    return withLabels(this.cfg.registry, variant ? { client, variant } : { client });
  }

  private async runIteration(session: UserSession, userId: number, iteration: number, signal: AbortSignal, startedAt: number): Promise<'ok' | 'error' | 'lease-lost' | 'stopped'> {
    const unmuted = this.recorderFor(userId);
    const running: RunningIteration = { recorder: unmuted, unmuted, cut: false, abandoned: false, gate: this.sessionGates.get(session) };
    const recorder = gated(unmuted, () => running.abandoned);
    running.recorder = recorder;
    const variant = this.variantOf(userId);
    // A crashed browser ends the user's waits too, not only the run stopping.
    const userSignal = AbortSignal.any([signal, session.signal]);
    const verbs = session.verbs({
      target: this.cfg.target,
      recorder: recorder as VerbRecorder,
      input: this.cfg.input,
      actionTimeoutMs: this.cfg.actionTimeoutMs,
      navigationLimit: (fn) => this.navigationLimit(fn),
      onClientVersion: (v) => {
        if (this.clientVersions.has(v)) return;
        this.clientVersions.add(v);
        this.cfg.onClientVersion?.(v);
      },
    });
    const u: User<unknown> = {
      get page() {
        return session.page();
      },
      get context() {
        return session.context();
      },
      userId,
      iteration,
      variant: variant.name,
      variantValue: variant.value,
      data: this.cfg.setupData,
      row: this.cfg.feeder.rowFor(userId),
      signal: userSignal,
      lv: verbs,
      step: async (name, fn) => {
        const t0 = performance.now();
        try {
          return await fn();
        } finally {
          recorder.record('step_ms', { step: name }, performance.now() - t0);
        }
      },
      think: (ms) => sleep(Array.isArray(ms) ? ms[0] + Math.random() * (ms[1] - ms[0]) : (ms as number), userSignal),
      check: async (name, condition) => {
        let pass: boolean;
        try {
          pass = typeof condition === 'function' ? Boolean(await condition()) : Boolean(condition);
        } catch {
          pass = false;
        }
        recorder.count('checks', { check: name, result: pass ? 'pass' : 'fail' });
        return pass;
      },
      throttle: (name) => {
        const t = this.throttles.get(name);
        if (!t) throw new Error(`u.throttle(${JSON.stringify(name)}): no such throttle; declare it in the scenario's throttles (known: ${[...this.throttles.keys()].join(', ') || 'none'})`);
        return t;
      },
      snapshot: async (name, opts) => {
        if (this.driver.noSnapshots) throw new Error(`u.snapshot(${JSON.stringify(name)}): ${this.driver.noSnapshots}`);
        if (!this.cfg.visual) throw new Error(`u.snapshot(${JSON.stringify(name)}): visual checks are not enabled for this run`);
        await this.cfg.visual(u, name, opts);
      },
    };
    this.running.add(running);
    try {
      return await this.iterationOutcome(u, running, (err) => signal.aborted || (this.stopRequested && isAbortLike(err)), session, userId, iteration, startedAt);
    } finally {
      this.running.delete(running);
    }
  }

  /**
   * Runs the scenario once and counts how it ended. An iteration the graceful stop cut short counts as
   * `iterations{result="aborted"}` (once, also when it was abandoned). Nothing is recorded for an abandoned one
   * after the engine has returned: drain() mutes its recorder and its session's observations.
   */
  private async iterationOutcome(
    u: User<unknown>,
    running: RunningIteration,
    stopped: (err: unknown) => boolean,
    session: UserSession,
    userId: number,
    iteration: number,
    startedAt: number,
  ): Promise<'ok' | 'error' | 'lease-lost' | 'stopped'> {
    const recorder = running.recorder;
    try {
      await this.cfg.scenario.user(u);
      if (running.abandoned) return 'stopped';
      this.iterations++;
      recorder.record('iteration_ms', {}, performance.now() - startedAt);
      recorder.count('iterations', { result: 'ok' });
      return 'ok';
    } catch (err) {
      if (running.abandoned) return 'stopped';
      // The cut aborted this iteration's signal, so only the error says whether the abort ended it: a genuine
      // failure during the wind-down (a failed check, a timeout) is an error like any other.
      if (running.cut) {
        if (isAbortLike(err)) {
          recorder.count('iterations', { result: 'aborted' });
          return 'stopped';
        }
      } else if (stopped(err)) return 'stopped';
      this.iterations++;
      recorder.record('iteration_ms', {}, performance.now() - startedAt);
      recorder.count('iterations', { result: 'error' });
      const lost = session.lost(err);
      this.recordUserError(lost ? 'browser_crash' : err instanceof VerbError ? err.kind : 'scenario', err, userId, iteration);
      if (this.cfg.abortOnError) this.stop(`aborted on error: ${errorMessage(err)}`);
      return lost ? 'lease-lost' : 'error';
    }
  }

  private recordUserError(kind: string, err: unknown, userId: number, iteration: number): void {
    this.errors++;
    this.reg.count('user_errors', { kind });
    this.reg.error(`user.${kind}`, errorMessage(err), { user: userId, iteration });
  }

  /** After the profile: let running iterations finish within gracefulStop, then abort what is left. */
  private async drain(): Promise<void> {
    this.stopRequested = true;
    this.stopping.abort();
    for (const s of this.slots) s.retiring = true;
    const pending = [...this.slots.map((s) => s.done), ...this.inFlight];
    const graceful = this.cfg.profile.gracefulStopMs;
    // Timers are cancelled once the race is decided: a pending timer would keep the process alive.
    const timers = new AbortController();
    try {
      const finished = await Promise.race([Promise.allSettled(pending).then(() => true), sleep(graceful, timers.signal).then(() => false, () => true)]);
      if (!finished) {
        const cut = [...this.running];
        this.cfg.log?.(`graceful stop: ${cut.length} iteration(s) still running after ${graceful} ms, aborting them`);
        for (const r of cut) r.cut = true;
        this.hardAbort.abort();
        for (const s of this.slots) s.abort.abort();
        const windDown = this.cfg.windDownMs ?? 5_000;
        const settled = await Promise.race([Promise.allSettled(pending).then(() => true), sleep(windDown, timers.signal).then(() => false, () => true)]);
        if (!settled) {
          // Whatever they still do is not counted (the engine's last interval is taken below): counted here.
          const left = [...this.running].filter((r) => !r.abandoned);
          for (const r of left) {
            r.abandoned = true;
            if (r.gate) r.gate.muted = true;
            r.unmuted.count('iterations', { result: 'aborted' });
          }
          if (left.length > 0) this.cfg.log?.(`graceful stop: gave up on ${left.length} iteration(s) still running ${windDown} ms after the abort`);
        }
      }
    } finally {
      timers.abort();
    }
  }

  /**
   * Main LiveViews this engine's pages hold connected right now, by view and variant, and whether the server can
   * be counting differently (a page navigating, joining or being released; see ConnectedSample).
   */
  connectedSample(): ConnectedSample {
    let unsettled = this.releasing;
    let changes = this.retiredChanges;
    let last = this.lastReleaseChangeAt;
    const views = new Map<UserSession, string | undefined>();
    for (const p of this.sessions) {
      const c = p.connection();
      views.set(p, c.view);
      if (!c.settled) unsettled++;
      changes += c.changes;
      last = Math.max(last, c.changedAt);
    }
    return { counts: this.connectedCounts(views), unsettled, quietMs: performance.now() - last, changes };
  }

  /** Main LiveViews this engine's pages hold connected right now, by view and variant. */
  connectedCounts(views?: ReadonlyMap<UserSession, string | undefined>): Array<{ labels: Labels; value: number }> {
    const now = new Map<string, { labels: Labels; value: number }>();
    for (const p of this.sessions) {
      const view = views ? views.get(p) : p.connection().view;
      if (view === undefined) continue;
      const variant = this.probeVariants.get(p);
      const key = `${variant ?? ''}\u0000${view}`;
      const row = now.get(key) ?? { labels: variant === undefined ? { view } : { view, variant }, value: 0 };
      row.value++;
      now.set(key, row);
    }
    for (const [key, labels] of this.connectedSeen) if (!now.has(key)) now.set(key, { labels, value: 0 });
    for (const [key, row] of now) this.connectedSeen.set(key, row.labels);
    return [...now.values()];
  }


  private emitInterval(): void {
    for (const s of this.sessions) s.expire();
    this.cfg.beforeInterval?.();
    const st = this.status();
    this.reg.gauge('users_active', {}, st.active);
    this.reg.gauge('users_target', {}, this.phase === 'done' ? 0 : st.target);
    // One walk over the sessions: `lv_connected{view,variant}` (what memory per LiveView is fitted against; views
    // that emptied read 0) and, on runners, the span recorder.
    const sample = this.connectedSample();
    for (const row of sample.counts) this.reg.gauge('lv_connected', row.labels, row.value);
    const interval = this.cfg.registry.takeInterval();
    if (this.spans) {
      this.spans.observe(sample, Date.now());
      interval.connected = this.spans.take();
    }
    this.cfg.onInterval(interval);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StopSignal());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(new StopSignal());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n').slice(0, 3).join(' ').slice(0, 500);
  return String(err).slice(0, 500);
}

function isAbortLike(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || isTargetClosed(err));
}
