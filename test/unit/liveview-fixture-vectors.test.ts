/**
 * Decoder over traffic recorded from the real phoenix_live_view 1.2 client against the fixture
 * (test/vectors/fixture-lv-*, written by test/support/capture-vectors.ts). Expected counts are derived from
 * what each flow did (see FLOWS there), not from the decoder.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeVectorFile, observationCounts } from '../support/vector-replay.js';
import type { Observation } from '../../src/liveview/observations.js';

const DIR = resolve(import.meta.dirname, '../vectors/fixture-lv-1.2.12');
const load = (name: string): Observation[] => decodeVectorFile(readFileSync(`${DIR}/${name}.jsonl`, 'utf8'));
const events = (obs: Observation[], name?: string) =>
  obs.filter((o): o is Extract<Observation, { type: 'event' }> => o.type === 'event' && (name === undefined || o.event === name));
const joins = (obs: Observation[]) => obs.filter((o): o is Extract<Observation, { type: 'join' }> => o.type === 'join');

describe('decoder on real 1.2 client traffic (fixture)', () => {
  it('counter: 3 inc, 1 dec, 1 live_patch, one join, no errors', () => {
    const c = observationCounts(load('counter'));
    expect(c.joins).toEqual({ '/counter initial': 1 });
    expect(c.events).toEqual({ '/counter event:inc': 3, '/counter event:dec': 1, '/counter live_patch:live_patch': 1 });
    expect(c.errors).toEqual({});
  });

  it('form: one validate per typed key and per fill, then save', () => {
    const c = observationCounts(load('form'));
    expect(c.events).toEqual({ '/form event:validate': 4, '/form event:save': 1 });
  });

  it('stream vs list: an insert sends one stream item instead of re-sending the shifted rows', () => {
    const stream = load('stream');
    const [add] = events(stream, 'add');
    expect(add!.anatomy.streamInserts).toBe(1);
    expect(add!.anatomy.streamDeletes).toBe(0);
    expect(events(stream, 'delete')[0]!.anatomy.streamDeletes).toBe(1);
    expect(events(stream, 'reset')[0]!.anatomy.streamResets).toBe(1);
    expect(joins(stream)[0]!.anatomy.streamInserts).toBe(20);
    const [listAdd] = events(load('list'), 'add');
    expect(listAdd!.anatomy.streamInserts).toBe(0);
    expect(listAdd!.anatomy.bytes).toBeGreaterThan(5 * add!.anatomy.bytes);
  });

  it('LiveComponents reply with component-only diffs; functional components re-render through the parent', () => {
    const live = events(load('components'), 'bump');
    expect(live).toHaveLength(3);
    for (const e of live) expect(e.anatomy.components).toBe(1);
    expect(joins(load('components'))[0]!.anatomy.components).toBe(5);
    const fn = events(load('components-function'), 'bump');
    expect(fn).toHaveLength(1);
    expect(fn[0]!.anatomy.components).toBe(0);
  });

  it('async: results arrive as ref-less diff pushes', () => {
    const c = observationCounts(load('async'));
    expect(c.pushes).toEqual({ '/async diff': 2 });
    expect(c.events).toEqual({ '/async event:reload': 1 });
  });

  it('live navigation: a new join on the same socket with cause navigate and the new view', () => {
    const obs = load('navigation');
    const js = joins(obs);
    expect(js.map((j) => [j.view, j.cause])).toEqual([['/', 'initial'], ['/counter', 'navigate']]);
    expect(js[0]!.socket).toBe(js[1]!.socket);
    expect(js[0]!.topic).toBe(js[1]!.topic);
    expect(obs.filter((o) => o.type === 'socket_open')).toHaveLength(1);
    expect(observationCounts(obs).events).toEqual({ '/counter event:inc': 1 });
  });

  it('nested LiveView: the child joins as its own topic, labelled with the main view', () => {
    const js = joins(load('nested'));
    expect(js).toHaveLength(2);
    expect(js.filter((j) => j.nested)).toHaveLength(1);
    expect(new Set(js.map((j) => j.topic)).size).toBe(2);
    expect(js.every((j) => j.view === '/nested')).toBe(true);
  });

  it('crash: phx_error counts one crash, the rejoin carries _mounts ≥ 1, and events work after it', () => {
    const obs = load('crash');
    const c = observationCounts(obs);
    expect(c.errors).toEqual({ crash: 1 });
    // The crash names the event it left unanswered (the first inc), so it is recorded as that event's error.
    expect(obs.find((o) => o.type === 'error')).toMatchObject({ kind: 'crash', event: 'inc' });
    const js = joins(obs);
    expect(js.map((j) => j.cause)).toEqual(['initial', 'rejoin']);
    expect(js[1]!.mounts).toBeGreaterThanOrEqual(1);
    expect(c.events).toEqual({ '/counter event:inc': 1 });
  });

  it('heartbeat: each of the three heartbeats is paired with its own reply by ref, apart from LiveView events', () => {
    const text = readFileSync(`${DIR}/heartbeat.jsonl`, 'utf8');
    const obs = decodeVectorFile(text);
    const c = observationCounts(obs);
    expect(c.heartbeats).toBe(3);
    expect(c.events).toEqual({ '/counter event:inc': 2 });
    expect(c.errors).toEqual({});
    // Expected RTTs straight from the raw lines: reply timestamp minus heartbeat timestamp, same ref.
    const raw = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; timestamp?: number; payloadData?: string });
    const sentAt = new Map<string, number>();
    const expected: number[] = [];
    for (const e of raw) {
      if (e.kind !== 'sent' && e.kind !== 'received') continue;
      const [, ref, topic, event] = JSON.parse(e.payloadData!) as [unknown, string, string, string];
      if (topic !== 'phoenix') continue;
      if (event === 'heartbeat') sentAt.set(ref, e.timestamp!);
      else expected.push((e.timestamp! - sentAt.get(ref)!) * 1000);
    }
    const hb = obs.filter((o): o is Extract<Observation, { type: 'heartbeat' }> => o.type === 'heartbeat');
    expect(hb.map((h) => h.ms)).toEqual(expected);
    expect(hb.every((h) => h.ms > 0)).toBe(true);
  });

  it('every frame of every flow is accounted for: sent = received pairs, byte sizes are UTF-8 payload lengths', () => {
    for (const name of ['counter', 'form', 'stream', 'list', 'components', 'components-function', 'async', 'navigation', 'nested', 'crash', 'heartbeat']) {
      const text = readFileSync(`${DIR}/${name}.jsonl`, 'utf8');
      const raw = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; payloadData?: string });
      const frames = decodeVectorFile(text).filter((o): o is Extract<Observation, { type: 'frame' }> => o.type === 'frame');
      const rawFrames = raw.filter((e) => e.kind === 'sent' || e.kind === 'received');
      expect(frames).toHaveLength(rawFrames.length);
      frames.forEach((f, i) => expect(f.bytes).toBe(Buffer.byteLength(rawFrames[i]!.payloadData!, 'utf8')));
      expect(frames.some((f) => f.channel === 'undecodable')).toBe(false);
    }
  });
});
