import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { recordObservation } from '../../src/metrics/record.js';
import { summarize } from '../../src/metrics/summary.js';
import { formatSeries } from '../../src/metrics/labels.js';
import type { DiffAnatomy, Observation } from '../../src/liveview/observations.js';

const anatomy = (over: Partial<DiffAnatomy> = {}): DiffAnatomy => ({
  bytes: 500,
  staticBytes: 300,
  dynamicBytes: 150,
  components: 2,
  streamInserts: 3,
  streamDeletes: 1,
  streamResets: 1,
  templates: 0,
  events: 0,
  title: false,
  ...over,
});

/**
 * Records observations and returns `series → count/p50` for histograms and `series → value` for counters.
 * p50 is rounded to 2 significant digits: HDR reports the top of the value's bucket (4 ms → 4.001 ms).
 */
function recorded(observations: Observation[]): { histograms: Record<string, { count: number; p50: number }>; counters: Record<string, number>; errors: unknown[] } {
  const reg = new MetricsRegistry({ startedAt: 0 });
  for (const o of observations) recordObservation(reg, o);
  const snap = reg.takeInterval(1);
  return {
    histograms: Object.fromEntries(snap.histograms.map((h) => [formatSeries(h.name, h.labels), { count: summarize(h).count, p50: Number(summarize(h).p50.toPrecision(2)) }])),
    counters: Object.fromEntries(snap.counters.map((c) => [formatSeries(c.name, c.labels), c.value])),
    errors: snap.errors,
  };
}

const join = (over: Partial<Extract<Observation, { type: 'join' }>> = {}): Observation => ({
  type: 'join',
  socket: 's1',
  topic: 'lv:phx-1',
  view: '/counter',
  joinRef: '1',
  t: 1,
  ms: 12,
  ok: true,
  reason: undefined,
  mounts: 0,
  cause: 'initial',
  nested: false,
  anatomy: anatomy({ bytes: 2000, staticBytes: 1500, dynamicBytes: 400, components: 0, streamInserts: 5, streamDeletes: 0, streamResets: 0 }),
  ...over,
});

describe('recordObservation', () => {
  it('join → lv_join_ms, lv_join_bytes, composition with event=phx_join, lv_joins{view,cause}', () => {
    const r = recorded([join(), join({ ok: false, reason: 'stale', cause: 'rejoin', ms: 3 })]);
    expect(r.histograms).toEqual({
      'lv_join_ms{view=/counter}': { count: 1, p50: 12 },
      'lv_join_bytes{view=/counter}': { count: 1, p50: 2000 },
      'lv_diff_static_bytes{event=phx_join,view=/counter}': { count: 1, p50: 1500 },
      'lv_diff_dynamic_bytes{event=phx_join,view=/counter}': { count: 1, p50: 400 },
      'lv_diff_components{event=phx_join,view=/counter}': { count: 1, p50: 0 },
      'lv_stream_ops{event=phx_join,view=/counter}': { count: 1, p50: 5 },
    });
    // Both joins were answered; only the successful one has a mount time and a diff.
    expect(r.counters).toEqual({ 'lv_joins{view=/counter,cause=initial}': 1, 'lv_joins{view=/counter,cause=rejoin}': 1 });
  });

  it('event → rtt, diff bytes, composition and lv_events, labelled by LiveView event; other pushes by push name', () => {
    const event = (push: string, name: string, ms: number): Observation => ({
      type: 'event', socket: 's1', topic: 'lv:phx-1', view: '/counter', push, event: name, ref: '5', t: 2, ms, ok: true, cid: undefined, anatomy: anatomy(),
    });

    const r = recorded([event('event', 'inc', 4), event('event', 'inc', 6), event('live_patch', 'live_patch', 9)]);
    expect(r.histograms['lv_event_rtt_ms{event=inc,view=/counter,action=inc}']?.count).toBe(2);
    expect(r.histograms['lv_event_rtt_ms{event=inc,view=/counter,action=inc}']?.p50).toBe(4);
    expect(r.histograms['lv_event_rtt_ms{event=live_patch,view=/counter,action=live_patch}']).toEqual({ count: 1, p50: 9 });
    expect(r.histograms['lv_diff_bytes{event=inc,view=/counter,action=inc}']).toEqual({ count: 2, p50: 500 });
    expect(r.histograms['lv_diff_static_bytes{event=inc,view=/counter,action=inc}']?.p50).toBe(300);
    expect(r.histograms['lv_diff_dynamic_bytes{event=inc,view=/counter,action=inc}']?.p50).toBe(150);
    expect(r.histograms['lv_diff_components{event=inc,view=/counter,action=inc}']?.p50).toBe(2);
    expect(r.histograms['lv_stream_ops{event=inc,view=/counter,action=inc}']?.p50).toBe(5); // 3 inserts + 1 delete + 1 reset
    expect(r.counters).toEqual({ 'lv_events{event=inc,view=/counter,action=inc}': 2, 'lv_events{event=live_patch,view=/counter,action=live_patch}': 1 });
  });

  it('event → the action named by the scenario replaces the event name in the action label', () => {
    const obs: Observation = {
      type: 'event', socket: 's1', topic: 'lv:phx-1', view: '/stream', push: 'event', event: 'append', ref: '5', t: 2, ms: 3, ok: true, cid: undefined, anatomy: anatomy(),
    };
    const reg = new MetricsRegistry();
    recordObservation(reg, obs, 'insert');
    const snap = reg.takeInterval();
    expect(snap.histograms.filter((h) => h.name === 'lv_event_rtt_ms').map((h) => h.labels)).toEqual([{ event: 'append', view: '/stream', action: 'insert' }]);
    expect(snap.counters.find((c) => c.name === 'lv_events')?.labels).toEqual({ event: 'append', view: '/stream', action: 'insert' });
  });

  it('push → lv_push_bytes, lv_pushes and composition with event=push:<name>', () => {
    const r = recorded([{ type: 'push', socket: 's1', topic: 'lv:phx-1', view: '/async', event: 'diff', t: 3, anatomy: anatomy({ bytes: 77 }) }]);
    expect(r.histograms['lv_push_bytes{view=/async}']).toEqual({ count: 1, p50: 77 });
    expect(r.histograms['lv_diff_static_bytes{event=push:diff,view=/async}']?.count).toBe(1);
    expect(r.counters).toEqual({ 'lv_pushes{view=/async}': 1 });
  });

  it('error → lv_errors{kind} and an error sample with view and topic', () => {
    const r = recorded([
      { type: 'error', kind: 'crash', socket: 's1', topic: 'lv:phx-1', view: '/counter', t: 4, detail: 'phx_error on lv:phx-1' },
      { type: 'error', kind: 'undecodable', socket: 's1', topic: undefined, view: undefined, t: 5, detail: 'bad frame' },
    ]);
    expect(r.counters).toEqual({ 'lv_errors{kind=crash}': 1, 'lv_errors{kind=undecodable}': 1 });
    expect(r.errors).toMatchObject([
      { kind: 'lv.crash', count: 1, samples: [{ message: 'phx_error on lv:phx-1', context: { view: '/counter', topic: 'lv:phx-1' } }] },
      { kind: 'lv.undecodable', count: 1, samples: [{ message: 'bad frame' }] },
    ]);
  });

  it('frames, heartbeats (counted once, when sent), connect time and reconnects', () => {
    const frame = (dir: 'sent' | 'received', bytes: number, channel: 'lv' | 'heartbeat'): Observation => ({ type: 'frame', socket: 's1', dir, t: 1, bytes, channel });
    const r = recorded([
      frame('sent', 100, 'lv'),
      frame('received', 400, 'lv'),
      frame('sent', 60, 'heartbeat'),
      frame('received', 80, 'heartbeat'),
      { type: 'socket_open', socket: 's1', url: 'ws://127.0.0.1/live/websocket', t: 0 },
      { type: 'socket_connected', socket: 's1', t: 1, ms: 2.5, status: 101 },
      { type: 'socket_connected', socket: 's2', t: 1, ms: undefined, status: 101 },
      { type: 'reconnect', socket: 's2', t: 9 },
      { type: 'socket_closed', socket: 's1', t: 10, expected: true },
    ]);
    expect(r.counters).toEqual({
      'ws_bytes{dir=received}': 480,
      'ws_bytes{dir=sent}': 160,
      'ws_frames{dir=received}': 2,
      'ws_frames{dir=sent}': 2,
      ws_heartbeats: 1,
      ws_reconnects: 1,
    });
    expect(r.histograms).toEqual({ ws_connect_ms: { count: 1, p50: 2.5 } });
  });
});
