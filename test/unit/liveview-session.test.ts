/** Session-model behaviours the vector files do not reach: socket failures, end(), orphaned pushes, labels. */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/liveview/observations.js';
import { channelOf, LiveViewSession, viewPath } from '../../src/liveview/session.js';
import type { SocketEvent } from '../../src/liveview/socket-events.js';
import { only } from '../support/socket-vectors.js';

const T = 'lv:phx-A';

/** A small scripted socket: each helper pushes one CDP event and returns what the session concluded. */
function script(session = new LiveViewSession(), socket = 'ws.1') {
  const feed = (ev: SocketEvent) => session.push(ev);
  const frame = (kind: 'sent' | 'received', t: number, msg: unknown[]) =>
    feed({ kind, requestId: socket, timestamp: t, opcode: 1, payloadData: JSON.stringify(msg) });
  return {
    session,
    created: () => feed({ kind: 'created', requestId: socket, url: 'ws://localhost/live/websocket?vsn=2.0.0' }),
    send: (t: number, msg: unknown[]) => frame('sent', t, msg),
    recv: (t: number, msg: unknown[]) => frame('received', t, msg),
    join: (t: number, ref: string, payload: Record<string, unknown> = { url: 'http://localhost/page' }, topic = T) =>
      frame('sent', t, [ref, ref, topic, 'phx_join', payload]),
    joinOk: (t: number, ref: string, topic = T) =>
      frame('received', t, [ref, ref, topic, 'phx_reply', { status: 'ok', response: { rendered: { s: ['x'] } } }]),
    closed: (t: number) => feed({ kind: 'closed', requestId: socket, timestamp: t }),
    error: (t: number) => feed({ kind: 'error', requestId: socket, timestamp: t, errorMessage: 'boom' }),
  };
}

const kinds = (obs: Observation[]) => obs.filter((o) => o.type !== 'frame').map((o) => (o.type === 'error' ? `error:${o.kind}` : o.type));

describe('LiveViewSession', () => {
  it('a frame error while joined is one disconnect; the close after it is unexpected and reports nothing more', () => {
    const s = script();
    s.created();
    s.join(1, '4');
    s.joinOk(1.01, '4');
    s.send(1.1, ['4', '5', T, 'event', { event: 'e' }]);
    expect(kinds(s.error(1.2))).toEqual(['error:disconnect']);
    expect(s.closed(1.3)).toEqual([{ type: 'socket_closed', socket: 'ws.1', t: 1.3, expected: false }]);
    expect(s.session.pendingCount()).toBe(0);
    expect(s.session.expire(100)).toEqual([]);
    expect(s.session.end()).toEqual([]);
  });

  it('a close with a join still pending is a disconnect too', () => {
    const s = script();
    s.join(1, '4');
    expect(kinds(s.closed(2))).toEqual(['error:disconnect', 'socket_closed']);
  });

  it('end() closes open sockets as expected, drops pending pushes, and late frames change nothing', () => {
    const s = script();
    s.join(1, '4');
    s.joinOk(1.01, '4');
    s.send(1.1, ['4', '5', T, 'event', { event: 'e' }]);
    expect(s.session.end(2)).toEqual([{ type: 'socket_closed', socket: 'ws.1', t: 2, expected: true }]);
    expect(s.session.pendingCount()).toBe(0);
    // In-flight frames are still counted, but a late reply pairs nothing and a late push never times out.
    expect(kinds(s.recv(2.1, ['4', '5', T, 'phx_reply', { status: 'ok', response: {} }]))).toEqual([]);
    expect(s.recv(2.1, ['4', '5', T, 'phx_reply', { status: 'ok', response: {} }]).map((o) => o.type)).toEqual(['frame']);
    s.send(2.2, ['4', '6', T, 'event', { event: 'late' }]);
    expect(s.session.expire(100)).toEqual([]);
    expect(kinds(s.closed(2.3))).toEqual([]);
    // The session stays usable: the next document's socket is tracked normally.
    const next = script(s.session, 'ws.2');
    next.created();
    next.join(3, '1');
    expect(kinds(next.joinOk(3.01, '1'))).toEqual(['join']);
  });

  it('pushes of a join that closed can still pair, but expire silently instead of timing out', () => {
    const s = script();
    s.join(1, '4');
    s.joinOk(1.01, '4');
    s.send(1.1, ['4', '5', T, 'event', { event: 'a' }]);
    s.send(1.2, ['4', '6', T, 'event', { event: 'b' }]);
    expect(s.session.pendingCount()).toBe(2);
    expect(kinds(s.recv(1.3, ['4', '4', T, 'phx_close', {}]))).toEqual([]);
    expect(s.session.pendingCount()).toBe(0);
    const late = only(s.recv(1.4, ['4', '5', T, 'phx_reply', { status: 'ok', response: {} }]), 'event');
    expect(late.map((e) => [e.event, Math.round(e.ms)])).toEqual([['a', 300]]);
    expect(s.session.expire(100)).toEqual([]);
    // After its close, a diff for that join is stale.
    expect(kinds(s.recv(1.5, ['4', null, T, 'diff', { '0': 'x' }]))).toEqual([]);
  });

  it('a phx_leave is paired silently and never times out', () => {
    const s = script();
    s.join(1, '4');
    s.joinOk(1.01, '4');
    s.send(2, ['4', '5', T, 'phx_leave', {}]);
    expect(s.session.expire(100)).toEqual([]);
  });

  it('a join timeout is reported and makes the next join a rejoin', () => {
    const s = script(new LiveViewSession({ pushTimeoutMs: 10_000 }));
    s.join(1, '4');
    expect(kinds(s.session.expire(11))).toEqual(['error:timeout']);
    s.join(12, '5');
    expect(only(s.joinOk(12.01, '5'), 'join').map((o) => o.cause)).toEqual(['rejoin']);
  });

  it('a redirect push or reply ends the view, so the socket closing next is expected', () => {
    const a = script();
    a.join(1, '4');
    a.joinOk(1.01, '4');
    expect(only(a.recv(2, ['4', null, T, 'redirect', { to: '/login' }]), 'push').map((p) => p.event)).toEqual(['redirect']);
    expect(kinds(a.closed(3))).toEqual(['socket_closed']);
    expect(only(a.closed(3), 'socket_closed')).toEqual([]);

    const b = script();
    b.join(1, '4');
    b.joinOk(1.01, '4');
    b.send(2, ['4', '5', T, 'event', { event: 'logout' }]);
    b.recv(2.01, ['4', '5', T, 'phx_reply', { status: 'ok', response: { redirect: { to: '/' } } }]);
    expect(b.closed(3)).toEqual([{ type: 'socket_closed', socket: 'ws.1', t: 3, expected: true }]);
  });

  it('reconnect needs an earlier socket on the page and _mounts ≥ 1', () => {
    const session = new LiveViewSession();
    const first = script(session, 'a');
    first.created();
    // The first socket of a page never counts as a reconnect, whatever its _mounts.
    expect(kinds(first.join(1, '4', { url: 'http://h/x', params: { _mounts: 2 } }))).toEqual([]);
    const second = script(session, 'b');
    second.created();
    expect(kinds(second.join(2, '5', { url: 'http://h/x', params: { _mounts: 0 } }))).toEqual([]);
    const third = script(session, 'c');
    expect(kinds(third.join(3, '6', { url: 'http://h/x', params: { _mounts: 1 } }))).toEqual(['reconnect']);
    // Only the socket's first join can signal it.
    expect(kinds(third.join(3.1, '7', { url: 'http://h/x', params: { _mounts: 1 } }, 'lv:other'))).toEqual([]);
  });

  it('pushes and events on a topic whose join was never seen are attributed to `unknown`', () => {
    const s = script();
    expect(only(s.recv(1, ['4', null, T, 'diff', { '0': 'x' }]), 'push').map((p) => p.view)).toEqual(['unknown']);
    s.send(2, ['4', '5', T, 'event', { event: 'e' }]);
    expect(only(s.recv(2.01, ['4', '5', T, 'phx_reply', { status: 'ok', response: {} }]), 'event').map((e) => e.view)).toEqual(['unknown']);
    // A nested join without any main view on the socket.
    s.join(3, '6', { params: {} }, 'lv:child');
    expect(only(s.joinOk(3.01, '6', 'lv:child'), 'join').map((o) => [o.view, o.nested])).toEqual([['unknown', true]]);
  });

  it('a reply for another topic with the same ref does not pair', () => {
    const s = script();
    s.join(1, '4');
    s.joinOk(1.01, '4');
    s.send(2, ['4', '5', T, 'event', { event: 'e' }]);
    expect(kinds(s.recv(2.01, ['9', '5', 'lv:other', 'phx_reply', { status: 'ok', response: {} }]))).toEqual([]);
    expect(kinds(s.recv(2.02, ['4', '5', T, 'phx_reply', { status: 'error', response: { reason: 'x' } }]))).toEqual(['event']);
  });

  it('V1 frames without join_ref belong to the current join of their topic', () => {
    const session = new LiveViewSession();
    const v1 = (kind: 'sent' | 'received', t: number, msg: Record<string, unknown>) =>
      session.push({ kind, requestId: 'v', timestamp: t, opcode: 1, payloadData: JSON.stringify(msg) });
    v1('sent', 1, { topic: T, event: 'phx_join', payload: { url: 'http://h/old' }, ref: '1' });
    expect(only(v1('received', 1.01, { topic: T, event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '1' }), 'join')).toHaveLength(1);
    v1('sent', 2, { topic: T, event: 'event', payload: { event: 'e' }, ref: '2' });
    expect(session.pendingCount()).toBe(1);
    expect(kinds(v1('received', 2.5, { topic: T, event: 'phx_close', payload: {}, ref: '1' }))).toEqual([]);
    expect(session.pendingCount()).toBe(0);
    expect(session.expire(100)).toEqual([]);
  });

  it('socket lifecycle: open and connected with the handshake duration from CDP time', () => {
    const session = new LiveViewSession();
    expect(session.push({ kind: 'created', requestId: 'w', url: 'ws://h/live', timestamp: 5 })).toEqual([{ type: 'socket_open', socket: 'w', url: 'ws://h/live', t: 5 }]);
    session.push({ kind: 'handshake_request', requestId: 'w', timestamp: 5.25 });
    const [connected] = session.push({ kind: 'handshake', requestId: 'w', timestamp: 5.5, status: 101 });
    expect(connected).toEqual({ type: 'socket_connected', socket: 'w', t: 5.5, ms: 250, status: 101 });
  });

  it('appends to a caller-supplied array', () => {
    const out: Observation[] = [];
    const session = new LiveViewSession();
    const returned = session.push({ kind: 'created', requestId: 'w', url: 'ws://h' }, out);
    expect(returned).toBe(out);
    expect(out).toHaveLength(1);
  });
});

describe('labels', () => {
  it.each([
    ['http://localhost:4000/a/b?x=1#frag', '/a/b'],
    ['http://localhost:4000', '/'],
    ['http://localhost:4000?x=/y', '/'],
    ['https://h/#/route', '/'],
    ['/rel/path?q', '/rel/path'],
    ['rel', '/rel'],
  ])('viewPath(%s) = %s', (url, path) => {
    expect(viewPath(url)).toBe(path);
  });

  it.each([
    ['lv:phx-1', 'lv'],
    ['lvu:0', 'upload'],
    ['phoenix', 'heartbeat'],
    ['room:lobby', 'other'],
    ['lv', 'other'],
  ] as const)('channelOf(%s) = %s', (topic, channel) => {
    expect(channelOf(topic)).toBe(channel);
  });

  it('pairs a heartbeat only with a phx_reply on topic phoenix carrying the same ref, once', () => {
    const s = script();
    s.created();
    s.join(1, '4');
    s.joinOk(1.01, '4');
    s.send(2, [null, '7', 'phoenix', 'heartbeat', {}]);
    // Same ref on a LiveView topic, and a phoenix reply with another ref: neither answers the heartbeat.
    expect(only(s.recv(2.001, ['4', '7', T, 'phx_reply', { status: 'ok', response: {} }]), 'heartbeat')).toEqual([]);
    expect(only(s.recv(2.002, [null, '8', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]), 'heartbeat')).toEqual([]);
    const hb = only(s.recv(2.004, [null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]), 'heartbeat');
    expect(hb).toHaveLength(1);
    expect(hb[0]!.t).toBe(2);
    expect(hb[0]!.ms).toBeCloseTo(4, 9);
    expect(only(s.recv(2.005, [null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]), 'heartbeat')).toEqual([]);
    expect(s.session.pendingCount()).toBe(0); // heartbeats are not LiveView pushes
  });
});
