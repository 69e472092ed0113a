/**
 * The probe's connection state, which memory per LiveView pairs with server scrapes: a page is "settled" only
 * when the server cannot be counting its LiveViews differently from the harness (no document being replaced,
 * no main join or leave in flight).
 */
import { describe, expect, it, vi } from 'vitest';
import { PageProbe } from '../../src/probe/page-probe.js';

const T = 'lv:phx-A';

function page() {
  const probe = PageProbe.create({ sink: () => undefined });
  const frame = (socket: string, kind: 'sent' | 'received', t: number, msg: unknown[]) =>
    probe.onSocketEvent({ kind, requestId: socket, timestamp: t, opcode: 1, payloadData: JSON.stringify(msg) });
  return {
    probe,
    created: (socket: string) => probe.onSocketEvent({ kind: 'created', requestId: socket, url: 'ws://localhost/live/websocket?vsn=2.0.0' }),
    join: (socket: string, t: number, ref: string, path: string) => frame(socket, 'sent', t, [ref, ref, T, 'phx_join', { url: `http://localhost${path}` }]),
    joinOk: (socket: string, t: number, ref: string) => frame(socket, 'received', t, [ref, ref, T, 'phx_reply', { status: 'ok', response: { rendered: { s: ['x'] } } }]),
    leave: (socket: string, t: number, joinRef: string, ref: string) => frame(socket, 'sent', t, [joinRef, ref, T, 'phx_leave', {}]),
    closed: (socket: string, t: number) => probe.onSocketEvent({ kind: 'closed', requestId: socket, timestamp: t }),
  };
}

describe('PageProbe.connection', () => {
  it('a join in flight is unsettled until its reply; the reply connects the view', () => {
    const p = page();
    expect(p.probe.connection()).toMatchObject({ view: undefined, settled: true, changes: 0 });
    p.created('ws.1');
    p.join('ws.1', 1, '1', '/a');
    expect(p.probe.connection()).toMatchObject({ view: undefined, settled: false, changes: 1 });
    p.joinOk('ws.1', 1.01, '1');
    expect(p.probe.connection()).toMatchObject({ view: '/a', settled: true, changes: 2 });
  });

  it('a new document: unsettled from the navigation until the old socket is gone and the new view has joined', () => {
    const p = page();
    p.created('ws.1');
    p.join('ws.1', 1, '1', '/a');
    p.joinOk('ws.1', 1.01, '1');
    const before = p.probe.connection();
    p.probe.newDocument();
    // The old view is still held (and still on the server) until its document unloads.
    expect(p.probe.connection()).toMatchObject({ view: '/a', settled: false });
    expect(p.probe.connection().changes).toBeGreaterThan(before.changes);
    // CDP never reports the replaced document's socket closing; the new document's socket shows it unloaded.
    p.created('ws.2');
    expect(p.probe.connection()).toMatchObject({ view: '/a', settled: false }); // still navigating: no join yet
    p.join('ws.2', 2, '1', '/b');
    expect(p.probe.connection().settled).toBe(false);
    p.joinOk('ws.2', 2.01, '1');
    expect(p.probe.connection()).toMatchObject({ view: '/b', settled: true });
  });

  it('a failed navigation settles again once the old socket is reported closed', () => {
    const p = page();
    p.created('ws.1');
    p.join('ws.1', 1, '1', '/a');
    p.joinOk('ws.1', 1.01, '1');
    p.probe.newDocument();
    p.probe.navigationFailed();
    expect(p.probe.connection()).toMatchObject({ view: '/a', settled: false }); // the old socket may still be open
    p.closed('ws.1', 3);
    expect(p.probe.connection()).toMatchObject({ view: undefined, settled: true });
  });

  it('a live navigation leave is unsettled until answered; changes only grow and are stamped with the clock', () => {
    // The probe stamps changes with performance.now(): stubbed, so the stamps are exact.
    const clock = vi.spyOn(performance, 'now').mockReturnValue(1_000);
    try {
      const p = page();
      p.created('ws.1');
      p.join('ws.1', 1, '1', '/a');
      clock.mockReturnValue(1_250);
      p.joinOk('ws.1', 1.01, '1');
      const settled = p.probe.connection();
      expect(settled.changedAt).toBe(1_250);
      clock.mockReturnValue(2_000);
      expect(p.probe.connection()).toEqual(settled); // reading does not change anything, the stamp included
      p.leave('ws.1', 2, '1', '2');
      const leaving = p.probe.connection();
      expect(leaving.settled).toBe(false);
      expect(leaving.changes).toBe(settled.changes + 1);
      expect(leaving.changedAt).toBe(2_000);
    } finally {
      clock.mockRestore();
    }
  });

  it('detach ends every transition', async () => {
    const p = page();
    p.created('ws.1');
    p.join('ws.1', 1, '1', '/a');
    await p.probe.detach();
    expect(p.probe.connection()).toMatchObject({ view: undefined, settled: true });
  });
});
