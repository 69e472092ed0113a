/**
 * Hand-written LiveView 1.2 sequences (test/vectors/lv-1.2, described in its README), modelled on the frames the
 * real 1.2.12 client produced in ../shared/liveview-protocol.md.
 */
import { describe, expect, it } from 'vitest';
import { LiveViewSession } from '../../src/liveview/session.js';
import { checkInvariants, j, only, readVectors, replay, VECTORS, wireBytes } from '../support/socket-vectors.js';

const load = (name: string) => {
  const events = readVectors(`${VECTORS}lv-1.2/${name}.jsonl`);
  return { events, ...replay(events) };
};

const FILES = ['keyed', 'stream', 'components', 'nested', 'crash', 'reconnect', 'join-errors', 'timeout', 'malformed', 'binary', 'v1'] as const;

describe('hand-written LiveView 1.2 sequences', () => {
  it.each(FILES)('%s: frames, pairing and byte sizes match the raw frames', (name) => {
    const { events, obs } = load(name);
    checkInvariants(events, obs);
  });

  it('keyed: exact counts, heartbeats apart, every RTT from CDP timestamps', () => {
    const { obs } = load('keyed');
    expect(only(obs, 'event').map((e) => [e.push, e.event])).toEqual([
      ['event', 'inc'],
      ['event', 'shuffle'],
      ['event', 'get_count'],
      ['event', 'validate'],
      ['live_patch', 'live_patch'],
    ]);
    expect(only(obs, 'event').map((e) => Math.round(e.ms * 1000) / 1000)).toEqual([12, 9, 3, 4.5, 11]);
    expect(only(obs, 'push').map((p) => [p.event, p.view])).toEqual([
      ['live_patch', '/v2'],
      ['diff', '/v2'],
    ]);
    const frames = only(obs, 'frame');
    expect(frames.filter((f) => f.channel === 'heartbeat')).toHaveLength(4);
    expect(only(obs, 'heartbeat').map((h) => [h.t, Math.round(h.ms * 1000) / 1000])).toEqual([
      [100.3, 1],
      [130.3, 2],
    ]);
    expect(frames.filter((f) => f.channel === 'lv')).toHaveLength(frames.length - 4);
    expect(only(obs, 'socket_connected')[0]!.ms).toBeCloseTo(4, 9);
    expect(only(obs, 'join')[0]).toMatchObject({ view: '/v2', cause: 'initial', mounts: 0, nested: false });
  });

  it('keyed: join render with root `p`, integer `s` and a keyed comprehension', () => {
    const { obs } = load('keyed');
    const join = only(obs, 'join')[0]!;
    expect(join.anatomy).toMatchObject({
      templates: 1,
      staticBytes:
        j('<li>') + j('</li>') + j('<ul id="list">') + j('</ul>') + j('<span class="i">') + j('</span>') +
        j('<h1>Count: ') + j('</h1>\n') + j('\n<p>') + j('</p>'),
      // '0', the two keyed entries 'a' and 'b', and the empty slot ''. The root flag r:1 is structure.
      dynamicBytes: j('0') + j('a') + j('b') + j(''),
      components: 0,
      title: false,
    });
  });

  it('keyed: title, pushed events, moves and a hook reply', () => {
    const { obs } = load('keyed');
    const [inc, shuffle, getCount, validate, patch] = only(obs, 'event');
    expect(inc!.anatomy).toMatchObject({ title: true, events: 1, staticBytes: 0, dynamicBytes: j('1') + j('Count 1') + j([['counted', { n: 1 }]]) });
    // {"k":{"0":1,"1":0,"2":{…},"kc":3,"km":true}}: two pure moves, one new entry using root template 0.
    expect(shuffle!.anatomy).toMatchObject({ templates: 1, staticBytes: j('<span class="i">') + j('</span>'), dynamicBytes: j('c') });
    expect(getCount!.anatomy).toMatchObject({ dynamicBytes: j({ count: 1, ok: true }), staticBytes: 0 });
    expect(validate!.anatomy).toMatchObject({ dynamicBytes: 0, staticBytes: 0 });
    expect(patch!.anatomy.dynamicBytes).toBe(j('3'));
    const diff = only(obs, 'push')[1]!;
    // Non-ASCII and escapes are counted as on the wire.
    expect(diff.anatomy.dynamicBytes).toBe(j('héllo “quoted” & <b>bold</b>\n'));
  });

  it('stream: inserts, deletes and resets, summed over root and component streams', () => {
    const { obs } = load('stream');
    const join = only(obs, 'join')[0]!;
    expect(join.anatomy).toMatchObject({ streamInserts: 2, streamDeletes: 0, streamResets: 0, components: 1 });
    expect(only(obs, 'event').map((e) => [e.event, e.anatomy.streamInserts, e.anatomy.streamDeletes, e.anatomy.streamResets])).toEqual([
      ['prepend', 1, 1, 0],
      ['reset', 0, 0, 1],
      ['reset_with', 2, 0, 1],
    ]);
    const push = only(obs, 'push')[0]!;
    expect(push.anatomy).toMatchObject({ streamInserts: 3, streamDeletes: 2, streamResets: 1, components: 1 });
  });

  it('components: c with positive and negative `s` refs; cids_will_destroy and cids_destroyed are paired', () => {
    const { obs } = load('components');
    const join = only(obs, 'join')[0]!;
    // Components 2 and 3 reuse cid 1's statics (`"s":1`): statics are counted once.
    expect(join.anatomy).toMatchObject({
      components: 3,
      staticBytes: j('<div class="comp" id="comp-') + j('">clicks: ') + j('</div>') + j('') + j('') + j('<div id="components">') + j('</div>'),
    });
    const events = only(obs, 'event');
    expect(events.map((e) => [e.push, e.event, e.cid, e.anatomy.components])).toEqual([
      ['event', 'bump', 1, 1],
      ['event', 'bump', 2, 1],
      ['event', 'add', undefined, 1],
      ['event', 'remove', undefined, 0],
      ['cids_will_destroy', 'cids_will_destroy', undefined, 0],
      ['cids_destroyed', 'cids_destroyed', undefined, 0],
    ]);
    // The new component copies statics from a cid the client holds (`"s":-1`): no static bytes on the wire.
    expect(events[2]!.anatomy.staticBytes).toBe(0);
    expect(only(obs, 'push')[0]!.anatomy.components).toBe(1);
  });

  it('nested: the child takes the main view, navigation rejoins the same topic, stale messages are dropped', () => {
    const { events, obs } = load('nested');
    expect(only(obs, 'join').map((o) => [o.topic, o.view, o.cause, o.nested, o.joinRef])).toEqual([
      ['lv:phx-FAKE0000000004', '/parent', 'initial', false, '4'],
      ['lv:child', '/parent', 'initial', true, '6'],
      ['lv:phx-FAKE0000000004', '/other', 'navigate', false, '10'],
    ]);
    expect(only(obs, 'event').map((e) => [e.topic, e.view, e.event])).toEqual([['lv:child', '/parent', 'ping']]);
    // The diff with the old join_ref "4" is counted as a frame but is not a push.
    expect(only(obs, 'push').map((p) => [p.topic, p.view, p.anatomy.bytes])).toEqual([
      ['lv:child', '/parent', wireBytes(events.find((e) => e.kind === 'received' && e.timestamp === 400.2) as never)],
      ['lv:phx-FAKE0000000004', '/other', wireBytes(events.find((e) => e.kind === 'received' && e.timestamp === 400.5) as never)],
    ]);
    expect(only(obs, 'error')).toEqual([]);
  });

  it('crash: phx_error is a crash of the unanswered event (named), the next join a rejoin; the push does not also time out', () => {
    const { obs, session } = load('crash');
    expect(only(obs, 'error')).toEqual([
      { type: 'error', kind: 'crash', socket: 'x.1', topic: 'lv:phx-FAKE0000000005', view: '/crashy', t: 500.103, detail: 'channel_crash', event: 'boom' },
    ]);
    expect(only(obs, 'join').map((o) => [o.cause, o.mounts, o.joinRef])).toEqual([
      ['initial', 0, '4'],
      ['rejoin', 1, '6'],
    ]);
    expect(only(obs, 'event').map((e) => e.event)).toEqual(['fine']);
    expect(session.pendingCount()).toBe(0);
    expect(session.expire(600)).toEqual([]);
  });

  it('reconnect: the dropped socket is a disconnect, the new one a reconnect with a rejoin', () => {
    const { obs, session } = load('reconnect');
    expect(only(obs, 'error')).toEqual([
      { type: 'error', kind: 'disconnect', socket: 'r.1', topic: undefined, view: '/dash', t: 601, detail: 'socket closed' },
    ]);
    expect(only(obs, 'socket_closed')).toEqual([{ type: 'socket_closed', socket: 'r.1', t: 601, expected: false }]);
    expect(only(obs, 'reconnect')).toEqual([{ type: 'reconnect', socket: 'r.2', t: 601.013 }]);
    expect(only(obs, 'join').map((o) => [o.socket, o.cause, o.mounts])).toEqual([
      ['r.1', 'initial', 0],
      ['r.2', 'rejoin', 1],
    ]);
    expect(only(obs, 'socket_connected').map((c) => Math.round(c.ms! * 1e6) / 1e6)).toEqual([10, 2.5]);
    // The push lost with r.1 is neither an event nor a later timeout.
    expect(only(obs, 'event').map((e) => e.event)).toEqual(['validate']);
    expect(session.expire(700)).toEqual([]);
    expect(session.end()).toEqual([{ type: 'socket_closed', socket: 'r.2', t: 601.024, expected: true }]);
  });

  it('join errors: each reason, one join_error each, and the retry is a rejoin', () => {
    const { obs } = load('join-errors');
    const failed = only(obs, 'join').filter((o) => !o.ok);
    expect(failed.map((o) => [o.view, o.reason])).toEqual([
      ['/stale', 'stale'],
      ['/admin', 'unauthorized'],
      ['/old', 'live_redirect'],
      ['/gone', 'redirect'],
      ['/reloadme', 'reload'],
      ['/unknown', 'unmatched topic'],
      ['/weird', 'join crashed'],
    ]);
    expect(failed.every((o) => o.anatomy.templates === 0 && o.anatomy.staticBytes === 0)).toBe(true);
    expect(only(obs, 'error').map((e) => [e.kind, e.topic, e.detail])).toEqual(failed.map((o) => ['join_error', o.topic, o.reason]));
    expect(only(obs, 'join').filter((o) => o.ok).map((o) => [o.topic, o.cause])).toEqual([['lv:phx-E7', 'rejoin']]);
    // Every view failed or left before the close: an expected close, no disconnect.
    expect(only(obs, 'socket_closed')).toEqual([{ type: 'socket_closed', socket: 'e.1', t: 701.2, expected: true }]);
  });

  it('timeout: expire reports an unanswered event once, after exactly the push timeout; heartbeats never time out', () => {
    const { obs, session } = load('timeout');
    expect(only(obs, 'event').map((e) => e.event)).toEqual(['fast']);
    expect(session.pendingCount()).toBe(1);
    expect(session.expire(830.09)).toEqual([]);
    expect(session.expire(830.1)).toEqual([
      {
        type: 'error',
        kind: 'timeout',
        socket: 't.1',
        topic: 'lv:phx-FAKE0000000008',
        view: '/slow',
        t: 830.1,
        detail: 'slow (ref 5) unanswered after 30000 ms',
      },
    ]);
    expect(session.expire(900)).toEqual([]);
    expect(only(obs, 'heartbeat')).toEqual([]); // the heartbeat was never answered: no round trip
    expect(session.pendingCount()).toBe(0);
    // A reply after the timeout is only a frame: the client gave up on it too.
    const late = session.push({
      kind: 'received',
      requestId: 't.1',
      timestamp: 831,
      opcode: 1,
      payloadData: JSON.stringify(['4', '5', 'lv:phx-FAKE0000000008', 'phx_reply', { status: 'ok', response: {} }]),
    });
    expect(late.map((o) => o.type)).toEqual(['frame']);
  });

  it('timeout: the push timeout is configurable', () => {
    const events = readVectors(`${VECTORS}lv-1.2/timeout.jsonl`);
    const session = new LiveViewSession({ pushTimeoutMs: 100 });
    for (const ev of events) session.push(ev);
    expect(session.expire(800.199).map((o) => o.type)).toEqual([]);
    expect(session.expire(800.2).map((o) => o.type === 'error' && o.kind)).toEqual(['timeout']);
  });

  it('malformed: each bad frame is counted as undecodable with its size, and decoding goes on', () => {
    const { events, obs } = load('malformed');
    const bad = only(obs, 'frame').filter((f) => f.channel === 'undecodable');
    const badEvents = events.filter((e) => (e.kind === 'sent' || e.kind === 'received') && e.timestamp >= 900.1 && e.timestamp <= 900.21);
    expect(bad.map((f) => f.bytes)).toEqual(badEvents.map((e) => wireBytes(e as never)));
    // 'not json', the binary [1], [7,0,0], '{é' (é is 2 bytes in UTF-8) and 'pong'.
    expect([bad[0]!.bytes, bad[6]!.bytes, bad[8]!.bytes, bad[10]!.bytes, bad[11]!.bytes]).toEqual([8, 1, 3, 3, 4]);
    const errors = only(obs, 'error');
    expect(errors).toHaveLength(12);
    expect(errors.every((e) => e.kind === 'undecodable' && e.topic === undefined)).toBe(true);
    expect(errors.map((e) => e.t)).toEqual(bad.map((f) => f.t));
    expect(errors.map((e) => e.detail)).toEqual([
      'invalid JSON',
      'V2 message with 4 elements, expected 5',
      'V2 join_ref is not a string or null',
      'V2 topic is not a string',
      'not a Phoenix message (neither array nor object)',
      'V1 event is not a string',
      'truncated binary header (kind 1)',
      'truncated binary header (kind 1)',
      'unknown binary kind 7',
      'invalid JSON',
      'invalid JSON',
      'unsupported opcode 9',
    ]);
    expect(only(obs, 'event').map((e) => e.event)).toEqual(['still_works']);
    expect(events.filter((e) => e.kind === 'sent' || e.kind === 'received')).toHaveLength(only(obs, 'frame').length);
  });

  it('binary: uploads are counted apart, all three binary kinds decode, binary sizes are decoded lengths', () => {
    const { events, obs } = load('binary');
    const frames = only(obs, 'frame');
    const binary = events.flatMap((e, i) => ((e.kind === 'sent' || e.kind === 'received') && e.opcode === 2 ? [i] : []));
    const frameIndex = (i: number) => events.slice(0, i).filter((e) => e.kind === 'sent' || e.kind === 'received').length;
    expect(binary.map((i) => [frames[frameIndex(i)]!.channel, frames[frameIndex(i)]!.bytes])).toEqual([
      ['upload', 5 + 1 + 1 + 5 + 5 + 6400],
      ['upload', 5 + 1 + 1 + 5 + 5 + 600],
      ['upload', 5 + 1 + 1 + 5 + 2 + 2],
      ['other', 4 + 2 + 10 + 3 + 10],
      ['other', 3 + 10 + 7 + 300],
      ['other', 5 + 2 + 2 + 10 + 5 + 5],
    ]);
    expect(frames.filter((f) => f.channel === 'undecodable')).toEqual([]);
    // Upload channel joins and chunks are not LiveView joins or events; allow_upload and progress are.
    expect(only(obs, 'join').map((o) => o.topic)).toEqual(['lv:phx-FAKE0000000010']);
    expect(only(obs, 'event').map((e) => [e.push, e.event, e.view])).toEqual([
      ['allow_upload', 'allow_upload', '/upload'],
      ['progress', 'progress', '/upload'],
    ]);
    expect(only(obs, 'error')).toEqual([]);
  });

  it('v1: object frames decode like arrays, including integer refs', () => {
    const { obs } = load('v1');
    expect(only(obs, 'join').map((o) => [o.view, o.joinRef, o.ok])).toEqual([['/legacy', '1', true]]);
    expect(only(obs, 'event').map((e) => [e.event, e.ref])).toEqual([
      ['go', '2'],
      ['int_ref', '4'],
    ]);
    expect(only(obs, 'push').map((p) => p.event)).toEqual(['diff']);
    expect(only(obs, 'frame').filter((f) => f.channel === 'heartbeat')).toHaveLength(2);
    expect(only(obs, 'heartbeat').map((h) => Math.round(h.ms * 1000) / 1000)).toEqual([1]);
  });
});
