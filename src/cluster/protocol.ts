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
import type { RawData } from 'ws';
import type { z } from 'zod';
import type { LoadProfile } from '../load/profile.js';
import type { InputMode } from '../scenario/define.js';
import type { BlockableResource } from '../browser/pool.js';
import type { EngineStatus } from '../load/engine.js';
import type { PlanMix } from '../load/plan.js';
import type { SliceSettings } from '../load/slice-run.js';
import type { VariantSegment } from '../metrics/model.js';
import { decode, describeValue } from '../contract/issues.js';
import {
  collectorMessageSchemas,
  LIMITS,
  PROTOCOL_VERSION,
  runnerMessageSchemas,
  wireProfileSchema,
  type CollectorMessage,
  type EngineProgress,
  type RunnerMessage,
  type RunnerSettings,
  type WireProfile,
} from '../contract/cluster.js';

export { LIMITS, PROTOCOL_VERSION };
export type { CollectorMessage, EngineProgress, RunnerMessage, RunnerSettings, RunOutcomeWire } from '../contract/cluster.js';

// The wire declares its own shapes (the contract sits below every layer); these checks fail the build if the load
// profile or the settings drift from what the wire carries, instead of a runner refusing the assign at run time.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type WithoutSlice<P> = P extends unknown ? Omit<P, 'slice'> : never;
const profileMatches: Same<WithoutSlice<LoadProfile>, WireProfile> = true;
const settingsMatch: [Same<RunnerSettings['input'], InputMode>, Same<NonNullable<RunnerSettings['blockResources']>[number], BlockableResource>] = [true, true];
// The progress a runner reports is the engine's status, minus what only the runner itself needs (phase, clock).
const progressMatches: Same<EngineProgress, Pick<EngineStatus, keyof EngineProgress>> = true;
// What the plan carries to runners: the slice settings, the browser/lite mix and sequential segments.
type Assign = Extract<CollectorMessage, { t: 'assign' }>;
const planMatches: [Same<RunnerSettings, SliceSettings>, Same<NonNullable<Assign['mix']>, PlanMix>, Same<NonNullable<Assign['segments']>[number], VariantSegment>] = [true, true, true];
void planMatches;
void profileMatches;
void settingsMatch;
void progressMatches;

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
// Validation: the contract's schemas (src/contract/cluster.ts), with the version and the type checked first so a
// peer of another version hears that rather than a field-by-field complaint.

const protocolError = (message: string): ProtocolError => new ProtocolError(message);

/** A whole (unsliced) load profile as resolveProfile makes it. */
export function validateProfile(x: unknown, path = 'profile'): LoadProfile {
  return decode(wireProfileSchema, x, path, protocolError);
}

function header(x: unknown, who: string): string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ProtocolError(`${who}: expected an object, got ${describeValue(x)}`);
  const o = x as { v?: unknown; t?: unknown };
  if (o.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(`${who}: protocol version ${JSON.stringify(o.v)} is not the one spoken here (${PROTOCOL_VERSION}); run the same rookery version on collector and runners`);
  }
  if (typeof o.t !== 'string') throw new ProtocolError(`${who}.t: expected a message type, got ${describeValue(o.t)}`);
  return o.t;
}

/** The schema for a message type, if the type is one this side receives (own keys only: `t` comes from a peer). */
function schemaFor<T extends Record<string, z.ZodType>>(schemas: T, t: string): T[keyof T] | undefined {
  return Object.hasOwn(schemas, t) ? schemas[t as keyof T] : undefined;
}

/** What the collector accepts from a runner. */
export function validateRunnerMessage(x: unknown): RunnerMessage {
  const t = header(x, 'runner message');
  const schema = schemaFor(runnerMessageSchemas, t);
  if (schema === undefined) throw new ProtocolError(`runner message: unknown type ${JSON.stringify(t.slice(0, 40))}`);
  return decode(schema, x, `runner ${t}`, protocolError);
}

/** What a runner accepts from its collector. */
export function validateCollectorMessage(x: unknown): CollectorMessage {
  const t = header(x, 'collector message');
  const schema = schemaFor(collectorMessageSchemas, t);
  if (schema === undefined) throw new ProtocolError(`collector message: unknown type ${JSON.stringify(t.slice(0, 40))}`);
  return decode(schema, x, `collector ${t}`, protocolError);
}
