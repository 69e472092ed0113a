/**
 * Test vectors: JSONL files of SocketEvents (one CDP event per line, see src/liveview/socket-events.ts), plus a
 * small independent oracle over their raw frames so tests do not check the decoder against itself.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { LiveViewSession, type LiveViewSessionOptions } from '../../src/liveview/session.js';
import type { Observation } from '../../src/liveview/observations.js';
import type { SocketEvent } from '../../src/liveview/socket-events.js';

export const VECTORS = fileURLToPath(new URL('../vectors/', import.meta.url));

export function readVectors(path: string): SocketEvent[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SocketEvent);
}

export interface Replay {
  session: LiveViewSession;
  obs: Observation[];
}

/** Feed every event; `end()` is not called, so callers see what the frames alone produce. */
export function replay(events: readonly SocketEvent[], opts?: LiveViewSessionOptions): Replay {
  const session = new LiveViewSession(opts);
  const obs: Observation[] = [];
  for (const ev of events) session.push(ev, obs);
  return { session, obs };
}

export type Of<T extends Observation['type']> = Extract<Observation, { type: T }>;

export function only<T extends Observation['type']>(obs: readonly Observation[], type: T): Of<T>[] {
  return obs.filter((o): o is Of<T> => o.type === type);
}

/** A text frame parsed by the oracle (V2 array or V1 object), with its CDP event. */
export interface RawMessage {
  ev: Extract<SocketEvent, { kind: 'sent' | 'received' }>;
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

/** Well-formed text frames only; malformed and binary frames are skipped. */
export function rawMessages(events: readonly SocketEvent[]): RawMessage[] {
  const out: RawMessage[] = [];
  for (const ev of events) {
    if ((ev.kind !== 'sent' && ev.kind !== 'received') || ev.opcode !== 1) continue;
    let v: unknown;
    try {
      v = JSON.parse(ev.payloadData);
    } catch {
      continue;
    }
    const isRef = (x: unknown): boolean => x === null || x === undefined || typeof x === 'string' || Number.isInteger(x);
    const ref = (x: unknown): string | null => (x === null || x === undefined ? null : String(x));
    if (Array.isArray(v) && v.length === 5 && isRef(v[0]) && isRef(v[1]) && typeof v[2] === 'string' && typeof v[3] === 'string') {
      out.push({ ev, joinRef: ref(v[0]), ref: ref(v[1]), topic: v[2], event: v[3], payload: v[4] });
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o['topic'] === 'string' && typeof o['event'] === 'string' && 'payload' in o && isRef(o['ref']) && isRef(o['join_ref'])) {
        out.push({ ev, joinRef: ref(o['join_ref']), ref: ref(o['ref']), topic: o['topic'], event: o['event'], payload: o['payload'] });
      }
    }
  }
  return out;
}

/** Wire size as CDP reports it: UTF-8 length of text, decoded length of base64 binary. */
export function wireBytes(ev: Extract<SocketEvent, { kind: 'sent' | 'received' }>): number {
  return ev.opcode === 2 ? Buffer.from(ev.payloadData, 'base64').length : Buffer.byteLength(ev.payloadData, 'utf8');
}

/** UTF-8 bytes of a value's JSON encoding: the oracle for anatomy byte counts. */
export function j(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v), 'utf8');
}

/**
 * Invariants every vector must satisfy, checked against the oracle:
 * one frame observation per frame with the wire size; heartbeats and non-lv topics never become LiveView
 * observations; every event/join observation pairs one push with exactly one reply of the same socket, topic and
 * ref, with its duration the CDP timestamp difference and its bytes the reply frame's size.
 */
export function checkInvariants(events: readonly SocketEvent[], obs: readonly Observation[]): void {
  const frames = events.filter((e): e is RawMessage['ev'] => e.kind === 'sent' || e.kind === 'received');
  const frameObs = only(obs, 'frame');
  expect(frameObs).toHaveLength(frames.length);
  frames.forEach((ev, i) => {
    const o = frameObs[i]!;
    expect({ socket: o.socket, dir: o.dir, t: o.t, bytes: o.bytes }).toEqual({ socket: ev.requestId, dir: ev.kind, t: ev.timestamp, bytes: wireBytes(ev) });
  });

  const raw = rawMessages(events);
  for (const m of raw) {
    const o = frameObs[frames.indexOf(m.ev)]!;
    const expected = m.topic.startsWith('lv:') ? 'lv' : m.topic.startsWith('lvu:') ? 'upload' : m.topic === 'phoenix' ? 'heartbeat' : 'other';
    expect(o.channel, m.ev.payloadData).toBe(expected);
  }

  for (const o of obs) {
    if (o.type === 'join' || o.type === 'event' || o.type === 'push') expect(o.topic.startsWith('lv:')).toBe(true);
    if (o.type === 'join' || o.type === 'event' || o.type === 'push') {
      expect(o.anatomy.staticBytes + o.anatomy.dynamicBytes).toBeLessThanOrEqual(o.anatomy.bytes);
    }
  }

  for (const o of [...only(obs, 'event'), ...only(obs, 'join')]) {
    const ref = o.type === 'event' ? o.ref : o.joinRef;
    const pushes = raw.filter((m) => m.ev.kind === 'sent' && m.ev.requestId === o.socket && m.topic === o.topic && m.ref === ref);
    const replies = raw.filter((m) => m.ev.kind === 'received' && m.ev.requestId === o.socket && m.topic === o.topic && m.ref === ref && m.event === 'phx_reply');
    expect(pushes, `${o.type} ${ref}`).toHaveLength(1);
    expect(replies, `${o.type} ${ref}`).toHaveLength(1);
    const push = pushes[0]!;
    const reply = replies[0]!;
    expect(o.t).toBe(push.ev.timestamp);
    expect(o.ms).toBe((reply.ev.timestamp - push.ev.timestamp) * 1000);
    expect(o.anatomy.bytes).toBe(wireBytes(reply.ev));
    if (o.type === 'event' && push.event === 'event') expect(o.event).toBe((push.payload as { event: string }).event);
  }

  // Every `event` push on an lv topic that got a reply is counted exactly once.
  const answered = raw.filter(
    (m) =>
      m.ev.kind === 'sent' &&
      m.topic.startsWith('lv:') &&
      m.event === 'event' &&
      raw.some((r) => r.ev.kind === 'received' && r.event === 'phx_reply' && r.ev.requestId === m.ev.requestId && r.topic === m.topic && r.ref === m.ref),
  );
  const counted = only(obs, 'event').filter((o) => o.push === 'event');
  expect(counted.map((o) => `${o.socket}/${o.ref}`).sort()).toEqual(answered.map((m) => `${m.ev.requestId}/${m.ref ?? ''}`).sort());
}
