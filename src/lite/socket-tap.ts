/**
 * The lite half of the probe: where Chromium users get frames from CDP's Network.webSocket* events, a lite user
 * taps the WebSocket its page's LiveView client opens, at the network side (the `ws` connection under
 * happy-dom's WebSocket), and hands the same `SocketEvent`s to the same decoder (src/liveview/session.ts).
 *
 * Received frames are stamped before the page sees them (a prepended listener), sent frames when the client
 * calls send(): the same points CDP stamps. Timestamps are seconds of Node's monotonic clock (performance.now),
 * the lite counterpart of CDP's MonotonicTime; intervals are only ever computed within it.
 */
import { PropertySymbol, type BrowserWindow } from 'happy-dom';
import type { SocketEvent } from '../liveview/socket-events.js';

export type SocketEventSink = (ev: SocketEvent) => void;

/** The part of a `ws` connection the tap listens to. */
interface WsLike {
  prependListener(event: 'upgrade', fn: (res: { statusCode?: number }) => void): unknown;
  prependListener(event: 'message', fn: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  prependListener(event: 'error', fn: (err: Error) => void): unknown;
  prependListener(event: 'close', fn: () => void): unknown;
}

type WebSocketClass = new (url: string, protocols?: string | string[]) => { send(data: unknown): void; readonly readyState: number };

const nowSeconds = (): number => performance.now() / 1000;

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/**
 * Replaces `window.WebSocket` with a subclass that reports to `sink`. Call before the page's scripts run
 * (beforeContentCallback). `nextId` names each socket uniquely within the user (the decoder's requestId).
 */
export function tapWebSockets(window: BrowserWindow, sink: SocketEventSink, nextId: () => string): void {
  const Base = (window as unknown as { WebSocket: WebSocketClass }).WebSocket;
  class TappedWebSocket extends Base {
    private readonly tapId: string;
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      const id = nextId();
      this.tapId = id;
      sink({ kind: 'created', requestId: id, url: String(url) });
      sink({ kind: 'handshake_request', requestId: id, timestamp: nowSeconds() });
      const ws = (this as unknown as Record<symbol, WsLike | null>)[PropertySymbol.webSocket];
      if (!ws) return; // the window is already gone
      let closed = false;
      ws.prependListener('upgrade', (res) => sink({ kind: 'handshake', requestId: id, timestamp: nowSeconds(), status: res.statusCode ?? 101 }));
      ws.prependListener('message', (data, isBinary) => {
        const buf = toBuffer(data);
        sink({ kind: 'received', requestId: id, timestamp: nowSeconds(), opcode: isBinary ? 2 : 1, payloadData: isBinary ? buf.toString('base64') : buf.toString('utf8') });
      });
      ws.prependListener('error', (err) => sink({ kind: 'error', requestId: id, timestamp: nowSeconds(), errorMessage: err.message }));
      ws.prependListener('close', () => {
        if (closed) return;
        closed = true;
        sink({ kind: 'closed', requestId: id, timestamp: nowSeconds() });
      });
    }

    override send(data: unknown): void {
      // Only frames that go out count (send() on a socket that is not open is a no-op in happy-dom, as in browsers).
      if (this.readyState === 1) {
        if (typeof data === 'string') sink({ kind: 'sent', requestId: this.tapId, timestamp: nowSeconds(), opcode: 1, payloadData: data });
        else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
          const buf = data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
          sink({ kind: 'sent', requestId: this.tapId, timestamp: nowSeconds(), opcode: 2, payloadData: buf.toString('base64') });
        }
      }
      super.send(data);
    }
  }
  Object.defineProperty(window, 'WebSocket', { value: TappedWebSocket, writable: true, configurable: true });
}
