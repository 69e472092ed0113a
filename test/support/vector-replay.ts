/** Replays a recorded JSONL vector file through the decoder and summarises what it concluded. */
import { LiveViewSession } from '../../src/liveview/session.js';
import type { Observation } from '../../src/liveview/observations.js';
import type { SocketEvent } from '../../src/liveview/socket-events.js';

export function decodeVectorFile(text: string): Observation[] {
  const session = new LiveViewSession();
  const out: Observation[] = [];
  let last: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const ev = JSON.parse(line) as SocketEvent;
    if (ev.timestamp !== undefined) last = ev.timestamp;
    session.push(ev, out);
  }
  session.end(last, out);
  return out;
}

export interface ObservationCounts {
  joins: Record<string, number>;
  events: Record<string, number>;
  pushes: Record<string, number>;
  errors: Record<string, number>;
  reconnects: number;
  /** Heartbeats answered (heartbeat → phx_reply with the same ref). */
  heartbeats: number;
  frames: Record<string, number>;
}

const inc = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

export function observationCounts(obs: readonly Observation[]): ObservationCounts {
  const c: ObservationCounts = { joins: {}, events: {}, pushes: {}, errors: {}, reconnects: 0, heartbeats: 0, frames: {} };
  for (const o of obs) {
    if (o.type === 'join') inc(c.joins, `${o.view} ${o.cause}${o.nested ? ' nested' : ''}${o.ok ? '' : ` error:${o.reason}`}`);
    else if (o.type === 'event') inc(c.events, `${o.view} ${o.push}:${o.event}${o.ok ? '' : ' error'}`);
    else if (o.type === 'push') inc(c.pushes, `${o.view} ${o.event}`);
    else if (o.type === 'error') inc(c.errors, o.kind);
    else if (o.type === 'reconnect') c.reconnects++;
    else if (o.type === 'heartbeat') c.heartbeats++;
    else if (o.type === 'frame' && o.channel !== 'heartbeat') inc(c.frames, `${o.channel} ${o.dir}`);
  }
  return c;
}
