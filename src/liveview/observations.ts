/**
 * What the LiveView decoder concludes from socket events: one observation per thing worth a number.
 * The metrics recorder (src/metrics/record.ts) turns these into histograms and counters; nothing here knows
 * about HDR or labels caps. Times `t` are CDP seconds; durations are milliseconds computed within that clock.
 */

/** Byte anatomy of one rendered diff (join reply, event reply or server push). */
export interface DiffAnatomy {
  /** UTF-8 length of the whole frame's payloadData, as on the wire. */
  bytes: number;
  /** UTF-8 bytes of static template strings (`s` arrays and `p` templates). */
  staticBytes: number;
  /** UTF-8 bytes of dynamic values (strings in dynamic slots, `k` entries, 1.0 `d` rows). */
  dynamicBytes: number;
  /** Number of component ids present under `c`. */
  components: number;
  streamInserts: number;
  streamDeletes: number;
  streamResets: number;
  /** Number of shared templates under `p` (any depth). */
  templates: number;
  /** Number of pushed events under `e`. */
  events: number;
  /** Whether a new page title (`t`) came with the diff. */
  title: boolean;
}

export type LvErrorKind = 'join_error' | 'crash' | 'timeout' | 'disconnect' | 'undecodable';

/** Channel class of a frame: LiveView traffic is only `lv`; heartbeats and others are counted apart. */
export type FrameChannel = 'lv' | 'upload' | 'heartbeat' | 'other' | 'undecodable';

export type Observation =
  | { type: 'socket_open'; socket: string; url: string; t: number | undefined }
  /** Handshake finished; `ms` is handshake request → response when the request time is known. */
  | { type: 'socket_connected'; socket: string; t: number; ms: number | undefined; status: number }
  | { type: 'socket_closed'; socket: string; t: number; expected: boolean }
  /** A socket after the first one on the same page whose first join carries `_mounts` ≥ 1. */
  | { type: 'reconnect'; socket: string; t: number }
  | {
      type: 'join';
      socket: string;
      topic: string;
      /** Route path without query of the view's URL (main view's URL for nested views). */
      view: string;
      joinRef: string;
      t: number;
      /** phx_join sent → matching phx_reply received. */
      ms: number;
      ok: boolean;
      /** Error reason (`stale`, `unauthorized`, `redirect`, `live_redirect`, `reload`, `unmatched topic`, …). */
      reason: string | undefined;
      /** `_mounts` from the join params: 0 on first mount, ≥ 1 after a reconnect or rejoin. */
      mounts: number;
      /** initial: first join of this topic on the page; navigate: a live navigation join (`redirect`); rejoin: after a crash or reconnect. */
      cause: 'initial' | 'navigate' | 'rejoin';
      nested: boolean;
      anatomy: DiffAnatomy;
    }
  | {
      type: 'event';
      socket: string;
      topic: string;
      view: string;
      /** The channel event pushed: `event` for phx-click/change/submit/hook, or `live_patch`, `cids_destroyed`, … */
      push: string;
      /** The LiveView event name (payload.event) for `event` pushes, otherwise the push name. */
      event: string;
      ref: string;
      /** Time the push was sent. */
      t: number;
      ms: number;
      ok: boolean;
      cid: number | undefined;
      anatomy: DiffAnatomy;
    }
  /** A server push without ref on an lv topic: `diff`, `redirect`, `live_patch`, `live_redirect`. */
  | { type: 'push'; socket: string; topic: string; view: string; event: string; t: number; anatomy: DiffAnatomy }
  | {
      type: 'error';
      kind: LvErrorKind;
      socket: string;
      topic: string | undefined;
      view: string | undefined;
      t: number;
      detail: string;
      /** crash: the LiveView event (payload.event) whose push the crash left unanswered, when there was one. */
      event?: string;
    }
  /** A Phoenix heartbeat answered: `heartbeat` sent (at `t`) → `phx_reply` with the same ref, in ms. */
  | { type: 'heartbeat'; socket: string; t: number; ms: number }
  | { type: 'frame'; socket: string; dir: 'sent' | 'received'; t: number; bytes: number; channel: FrameChannel };
