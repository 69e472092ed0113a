/**
 * Turns the LiveView decoder's observations into catalogue metrics. The mapping is the public meaning of the
 * numbers, so the choices are spelled out:
 * - join: only successful joins (`ok`) feed `lv_join_ms`, `lv_join_bytes` and the diff-composition histograms
 *   (with `event='phx_join'`): an error reply (stale, unauthorized, redirect) has no rendered diff and its time
 *   is not a mount. Every answered join counts in `lv_joins{view,cause}`; the failures themselves arrive as
 *   `error` observations (`lv_errors{kind=join_error}`).
 * - event: every matched round trip counts, whatever was pushed. For `event` pushes (phx-click/change/submit/
 *   hook) the label is the LiveView event name; other pushes (`live_patch`, `cids_will_destroy`, …) are labelled
 *   with the push name, so `lv_events{event=inc}` is exactly the number of `inc` round trips and
 *   `lv_events` and `lv_event_rtt_ms` always have the same count per label set.
 * - push: server pushes without a ref; composition histograms use `event='push:<name>'` (e.g. `push:diff`).
 * - frame: `ws_heartbeats` counts heartbeats sent (one per heartbeat; its reply is not counted again).
 * - action: on event round trips, the name the scenario gave the action that caused it (`{ action: 'insert' }`),
 *   else the event name; joins and pushes have none.
 * - heartbeat: `ws_heartbeat_rtt_ms`, heartbeat → its reply; the server does no app work, so it is the probe's floor.
 */
import type { DiffAnatomy, Observation } from '../liveview/observations.js';
import type { MetricsRegistry } from './registry.js';
import type { Labels } from './model.js';

/** The part of the registry the recorder needs (tests and wrappers can supply their own). */
export type ObservationSink = Pick<MetricsRegistry, 'record' | 'count' | 'error'>;

export function recordObservation(reg: ObservationSink, obs: Observation, action?: string): void {
  switch (obs.type) {
    case 'join': {
      reg.count('lv_joins', { view: obs.view, cause: obs.cause });
      if (!obs.ok) return;
      reg.record('lv_join_ms', { view: obs.view }, obs.ms);
      reg.record('lv_join_bytes', { view: obs.view }, obs.anatomy.bytes);
      recordComposition(reg, 'phx_join', obs.view, obs.anatomy);
      return;
    }
    case 'event': {
      const labels = { event: obs.event, view: obs.view, action: action ?? obs.event };
      reg.record('lv_event_rtt_ms', labels, obs.ms);
      reg.record('lv_diff_bytes', labels, obs.anatomy.bytes);
      recordComposition(reg, obs.event, obs.view, obs.anatomy, labels.action);
      reg.count('lv_events', labels);
      return;
    }
    case 'push': {
      reg.record('lv_push_bytes', { view: obs.view }, obs.anatomy.bytes);
      reg.count('lv_pushes', { view: obs.view });
      recordComposition(reg, `push:${obs.event}`, obs.view, obs.anatomy);
      return;
    }
    case 'error': {
      reg.count('lv_errors', { kind: obs.kind });
      const context: Record<string, string> = {};
      if (obs.view !== undefined) context.view = obs.view;
      if (obs.topic !== undefined) context.topic = obs.topic;
      if (obs.event !== undefined) context.event = obs.event;
      reg.error(`lv.${obs.kind}`, obs.detail, Object.keys(context).length > 0 ? context : undefined);
      return;
    }
    case 'frame': {
      reg.count('ws_frames', { dir: obs.dir });
      reg.count('ws_bytes', { dir: obs.dir }, obs.bytes);
      if (obs.channel === 'heartbeat' && obs.dir === 'sent') reg.count('ws_heartbeats', {});
      return;
    }
    case 'heartbeat': {
      reg.record('ws_heartbeat_rtt_ms', {}, obs.ms);
      return;
    }
    case 'socket_connected': {
      if (obs.ms !== undefined) reg.record('ws_connect_ms', {}, obs.ms);
      return;
    }
    case 'reconnect': {
      reg.count('ws_reconnects', {});
      return;
    }
    case 'socket_open':
    case 'socket_closed':
      return;
    default: {
      // A new observation type must be mapped here (or ignored explicitly above).
      const unmapped: never = obs;
      void unmapped;
    }
  }
}

function recordComposition(reg: ObservationSink, event: string, view: string, a: DiffAnatomy, action?: string): void {
  const labels: Labels = action === undefined ? { event, view } : { event, view, action };
  reg.record('lv_diff_static_bytes', labels, a.staticBytes);
  reg.record('lv_diff_dynamic_bytes', labels, a.dynamicBytes);
  reg.record('lv_diff_components', labels, a.components);
  reg.record('lv_stream_ops', labels, a.streamInserts + a.streamDeletes + a.streamResets);
}
