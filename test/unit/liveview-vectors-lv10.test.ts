/**
 * Real traffic: Phoenix 1.7.24 + LiveView 1.0.19 recorded from headless Chromium (test/vectors/lv-1.0.19, copied
 * from ../shared/frames; see its README). LiveView 1.0 sends `d`-list comprehensions.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants, j, only, rawMessages, readVectors, replay, VECTORS, wireBytes } from '../support/socket-vectors.js';

const load = (name: string) => {
  const events = readVectors(`${VECTORS}lv-1.0.19/${name}.jsonl`);
  return { events, ...replay(events) };
};

const FILES = ['counter', 'form', 'stream', 'components', 'async', 'navigation'] as const;

describe('recorded LiveView 1.0.19 traffic', () => {
  it.each(FILES)('%s: frames, pairing and byte sizes match the raw frames', (name) => {
    const { events, obs, session } = load(name);
    checkInvariants(events, obs);
    // Nothing undecodable, nothing left waiting, no error of any kind in a clean recording.
    expect(only(obs, 'frame').every((f) => f.channel === 'lv')).toBe(true);
    expect(only(obs, 'error')).toEqual([]);
    expect(session.pendingCount()).toBe(0);
    expect(session.end()).toEqual([expect.objectContaining({ type: 'socket_closed', expected: true })]);
  });

  it.each([
    ['counter', { events: ['inc', 'inc', 'inc', 'dec'], joins: 1, pushes: 0, view: '/counter' }],
    ['form', { events: [...Array<string>(9).fill('validate'), 'save'], joins: 1, pushes: 0, view: '/form' }],
    ['stream', { events: ['append', 'prepend', 'append_many', 'delete', 'reset'], joins: 1, pushes: 0, view: '/stream' }],
    ['components', { events: ['click', 'click', 'click'], joins: 1, pushes: 0, view: '/components' }],
    ['async', { events: ['reload'], joins: 1, pushes: 2, view: '/async' }],
    ['navigation', { events: ['inc'], joins: 2, pushes: 0, view: '/counter' }],
  ] as const)('%s: exact counts', (name, want) => {
    const { obs } = load(name);
    const events = only(obs, 'event');
    expect(events.map((e) => e.event)).toEqual(want.events);
    expect(events.every((e) => e.push === 'event' && e.ok && e.view === want.view)).toBe(true);
    expect(only(obs, 'join')).toHaveLength(want.joins);
    expect(only(obs, 'push')).toHaveLength(want.pushes);
    expect(only(obs, 'socket_open')).toHaveLength(1);
    expect(only(obs, 'socket_connected')).toEqual([expect.objectContaining({ status: 101, ms: undefined })]);
  });

  it('counter: RTTs are the CDP timestamp differences', () => {
    const { obs } = load('counter');
    const ms = only(obs, 'event').map((e) => e.ms);
    // 5465.802271 - 5465.795703 etc., straight from the recording.
    expect(ms[0]).toBeCloseTo(6.568, 6);
    expect(ms[1]).toBeCloseTo(8.288, 6);
    expect(ms[2]).toBeCloseTo(10.147, 6);
    expect(ms[3]).toBeCloseTo(11.534, 6);
    const join = only(obs, 'join')[0]!;
    expect(join.ms).toBeCloseTo(38.145, 6);
    expect(join).toMatchObject({ ok: true, cause: 'initial', mounts: 0, nested: false, view: '/counter', joinRef: '4' });
  });

  it('counter: a one-slot reply diff is all dynamic, the join render mostly static', () => {
    const { obs } = load('counter');
    const first = only(obs, 'event')[0]!;
    expect(first.anatomy).toEqual({
      bytes: 93,
      staticBytes: 0,
      dynamicBytes: j('1'),
      components: 0,
      streamInserts: 0,
      streamDeletes: 0,
      streamResets: 0,
      templates: 0,
      events: 0,
      title: false,
    });
    const join = only(obs, 'join')[0]!;
    expect(join.anatomy.staticBytes).toBe(
      j('<h1>Counter</h1>\n<p>Count: <span id="count">') +
        j('</span></p>\n<button id="inc" phx-click="inc">+1</button>\n<button id="dec" phx-click="dec">-1</button>\n<button id="reset" phx-click="reset">reset</button>'),
    );
    expect(join.anatomy.dynamicBytes).toBe(j('0'));
  });

  it('components: c-only replies touch exactly one component and carry the target cid', () => {
    const { obs } = load('components');
    const events = only(obs, 'event');
    expect(events.map((e) => e.cid)).toEqual([1, 2, 1]);
    for (const e of events) {
      expect(e.anatomy).toMatchObject({ components: 1, staticBytes: 0, streamInserts: 0 });
    }
    // Each reply is {"c":{"<cid>":{"3":"<clicks>"}}}: one dynamic string.
    expect(events.map((e) => e.anatomy.dynamicBytes)).toEqual([j('1'), j('1'), j('2')]);
    const join = only(obs, 'join')[0]!;
    // Five components, four of them sharing statics by reference (`"s":1`), so statics are counted once.
    expect(join.anatomy.components).toBe(5);
    expect(join.anatomy.templates).toBe(0);
  });

  it('stream: inserts, deletes and the reset flag per reply (1.0 `d` format)', () => {
    const { obs } = load('stream');
    const join = only(obs, 'join')[0]!;
    expect(join.anatomy).toMatchObject({ streamInserts: 5, streamDeletes: 0, streamResets: 0 });
    const ops = only(obs, 'event').map((e) => [e.event, e.anatomy.streamInserts, e.anatomy.streamDeletes, e.anatomy.streamResets]);
    expect(ops).toEqual([
      ['append', 1, 0, 0],
      ['prepend', 1, 0, 0],
      ['append_many', 10, 0, 0],
      ['delete', 0, 1, 0],
      ['reset', 0, 0, 1],
    ]);
    // The `d` rows are dynamics: append's row is [' id="items-6"', 'item 6', ' phx-value-id="6"'] plus the count.
    const append = only(obs, 'event')[0]!;
    expect(append.anatomy.dynamicBytes).toBe(j('6') + j(' id="items-6"') + j('item 6') + j(' phx-value-id="6"'));
    expect(append.anatomy.staticBytes).toBe(0);
  });

  it('form: statics of a nested `d` comprehension arrive once, later replies are dynamic-only', () => {
    const { obs } = load('form');
    const [first, second] = only(obs, 'event');
    expect(first!.anatomy.staticBytes).toBe(
      j('<span class="error" id="name-error">') + j('</span>') + j('<span class="error" id="email-error">') + j('</span>'),
    );
    expect(second!.anatomy.staticBytes).toBe(0);
    expect(second!.anatomy.dynamicBytes).toBeGreaterThan(0);
  });

  it('async: the assign_async result is a ref-less diff push attributed to the view', () => {
    const { events, obs } = load('async');
    const pushes = only(obs, 'push');
    expect(pushes.map((p) => [p.event, p.view, p.topic])).toEqual([
      ['diff', '/async', 'lv:phx-GOrIvqJ6pcoSHQLB'],
      ['diff', '/async', 'lv:phx-GOrIvqJ6pcoSHQLB'],
    ]);
    const rawPushes = rawMessages(events).filter((m) => m.event === 'diff');
    expect(rawPushes.every((m) => m.ref === null)).toBe(true);
    expect(pushes.map((p) => p.anatomy.bytes)).toEqual(rawPushes.map((m) => wireBytes(m.ev)));
    expect(pushes[0]!.t).toBe(rawPushes[0]!.ev.timestamp);
  });

  it('navigation: a navigate join on the same topic and socket with the new view path', () => {
    const { obs } = load('navigation');
    const [first, second] = only(obs, 'join');
    expect(first).toMatchObject({ view: '/', cause: 'initial', joinRef: '4', ok: true });
    expect(second).toMatchObject({ view: '/counter', cause: 'navigate', joinRef: '11', ok: true, nested: false, mounts: 0 });
    expect(second!.topic).toBe(first!.topic);
    expect(second!.socket).toBe(first!.socket);
    // The phx_leave is paired silently, the stale phx_close of join 4 ends nothing.
    expect(only(obs, 'event').map((e) => [e.event, e.view])).toEqual([['inc', '/counter']]);
  });
});
