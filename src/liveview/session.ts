/**
 * The LiveView session model of one page: socket events in CDP delivery order → observations.
 *
 * Model: page → sockets (CDP requestId) → topics (`lv:*`) → the topic's current join_ref. Client pushes wait in a
 * per-socket map keyed by ref (phoenix.js refs are unique per socket) until the `phx_reply` with the same topic and
 * ref arrives. Durations use CDP timestamps only. Pure and synchronous: no timers, the caller drives `expire()`.
 *
 * Decisions worth knowing (see also the protocol notes, ../shared/liveview-protocol.md):
 * - Only `lv:*` topics feed the model. Upload channels (`lvu:*`), heartbeats (`phoenix`) and other channels are
 *   frame-counted only.
 * - A push whose join ended (`phx_close`/`phx_error` of its join_ref) can still pair with a late reply, but when it
 *   expires it is dropped silently: the crash or close already explains it, a timeout would count it twice.
 * - Pending pushes of a socket that closes are dropped silently for the same reason (the disconnect is the error).
 * - Timed-out pushes are forgotten, so a reply after the timeout is frame-counted only (the client gave up too).
 * - `phx_leave` never produces metric observations, not even a timeout.
 * - A full-page navigation closes the socket while views are joined, which looks like a disconnect from the
 *   frames alone: the probe should call `end(t)` when the document unloads. The session stays usable afterwards.
 */
import { diffAnatomy, emptyAnatomy } from './diff.js';
import { decodeFrame, type PhoenixMessage } from './frame.js';
import type { FrameChannel, Observation } from './observations.js';
import type { SocketEvent } from './socket-events.js';

export interface LiveViewSessionOptions {
  /** A push unanswered for this long is a `timeout` error. Default 30 000 (LiveView's PUSH_TIMEOUT). */
  pushTimeoutMs?: number;
}

/** Label for views the model cannot attribute (e.g. a nested view whose main view was never seen). */
export const UNKNOWN_VIEW = 'unknown';

type JoinCause = 'initial' | 'navigate' | 'rejoin';
type Rec = Record<string, unknown>;

interface PendingPush {
  kind: 'join' | 'event' | 'leave';
  topic: string;
  /** Channel event name (`phx_join`, `event`, `live_patch`, …). */
  push: string;
  /** LiveView event name for `event` pushes, else the push name. */
  event: string;
  ref: string;
  joinRef: string | null;
  t: number;
  view: string;
  cid: number | undefined;
  mounts: number;
  cause: JoinCause;
  nested: boolean;
  orphaned: boolean;
}

/** Join-only fields of a pending push that is not a join. */
const NOT_A_JOIN = { mounts: 0, cause: 'initial', nested: false } as const satisfies Pick<PendingPush, 'mounts' | 'cause' | 'nested'>;

interface TopicState {
  /** join_ref of the latest `phx_join` sent on this topic; server messages with another join_ref are stale. */
  joinRef: string | null;
  /** Joined or joining; false after leave, close, crash, join error or redirect. */
  active: boolean;
  view: string;
  /** The next join of this topic is a rejoin (after a crash, a join error or a join timeout). */
  retry: boolean;
}

interface SocketState {
  id: string;
  /** Order of creation on this page: 0 is the first socket. */
  index: number;
  handshakeRequestT: number | undefined;
  lastT: number | undefined;
  closed: boolean;
  /** A frame error was reported: the close that follows is never expected. */
  failed: boolean;
  sawJoin: boolean;
  /** View of the latest main-view join (the one carrying `url` or `redirect`); nested views inherit it. */
  mainView: string | undefined;
  pending: Map<string, PendingPush>;
  topics: Map<string, TopicState>;
  /** Heartbeats sent and not yet answered: ref → CDP time sent. phoenix.js keeps at most one pending. */
  heartbeats: Map<string, number>;
}

/** Unanswered heartbeats remembered per socket (the client gives up on one when the next is due). */
const MAX_PENDING_HEARTBEATS = 4;

export class LiveViewSession {
  private readonly timeoutS: number;
  private readonly sockets = new Map<string, SocketState>();
  private socketCount = 0;

  constructor(opts: LiveViewSessionOptions = {}) {
    this.timeoutS = (opts.pushTimeoutMs ?? 30_000) / 1000;
  }

  /** Feed one socket event; returns the observations it completes (appended to `out` when given). */
  push(ev: SocketEvent, out: Observation[] = []): Observation[] {
    const existing = this.sockets.get(ev.requestId);
    if (ev.kind === 'created') {
      if (existing === undefined) this.socket(ev.requestId);
      out.push({ type: 'socket_open', socket: ev.requestId, url: ev.url, t: ev.timestamp });
      return out;
    }
    const s = existing ?? this.socket(ev.requestId);
    s.lastT = ev.timestamp;
    switch (ev.kind) {
      case 'handshake_request':
        s.handshakeRequestT = ev.timestamp;
        break;
      case 'handshake':
        out.push({
          type: 'socket_connected',
          socket: s.id,
          t: ev.timestamp,
          ms: s.handshakeRequestT === undefined ? undefined : (ev.timestamp - s.handshakeRequestT) * 1000,
          status: ev.status,
        });
        break;
      case 'sent':
      case 'received':
        this.frame(s, ev.kind, ev.timestamp, ev.opcode, ev.payloadData, out);
        break;
      case 'error':
        if (s.closed || s.failed) break;
        s.failed = true;
        this.disconnect(s, ev.timestamp, ev.errorMessage, out);
        break;
      case 'closed': {
        if (s.closed) break;
        const dropped = this.disconnect(s, ev.timestamp, 'socket closed', out);
        this.close(s, ev.timestamp, !dropped && !s.failed, out);
        break;
      }
    }
    return out;
  }

  /** Report pushes unanswered for longer than the push timeout, as of CDP time `now` (seconds). */
  expire(now: number, out: Observation[] = []): Observation[] {
    for (const s of this.sockets.values()) {
      for (const [ref, p] of s.pending) {
        if (now - p.t < this.timeoutS) continue;
        s.pending.delete(ref);
        if (p.orphaned || p.kind === 'leave') continue;
        if (p.kind === 'join') {
          const topic = s.topics.get(p.topic);
          if (topic !== undefined && topic.joinRef === p.joinRef) topic.retry = true;
        }
        out.push({
          type: 'error',
          kind: 'timeout',
          socket: s.id,
          topic: p.topic,
          view: p.view,
          t: p.t + this.timeoutS,
          detail: `${p.push === 'event' ? p.event : p.push} (ref ${ref}) unanswered after ${String(this.timeoutS * 1000)} ms`,
        });
      }
    }
    return out;
  }

  /** Pushes sent and still able to get a reply (orphaned ones, whose join ended, are not counted). */
  pendingCount(): number {
    let n = 0;
    for (const s of this.sockets.values()) {
      for (const p of s.pending.values()) if (!p.orphaned) n++;
    }
    return n;
  }

  /**
   * Main-view joins and leaves sent and not answered yet. While one is in flight the server may already count
   * the view as joined (or still as not left) while the page does not know yet (memory per LiveView).
   */
  membershipPending(): number {
    let n = 0;
    for (const s of this.sockets.values()) {
      for (const p of s.pending.values()) if (!p.orphaned && !p.nested && (p.kind === 'join' || p.kind === 'leave')) n++;
    }
    return n;
  }

  /**
   * Close every open socket as expected (no errors; only a socket that already failed stays unexpected) and drop
   * pending pushes silently: the page is done or its document is being replaced. `now` defaults to each socket's
   * last event time.
   */
  end(now?: number, out: Observation[] = []): Observation[] {
    for (const s of this.sockets.values()) {
      if (!s.closed) this.close(s, now ?? s.lastT ?? 0, !s.failed, out);
    }
    return out;
  }

  private socket(id: string): SocketState {
    const s: SocketState = {
      id,
      index: this.socketCount++,
      handshakeRequestT: undefined,
      lastT: undefined,
      closed: false,
      failed: false,
      sawJoin: false,
      mainView: undefined,
      pending: new Map(),
      topics: new Map(),
      heartbeats: new Map(),
    };
    this.sockets.set(id, s);
    return s;
  }

  private frame(s: SocketState, dir: 'sent' | 'received', t: number, opcode: number, payloadData: string, out: Observation[]): void {
    const msg = decodeFrame(opcode, payloadData, dir);
    if (msg.kind === 'undecodable') {
      out.push({ type: 'frame', socket: s.id, dir, t, bytes: msg.bytes, channel: 'undecodable' });
      out.push({ type: 'error', kind: 'undecodable', socket: s.id, topic: undefined, view: undefined, t, detail: msg.reason });
      return;
    }
    const channel = channelOf(msg.topic);
    out.push({ type: 'frame', socket: s.id, dir, t, bytes: msg.bytes, channel });
    if (channel === 'heartbeat' && !s.closed) {
      this.heartbeat(s, dir, msg, t, out);
      return;
    }
    // After end() or a close, late frames are counted but change nothing (a late push must not time out later).
    if (channel !== 'lv' || s.closed) return;
    if (dir === 'sent') this.clientPush(s, msg, t, out);
    else this.serverMessage(s, msg, t, out);
  }

  /**
   * `heartbeat` on topic `phoenix` → `phx_reply` with the same ref. The server answers without app work, so the
   * round trip is the probe's floor: network plus the renderer's delay in stamping frames on this machine now.
   */
  private heartbeat(s: SocketState, dir: 'sent' | 'received', msg: PhoenixMessage, t: number, out: Observation[]): void {
    if (msg.ref === null) return;
    if (dir === 'sent') {
      if (msg.event !== 'heartbeat') return;
      s.heartbeats.set(msg.ref, t);
      if (s.heartbeats.size > MAX_PENDING_HEARTBEATS) s.heartbeats.delete(s.heartbeats.keys().next().value!);
      return;
    }
    if (msg.event !== 'phx_reply') return;
    const sent = s.heartbeats.get(msg.ref);
    if (sent === undefined) return;
    s.heartbeats.delete(msg.ref);
    out.push({ type: 'heartbeat', socket: s.id, t: sent, ms: (t - sent) * 1000 });
  }

  private clientPush(s: SocketState, msg: PhoenixMessage, t: number, out: Observation[]): void {
    const ref = msg.ref;
    if (ref === null) return;
    if (msg.event === 'phx_join') {
      this.joinPush(s, msg, ref, t, out);
      return;
    }
    const topic = s.topics.get(msg.topic);
    const view = topic?.view ?? s.mainView ?? UNKNOWN_VIEW;
    // V1 clients may omit join_ref: the push then belongs to the topic's current join.
    const joinRef = msg.joinRef ?? topic?.joinRef ?? null;
    if (msg.event === 'phx_leave') {
      if (topic !== undefined) topic.active = false;
      s.pending.set(ref, { ...NOT_A_JOIN, kind: 'leave', topic: msg.topic, push: msg.event, event: msg.event, ref, joinRef, t, view, cid: undefined, orphaned: false });
      return;
    }
    const payload = asRecord(msg.payload);
    const event = msg.event === 'event' && typeof payload?.['event'] === 'string' ? payload['event'] : msg.event;
    const cid = typeof payload?.['cid'] === 'number' ? payload['cid'] : undefined;
    s.pending.set(ref, { ...NOT_A_JOIN, kind: 'event', topic: msg.topic, push: msg.event, event, ref, joinRef, t, view, cid, orphaned: false });
  }

  private joinPush(s: SocketState, msg: PhoenixMessage, ref: string, t: number, out: Observation[]): void {
    const payload = asRecord(msg.payload);
    const url = typeof payload?.['url'] === 'string' ? payload['url'] : undefined;
    const redirect = typeof payload?.['redirect'] === 'string' ? payload['redirect'] : undefined;
    const mountsParam = asRecord(payload?.['params'])?.['_mounts'];
    const mounts = typeof mountsParam === 'number' ? mountsParam : 0;
    const mainUrl = redirect ?? url;
    const nested = mainUrl === undefined;
    let view: string;
    if (mainUrl === undefined) view = s.mainView ?? UNKNOWN_VIEW;
    else {
      view = viewPath(mainUrl);
      s.mainView = view;
    }
    let topic = s.topics.get(msg.topic);
    if (topic === undefined) {
      topic = { joinRef: null, active: false, view, retry: false };
      s.topics.set(msg.topic, topic);
    }
    const cause: JoinCause = redirect !== undefined ? 'navigate' : mounts >= 1 || topic.retry ? 'rejoin' : 'initial';
    if (!s.sawJoin) {
      s.sawJoin = true;
      if (s.index > 0 && mounts >= 1) out.push({ type: 'reconnect', socket: s.id, t });
    }
    const joinRef = msg.joinRef ?? ref;
    topic.joinRef = joinRef;
    topic.active = true;
    topic.view = view;
    topic.retry = false;
    s.pending.set(ref, { kind: 'join', topic: msg.topic, push: msg.event, event: msg.event, ref, joinRef, t, view, cid: undefined, mounts, cause, nested, orphaned: false });
  }

  private serverMessage(s: SocketState, msg: PhoenixMessage, t: number, out: Observation[]): void {
    switch (msg.event) {
      case 'phx_reply':
        this.reply(s, msg, t, out);
        return;
      case 'phx_error':
        this.joinEnded(s, msg, t, true, out);
        return;
      case 'phx_close':
        this.joinEnded(s, msg, t, false, out);
        return;
    }
    if (msg.ref !== null) return;
    const topic = s.topics.get(msg.topic);
    // Like phoenix.js Channel.isMember: a message for another join of the topic is dropped.
    if (topic !== undefined && (!topic.active || (msg.joinRef !== null && msg.joinRef !== topic.joinRef))) return;
    const anatomy = msg.event === 'diff' ? diffAnatomy(msg.payload, msg.bytes) : emptyAnatomy(msg.bytes);
    out.push({ type: 'push', socket: s.id, topic: msg.topic, view: topic?.view ?? UNKNOWN_VIEW, event: msg.event, t, anatomy });
    // A `redirect` push makes the client leave the page: the socket closing next is not a disconnect.
    if (msg.event === 'redirect' && topic !== undefined) topic.active = false;
  }

  private reply(s: SocketState, msg: PhoenixMessage, t: number, out: Observation[]): void {
    if (msg.ref === null) return;
    const p = s.pending.get(msg.ref);
    if (p === undefined || p.topic !== msg.topic) return;
    s.pending.delete(msg.ref);
    if (p.kind === 'leave') return;
    const payload = asRecord(msg.payload);
    const ok = payload?.['status'] === 'ok';
    const response = asRecord(payload?.['response']);
    const ms = (t - p.t) * 1000;
    const topic = s.topics.get(p.topic);
    const current = topic !== undefined && topic.joinRef === p.joinRef;
    if (p.kind === 'event') {
      out.push({
        type: 'event',
        socket: s.id,
        topic: p.topic,
        view: p.view,
        push: p.push,
        event: p.event,
        ref: p.ref,
        t: p.t,
        ms,
        ok,
        cid: p.cid,
        anatomy: diffAnatomy(response?.['diff'], msg.bytes),
      });
      if (current && response?.['redirect'] !== undefined) topic.active = false;
      return;
    }
    const reason = ok ? undefined : joinErrorReason(response);
    out.push({
      type: 'join',
      socket: s.id,
      topic: p.topic,
      view: p.view,
      joinRef: p.joinRef ?? p.ref,
      t: p.t,
      ms,
      ok,
      reason,
      mounts: p.mounts,
      cause: p.cause,
      nested: p.nested,
      anatomy: ok ? diffAnatomy(response?.['rendered'], msg.bytes) : emptyAnatomy(msg.bytes),
    });
    if (reason === undefined) return;
    if (current) {
      topic.active = false;
      topic.retry = true;
    }
    out.push({ type: 'error', kind: 'join_error', socket: s.id, topic: p.topic, view: p.view, t, detail: reason });
  }

  /** `phx_error` (crash) or `phx_close` for a join: it ends, its pending pushes will get no reply. */
  private joinEnded(s: SocketState, msg: PhoenixMessage, t: number, crashed: boolean, out: Observation[]): void {
    const topic = s.topics.get(msg.topic);
    const joinRef = msg.joinRef ?? topic?.joinRef ?? null;
    let crashedEvent: string | undefined;
    for (const p of s.pending.values()) {
      if (p.topic !== msg.topic || p.joinRef !== joinRef) continue;
      p.orphaned = true;
      // The event the server was handling when it crashed: the oldest unanswered one (Phoenix handles in order).
      if (crashed && p.kind === 'event' && p.push === 'event' && crashedEvent === undefined) crashedEvent = p.event;
    }
    if (topic === undefined || joinRef !== topic.joinRef) return;
    // The topic's state stays (inactive) so later messages of this join are recognised as stale.
    const wasActive = topic.active;
    topic.active = false;
    // A crash of a view already leaving or closed is not something a user waits on.
    if (!crashed || !wasActive) return;
    topic.retry = true;
    const reason = asRecord(msg.payload)?.['reason'];
    out.push({
      type: 'error',
      kind: 'crash',
      socket: s.id,
      topic: msg.topic,
      view: topic.view,
      t,
      detail: typeof reason === 'string' ? reason : 'phx_error',
      ...(crashedEvent !== undefined ? { event: crashedEvent } : {}),
    });
  }

  /** Report a `disconnect` if views were joined or joining; ends them. Returns whether it reported. */
  private disconnect(s: SocketState, t: number, detail: string, out: Observation[]): boolean {
    let active = false;
    for (const topic of s.topics.values()) {
      if (topic.active) active = true;
      topic.active = false;
      topic.retry = true;
    }
    s.pending.clear();
    if (active) out.push({ type: 'error', kind: 'disconnect', socket: s.id, topic: undefined, view: s.mainView, t, detail });
    return active;
  }

  private close(s: SocketState, t: number, expected: boolean, out: Observation[]): void {
    s.closed = true;
    s.pending.clear();
    s.topics.clear();
    out.push({ type: 'socket_closed', socket: s.id, t, expected });
  }
}

/** Channel class by topic: only `lv:*` is LiveView traffic. */
export function channelOf(topic: string): FrameChannel {
  if (topic.startsWith('lv:')) return 'lv';
  if (topic.startsWith('lvu:')) return 'upload';
  if (topic === 'phoenix') return 'heartbeat';
  return 'other';
}

/** Reason of a join error reply: redirects are named by their key; otherwise the server's `reason`. */
export function joinErrorReason(response: Rec | undefined): string {
  if (response === undefined) return 'error';
  if (response['live_redirect'] !== undefined) return 'live_redirect';
  if (response['redirect'] !== undefined) return 'redirect';
  const reason = response['reason'];
  if (typeof reason === 'string') return reason;
  return 'error';
}

/** Route path without query or fragment: `http://h:4000/a/b?x=1#y` → `/a/b`; relative URLs work too. */
export function viewPath(url: string): string {
  let start = 0;
  const scheme = url.indexOf('://');
  if (scheme !== -1) {
    start = url.length;
    for (let i = scheme + 3; i < url.length; i++) {
      const c = url.charCodeAt(i);
      if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x23 /* # */) {
        start = i;
        break;
      }
    }
  }
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f || c === 0x23) {
      end = i;
      break;
    }
  }
  const path = url.slice(start, end);
  return path === '' || path.charCodeAt(0) !== 0x2f ? `/${path}` : path;
}

function asRecord(v: unknown): Rec | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined;
}
