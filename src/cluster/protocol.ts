/**
 * The collector ↔ runner wire protocol: JSON text frames over one WebSocket that the runner dials (so runners
 * behind NAT work). Every frame carries `v` (the protocol version) and `t` (its type). Everything received is
 * validated here, strictly (known keys only, types and ranges), before anything acts on it; a frame that fails
 * is a ProtocolError, and the receiver rejects and closes that peer instead of crashing.
 *
 * Conversation (→ runner to collector, ← collector to runner):
 *   ← challenge{nonce}                    the collector's nonce
 *   → hello{proof, nonce, capacity, …}    proof = HMAC(token, runner:<collector nonce>): the runner knows the token
 *   ← welcome{proof, runnerId}            proof = HMAC(token, collector:<runner nonce>): so does the collector;
 *                                         a runner accepts nothing else until it has checked this
 *   ← assign{scenario bundle, profile, …} only ever sent to authenticated peers
 *   → ready | failed
 *   ← start{inMs, weights, index}         start barrier: every runner starts `inMs` after receipt (no clocks compared)
 *   → snapshot{seq, …} every interval     histogram deltas + counters + gauges (health) + engine status
 *   ← users{delta} | reslice{…} | stop    runtime control, re-slicing after a runner was lost, early stop
 *   → done{outcome, health, versions}
 *   ← bye
 *   ↔ ping                                heartbeats both ways; any frame counts as a sign of life
 */
import type { HealthSummary, Snapshot, VariantSegment } from '../metrics/model.js';
import { validateSnapshot } from '../metrics/merge.js';
import type { LoadProfile } from '../load/profile.js';
import type { PlanMix } from '../load/plan.js';
import type { SliceSettings } from '../load/slice-run.js';
import type { RawData } from 'ws';

export const PROTOCOL_VERSION = 1;

/** Byte and time limits. Frames above a cap are refused by `ws` itself (close 1009) or by `decodeFrame`. */
export const LIMITS = {
  /** Anything a peer sends before it has authenticated (hello is a few hundred bytes). */
  handshakeBytes: 16 * 1024,
  /** A runner's frames: one interval snapshot of up to a few hundred series, encoded histograms included. */
  runnerFrameBytes: 8 * 1024 * 1024,
  /** The collector's frames: the assign frame carries the scenario bundle, feeder rows and setup data. */
  collectorFrameBytes: 64 * 1024 * 1024,
  /** An unauthenticated peer that has not proved itself by then is dropped. */
  handshakeTimeoutMs: 5_000,
  /** Unauthenticated connections held at once; past it the oldest of the busiest address gives way (admission.ts). */
  maxPendingPeers: 32,
  /** Unauthenticated connections held at once from one address; past it that address's oldest gives way. */
  maxPendingPerAddress: 8,
  /** Strings that name things (ids, hosts, reasons) are cut to this. */
  maxNameLength: 200,
  maxReasonLength: 2_000,
} as const;

/** Heartbeat defaults: a peer silent for `silenceMs` is lost (so detection takes ≤ silenceMs + one check). */
export const HEARTBEAT = { intervalMs: 500, silenceMs: 2_500, checkMs: 250 } as const;

export class ProtocolError extends Error {
  override name = 'ProtocolError';
  /** WebSocket close code to use: 1003 unsupported data, 1008 policy violation, 1009 too big. */
  constructor(
    message: string,
    readonly closeCode: 1003 | 1008 | 1009 = 1008,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Message types.

/** Settings a runner applies to its own browsers and users (resolved by planRun: CLI wins over scenario). */
export type RunnerSettings = SliceSettings;

export interface EngineProgress {
  active: number;
  target: number;
  iterations: number;
  errors: number;
  dropped: number;
}

export interface RunOutcomeWire {
  iterations: number;
  errors: number;
  dropped: number;
  interrupted?: string;
}

export type CollectorMessage =
  | { v: 1; t: 'challenge'; nonce: string }
  | { v: 1; t: 'welcome'; runnerId: string; proof: string; heartbeatMs: number; silenceMs: number }
  /** `retry`: a passing condition (the collector is busy); the runner dials again within its connect timeout. */
  | { v: 1; t: 'reject'; reason: string; retry?: true }
  | {
      v: 1;
      t: 'assign';
      runId: string;
      scenario: { name: string; code: string; sha256: string };
      target: string;
      /** The whole run's profile; the runner's share comes with `start` and `reslice`. */
      profile: LoadProfile;
      settings: RunnerSettings;
      /** Data feeder rows, inline (runners do not have the scenario's folder); null when the scenario has none. */
      feederRows: Array<Record<string, unknown>> | null;
      /** What the scenario's setup() returned on the collector (JSON); absent without setup(). */
      setupData?: unknown;
      /** Sequential variants: each variant's segment of the schedule (src/load/sequential.ts). */
      segments?: VariantSegment[];
      /** Browser and lite users: the split of the profile's units (src/load/plan.ts). */
      mix?: PlanMix;
      /** Pre-warm contexts before ready; pace openings by the CPU budget (src/load/governor.ts). */
      capacity?: { prewarm?: boolean; governor?: boolean };
    }
  /**
   * `weights` deal the whole profile's units over parts; `index` is this runner's browser part. With lite users
   * (`parts`), a runner holds a browser part (or none) and one part per lite worker.
   */
  | { v: 1; t: 'start'; inMs: number; weights: number[]; index: number; extraUsers: number; parts?: { browser: number | null; lite: number[] } }
  | { v: 1; t: 'users'; delta: number }
  | { v: 1; t: 'reslice'; weights: number[]; index: number; iterations?: number }
  | { v: 1; t: 'stop'; reason: string }
  | { v: 1; t: 'bye' }
  | { v: 1; t: 'ping'; at: number }
  | { v: 1; t: 'error'; message: string };

export type RunnerMessage =
  | {
      v: 1;
      t: 'hello';
      /** The name the runner goes by (host-pid by default), shown in logs and results. */
      name: string;
      host: string;
      pid: number;
      /** Users this runner can hold: its weight when users are sliced. */
      capacity: number;
      /** Lite users it can hold (its weight for them) and the worker processes it runs them in. */
      lite?: { capacity: number; workers: number };
      nonce: string;
      proof: string;
      versions: Record<string, string>;
    }
  | { v: 1; t: 'ready' }
  | { v: 1; t: 'failed'; message: string }
  | {
      v: 1;
      t: 'snapshot';
      seq: number;
      /** The runner's own clock at its run start: the collector re-bases the snapshot's times on its own. */
      runStartedAt: number;
      snapshot: Snapshot;
      /** Which part of the runner measured it (`lite-0` for a lite worker); absent for its browser users. */
      part?: string;
      status: EngineProgress;
      health?: { line: string; saturated: boolean };
    }
  | { v: 1; t: 'done'; lastSeq: number; outcome: RunOutcomeWire; health: HealthSummary; versions: Record<string, string> }
  | { v: 1; t: 'ping'; at: number }
  | { v: 1; t: 'error'; message: string };

export type CollectorMessageType = CollectorMessage['t'];
export type RunnerMessageType = RunnerMessage['t'];

// ---------------------------------------------------------------------------------------------------------------
// Framing.

/** Serializes a message (the types make sure it is well-formed). */
export function encodeMessage(message: CollectorMessage | RunnerMessage): string {
  return JSON.stringify(message);
}

/** Text frame → parsed JSON, refusing binary frames, oversized frames and invalid JSON. */
export function decodeFrame(data: RawData, isBinary: boolean, maxBytes: number): unknown {
  if (isBinary) throw new ProtocolError('binary frames are not part of the protocol', 1003);
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.length > maxBytes) throw new ProtocolError(`frame of ${buf.length} bytes exceeds the ${maxBytes}-byte limit here`, 1009);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`frame is not JSON: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`, 1003);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation.

type Obj = Record<string, unknown>;

function bad(path: string, expected: string, got: unknown): never {
  let shown: string;
  if (got === null) shown = 'null';
  else if (Array.isArray(got)) shown = 'an array';
  else if (typeof got === 'string') shown = `the string ${JSON.stringify(got.length > 40 ? `${got.slice(0, 40)}…` : got)}`;
  else if (typeof got === 'number') shown = `the number ${got}`;
  else shown = typeof got === 'object' ? 'an object' : typeof got;
  throw new ProtocolError(`${path}: expected ${expected}, got ${shown}`);
}

function obj(x: unknown, path: string): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad(path, 'an object', x);
  return x as Obj;
}

/** Known keys only: a frame with fields this version does not know is from another version or not from a peer. */
function keys(o: Obj, path: string, required: readonly string[], optional: readonly string[] = []): void {
  for (const k of required) if (!(k in o)) throw new ProtocolError(`${path}: missing field ${k}`);
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) throw new ProtocolError(`${path}: unknown field ${JSON.stringify(k.slice(0, 40))}`);
  }
}

function str(x: unknown, path: string, max: number = LIMITS.maxNameLength, min = 0): string {
  if (typeof x !== 'string') bad(path, 'a string', x);
  if (x.length > max) throw new ProtocolError(`${path}: longer than ${max} characters`);
  if (x.length < min) throw new ProtocolError(`${path}: empty`);
  return x;
}

function num(x: unknown, path: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) bad(path, 'a finite number', x);
  if (opts.integer && !Number.isSafeInteger(x)) bad(path, 'a whole number', x);
  if (opts.min !== undefined && x < opts.min) bad(path, `a number ≥ ${opts.min}`, x);
  if (opts.max !== undefined && x > opts.max) bad(path, `a number ≤ ${opts.max}`, x);
  return x;
}

function bool(x: unknown, path: string): boolean {
  if (typeof x !== 'boolean') bad(path, 'a boolean', x);
  return x;
}

function hex(x: unknown, path: string, bytes: number): string {
  const s = str(x, path, bytes * 2);
  if (s.length !== bytes * 2 || !/^[0-9a-f]+$/.test(s)) bad(path, `${bytes} bytes of lowercase hex`, x);
  return s;
}

function strRecord(x: unknown, path: string, maxEntries = 32): Record<string, string> {
  const o = obj(x, path);
  const entries = Object.entries(o);
  if (entries.length > maxEntries) throw new ProtocolError(`${path}: more than ${maxEntries} entries`);
  for (const [k, v] of entries) {
    str(k, `${path} key`);
    str(v, `${path}.${k}`);
  }
  return o as Record<string, string>;
}

function weights(x: unknown, path: string): number[] {
  if (!Array.isArray(x) || x.length === 0 || x.length > 10_000) bad(path, 'a non-empty array of capacities', x);
  return x.map((w, i) => num(w, `${path}[${i}]`, { min: 1, integer: true, max: 10_000_000 }));
}

function sliceIndex(x: unknown, path: string, weightCount: number): number {
  return num(x, path, { min: 0, max: weightCount - 1, integer: true });
}

const DURATION_MAX_MS = 31 * 24 * 3600 * 1000;

/** A whole (unsliced) load profile as resolveProfile makes it. */
export function validateProfile(x: unknown, path = 'profile'): LoadProfile {
  const o = obj(x, path);
  const ms = (v: unknown, p: string) => num(v, p, { min: 0, max: DURATION_MAX_MS });
  const count = (v: unknown, p: string) => num(v, p, { min: 0, integer: true, max: 10_000_000 });
  const common = ['gracefulStopMs'];
  const optional = ['iterations'];
  if (o.kind === 'constant') {
    keys(o, path, ['kind', 'users', 'rampMs', 'durationMs', ...common], optional);
    count(o.users, `${path}.users`);
    ms(o.rampMs, `${path}.rampMs`);
    ms(o.durationMs, `${path}.durationMs`);
  } else if (o.kind === 'stages') {
    keys(o, path, ['kind', 'stages', ...common], optional);
    if (!Array.isArray(o.stages) || o.stages.length === 0 || o.stages.length > 1_000) bad(`${path}.stages`, 'a non-empty array', o.stages);
    o.stages.forEach((s, i) => {
      const st = obj(s, `${path}.stages[${i}]`);
      keys(st, `${path}.stages[${i}]`, ['durationMs', 'target']);
      ms(st.durationMs, `${path}.stages[${i}].durationMs`);
      count(st.target, `${path}.stages[${i}].target`);
    });
  } else if (o.kind === 'arrival') {
    keys(o, path, ['kind', 'ratePerSec', 'durationMs', 'maxInFlight', ...common], [...optional, 'rampMs']);
    num(o.ratePerSec, `${path}.ratePerSec`, { min: 0, max: 1_000_000 });
    ms(o.durationMs, `${path}.durationMs`);
    if (o.rampMs !== undefined) ms(o.rampMs, `${path}.rampMs`);
    num(o.maxInFlight, `${path}.maxInFlight`, { min: 1, integer: true, max: 10_000_000 });
  } else {
    bad(`${path}.kind`, "'constant', 'stages' or 'arrival'", o.kind);
  }
  ms(o.gracefulStopMs, `${path}.gracefulStopMs`);
  if (o.iterations !== undefined) count(o.iterations, `${path}.iterations`);
  return o as unknown as LoadProfile;
}

function validateSettings(x: unknown, path: string): RunnerSettings {
  const o = obj(x, path);
  keys(o, path, ['input', 'actionTimeoutMs', 'abortOnError'], ['browsers', 'contextsPerBrowser', 'blockResources']);
  if (o.input !== 'fast' && o.input !== 'playwright') bad(`${path}.input`, "'fast' or 'playwright'", o.input);
  num(o.actionTimeoutMs, `${path}.actionTimeoutMs`, { min: 1, max: DURATION_MAX_MS });
  bool(o.abortOnError, `${path}.abortOnError`);
  if (o.browsers !== undefined) num(o.browsers, `${path}.browsers`, { min: 1, integer: true, max: 10_000 });
  if (o.contextsPerBrowser !== undefined) num(o.contextsPerBrowser, `${path}.contextsPerBrowser`, { min: 1, integer: true, max: 10_000 });
  if (o.blockResources !== undefined) {
    if (!Array.isArray(o.blockResources)) bad(`${path}.blockResources`, 'an array', o.blockResources);
    for (const [i, r] of o.blockResources.entries()) {
      if (r !== 'image' && r !== 'font' && r !== 'media') bad(`${path}.blockResources[${i}]`, "'image', 'font' or 'media'", r);
    }
  }
  return o as unknown as RunnerSettings;
}

function validateHealthSummary(x: unknown, path: string): HealthSummary {
  const o = obj(x, path);
  keys(o, path, ['saturated', 'reasons', 'eventLoopLagP99Ms', 'eventLoopLagMaxMs', 'cpuPeakPercent', 'rssPeakBytes', 'cores']);
  bool(o.saturated, `${path}.saturated`);
  if (!Array.isArray(o.reasons) || o.reasons.length > 50) bad(`${path}.reasons`, 'an array of at most 50 reasons', o.reasons);
  o.reasons.forEach((r, i) => str(r, `${path}.reasons[${i}]`, LIMITS.maxReasonLength));
  num(o.eventLoopLagP99Ms, `${path}.eventLoopLagP99Ms`, { min: 0 });
  num(o.eventLoopLagMaxMs, `${path}.eventLoopLagMaxMs`, { min: 0 });
  for (const f of ['cpuPeakPercent', 'rssPeakBytes'] as const) {
    const r = obj(o[f], `${path}.${f}`);
    if (Object.keys(r).length > 16) throw new ProtocolError(`${path}.${f}: too many entries`);
    for (const [k, v] of Object.entries(r)) num(v, `${path}.${f}.${k}`, { min: 0 });
  }
  num(o.cores, `${path}.cores`, { min: 0, integer: true, max: 100_000 });
  return o as unknown as HealthSummary;
}

function validateProgress(x: unknown, path: string): EngineProgress {
  const o = obj(x, path);
  keys(o, path, ['active', 'target', 'iterations', 'errors', 'dropped']);
  for (const k of ['active', 'target', 'iterations', 'errors', 'dropped'] as const) num(o[k], `${path}.${k}`, { min: 0, integer: true });
  return o as unknown as EngineProgress;
}

function validateOutcome(x: unknown, path: string): RunOutcomeWire {
  const o = obj(x, path);
  keys(o, path, ['iterations', 'errors', 'dropped'], ['interrupted']);
  for (const k of ['iterations', 'errors', 'dropped'] as const) num(o[k], `${path}.${k}`, { min: 0, integer: true });
  if (o.interrupted !== undefined) str(o.interrupted, `${path}.interrupted`, LIMITS.maxReasonLength);
  return o as unknown as RunOutcomeWire;
}

function header(x: unknown, who: string): Obj {
  const o = obj(x, who);
  if (o.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(`${who}: protocol version ${JSON.stringify(o.v)} is not the one spoken here (${PROTOCOL_VERSION}); run the same rookery version on collector and runners`);
  }
  if (typeof o.t !== 'string') bad(`${who}.t`, 'a message type', o.t);
  return o;
}

/** What the collector accepts from a runner. */
export function validateRunnerMessage(x: unknown): RunnerMessage {
  const o = header(x, 'runner message');
  const p = `runner ${o.t as string}`;
  switch (o.t) {
    case 'hello':
      keys(o, p, ['v', 't', 'name', 'host', 'pid', 'capacity', 'nonce', 'proof', 'versions'], ['lite']);
      if (o.lite !== undefined) {
        const l = obj(o.lite, `${p}.lite`);
        keys(l, `${p}.lite`, ['capacity', 'workers']);
        num(l.capacity, `${p}.lite.capacity`, { min: 0, integer: true, max: 10_000_000 });
        num(l.workers, `${p}.lite.workers`, { min: 1, integer: true, max: 1_024 });
      }
      str(o.name, `${p}.name`, LIMITS.maxNameLength, 1);
      str(o.host, `${p}.host`);
      num(o.pid, `${p}.pid`, { min: 0, integer: true });
      num(o.capacity, `${p}.capacity`, { min: 1, integer: true, max: 10_000_000 });
      hex(o.nonce, `${p}.nonce`, 32);
      hex(o.proof, `${p}.proof`, 32);
      strRecord(o.versions, `${p}.versions`);
      break;
    case 'ready':
      keys(o, p, ['v', 't']);
      break;
    case 'failed':
    case 'error':
      keys(o, p, ['v', 't', 'message']);
      str(o.message, `${p}.message`, LIMITS.maxReasonLength);
      break;
    case 'snapshot':
      keys(o, p, ['v', 't', 'seq', 'runStartedAt', 'snapshot', 'status'], ['health', 'part']);
      num(o.seq, `${p}.seq`, { min: 0, integer: true });
      if (o.part !== undefined && !/^[a-z0-9-]{1,40}$/.test(str(o.part, `${p}.part`, 40))) bad(`${p}.part`, 'a short name of a-z, 0-9 and -', o.part);
      num(o.runStartedAt, `${p}.runStartedAt`, { min: 0 });
      try {
        validateSnapshot(o.snapshot);
      } catch (err) {
        throw new ProtocolError(`${p}: ${err instanceof Error ? err.message : String(err)}`);
      }
      validateProgress(o.status, `${p}.status`);
      if (o.health !== undefined) {
        const h = obj(o.health, `${p}.health`);
        keys(h, `${p}.health`, ['line', 'saturated']);
        str(h.line, `${p}.health.line`, 500);
        bool(h.saturated, `${p}.health.saturated`);
      }
      break;
    case 'done':
      keys(o, p, ['v', 't', 'lastSeq', 'outcome', 'health', 'versions']);
      num(o.lastSeq, `${p}.lastSeq`, { min: -1, integer: true });
      validateOutcome(o.outcome, `${p}.outcome`);
      validateHealthSummary(o.health, `${p}.health`);
      strRecord(o.versions, `${p}.versions`);
      break;
    case 'ping':
      keys(o, p, ['v', 't', 'at']);
      num(o.at, `${p}.at`);
      break;
    default:
      throw new ProtocolError(`runner message: unknown type ${JSON.stringify(String(o.t).slice(0, 40))}`);
  }
  return o as unknown as RunnerMessage;
}

/** What a runner accepts from its collector. */
export function validateCollectorMessage(x: unknown): CollectorMessage {
  const o = header(x, 'collector message');
  const p = `collector ${o.t as string}`;
  switch (o.t) {
    case 'challenge':
      keys(o, p, ['v', 't', 'nonce']);
      hex(o.nonce, `${p}.nonce`, 32);
      break;
    case 'welcome':
      keys(o, p, ['v', 't', 'runnerId', 'proof', 'heartbeatMs', 'silenceMs']);
      str(o.runnerId, `${p}.runnerId`, LIMITS.maxNameLength, 1);
      hex(o.proof, `${p}.proof`, 32);
      num(o.heartbeatMs, `${p}.heartbeatMs`, { min: 50, max: 60_000 });
      num(o.silenceMs, `${p}.silenceMs`, { min: 100, max: 600_000 });
      break;
    case 'reject':
      keys(o, p, ['v', 't', 'reason'], ['retry']);
      str(o.reason, `${p}.reason`, LIMITS.maxReasonLength);
      if (o.retry !== undefined && o.retry !== true) bad(`${p}.retry`, 'true or absent', o.retry);
      break;
    case 'stop':
      keys(o, p, ['v', 't', 'reason']);
      str(o.reason, `${p}.reason`, LIMITS.maxReasonLength);
      break;
    case 'error':
      keys(o, p, ['v', 't', 'message']);
      str(o.message, `${p}.message`, LIMITS.maxReasonLength);
      break;
    case 'assign': {
      keys(o, p, ['v', 't', 'runId', 'scenario', 'target', 'profile', 'settings', 'feederRows'], ['setupData', 'segments', 'mix', 'capacity']);
      str(o.runId, `${p}.runId`, LIMITS.maxNameLength, 1);
      const sc = obj(o.scenario, `${p}.scenario`);
      keys(sc, `${p}.scenario`, ['name', 'code', 'sha256']);
      str(sc.name, `${p}.scenario.name`, LIMITS.maxNameLength, 1);
      str(sc.code, `${p}.scenario.code`, LIMITS.collectorFrameBytes, 1);
      hex(sc.sha256, `${p}.scenario.sha256`, 32);
      const target = str(o.target, `${p}.target`, 2_000, 1);
      if (!/^https?:\/\//.test(target)) bad(`${p}.target`, 'an http(s) URL', target);
      validateProfile(o.profile, `${p}.profile`);
      validateSettings(o.settings, `${p}.settings`);
      if (o.feederRows !== null) {
        if (!Array.isArray(o.feederRows) || o.feederRows.length === 0) bad(`${p}.feederRows`, 'null or a non-empty array of objects', o.feederRows);
        o.feederRows.forEach((r, i) => obj(r, `${p}.feederRows[${i}]`));
      }
      if (o.segments !== undefined) {
        if (!Array.isArray(o.segments) || o.segments.length === 0 || o.segments.length > 1_000) bad(`${p}.segments`, 'a non-empty array', o.segments);
        o.segments.forEach((x, i) => {
          const sg = obj(x, `${p}.segments[${i}]`);
          keys(sg, `${p}.segments[${i}]`, ['variant', 'startMs', 'holdEndMs', 'endMs']);
          str(sg.variant, `${p}.segments[${i}].variant`, LIMITS.maxNameLength, 1);
          for (const k of ['startMs', 'holdEndMs', 'endMs'] as const) num(sg[k], `${p}.segments[${i}].${k}`, { min: 0, max: DURATION_MAX_MS });
        });
      }
      if (o.mix !== undefined) {
        const m = obj(o.mix, `${p}.mix`);
        keys(m, `${p}.mix`, ['browserWeight', 'liteWeight', 'workers', 'usersPerWorker'], ['fixedWorkers']);
        for (const k of ['browserWeight', 'liteWeight'] as const) num(m[k], `${p}.mix.${k}`, { min: 0, integer: true, max: 10_000_000 });
        for (const k of ['workers', 'usersPerWorker'] as const) num(m[k], `${p}.mix.${k}`, { min: 1, integer: true, max: 10_000_000 });
        if (m.fixedWorkers !== undefined) num(m.fixedWorkers, `${p}.mix.fixedWorkers`, { min: 1, integer: true, max: 1_024 });
      }
      if (o.capacity !== undefined) {
        const c = obj(o.capacity, `${p}.capacity`);
        keys(c, `${p}.capacity`, [], ['prewarm', 'governor']);
        if (c.prewarm !== undefined) bool(c.prewarm, `${p}.capacity.prewarm`);
        if (c.governor !== undefined) bool(c.governor, `${p}.capacity.governor`);
      }
      break;
    }
    case 'start': {
      keys(o, p, ['v', 't', 'inMs', 'weights', 'index', 'extraUsers'], ['parts']);
      num(o.inMs, `${p}.inMs`, { min: 0, max: 60_000 });
      const w = weights(o.weights, `${p}.weights`);
      sliceIndex(o.index, `${p}.index`, w.length);
      if (o.parts !== undefined) {
        const pt = obj(o.parts, `${p}.parts`);
        keys(pt, `${p}.parts`, ['browser', 'lite']);
        if (pt.browser !== null) sliceIndex(pt.browser, `${p}.parts.browser`, w.length);
        if (!Array.isArray(pt.lite) || pt.lite.length > 1_024) bad(`${p}.parts.lite`, 'an array of part indexes', pt.lite);
        pt.lite.forEach((x, i) => sliceIndex(x, `${p}.parts.lite[${i}]`, w.length));
      }
      num(o.extraUsers, `${p}.extraUsers`, { integer: true, min: -10_000_000, max: 10_000_000 });
      break;
    }
    case 'users':
      keys(o, p, ['v', 't', 'delta']);
      num(o.delta, `${p}.delta`, { integer: true, min: -10_000_000, max: 10_000_000 });
      break;
    case 'reslice': {
      keys(o, p, ['v', 't', 'weights', 'index'], ['iterations']);
      const w = weights(o.weights, `${p}.weights`);
      sliceIndex(o.index, `${p}.index`, w.length);
      if (o.iterations !== undefined) num(o.iterations, `${p}.iterations`, { integer: true, min: 0 });
      break;
    }
    case 'bye':
      keys(o, p, ['v', 't']);
      break;
    case 'ping':
      keys(o, p, ['v', 't', 'at']);
      num(o.at, `${p}.at`);
      break;
    default:
      throw new ProtocolError(`collector message: unknown type ${JSON.stringify(String(o.t).slice(0, 40))}`);
  }
  return o as unknown as CollectorMessage;
}
