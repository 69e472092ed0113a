/**
 * Per-connection frame limits for `ws`. A WebSocketServer has one `maxPayload` for every connection, checked
 * from each frame's header before its payload is buffered. The collector listens with the small pre-auth limit
 * (a hello is a few hundred bytes), so an unauthenticated peer can never make it buffer more than that; once a
 * runner has proved the token, its connection's limit is raised to what snapshots need.
 *
 * `ws` (8.x) keeps the limit on the connection's Receiver (`_maxPayload`) and has no public setter; this is the
 * one place that reaches for it, and it refuses loudly (instead of silently keeping the small limit) if a `ws`
 * upgrade moves it. test/integration/cluster-hardening.test.ts checks both sides of the switch.
 */
import type { WebSocket } from 'ws';

interface ReceiverWithLimit {
  _maxPayload: number;
}

function receiverOf(ws: WebSocket): ReceiverWithLimit {
  const receiver: unknown = (ws as unknown as { _receiver?: unknown })._receiver;
  if (typeof receiver !== 'object' || receiver === null || typeof (receiver as Partial<ReceiverWithLimit>)._maxPayload !== 'number') {
    throw new Error('ws: cannot find the connection\'s frame limit (Receiver._maxPayload); has the ws version changed?');
  }
  return receiver as ReceiverWithLimit;
}

/** The connection's current frame limit in bytes. */
export function frameLimit(ws: WebSocket): number {
  return receiverOf(ws)._maxPayload;
}

/** Sets the largest frame (message) this connection accepts from now on; bigger ones close it with 1009. */
export function setFrameLimit(ws: WebSocket, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`frame limit must be a whole number > 0, got ${bytes}`);
  receiverOf(ws)._maxPayload = bytes;
}
