/**
 * The CDP half of the probe: subscribes to a page's Network.webSocket* events and hands them on as
 * `SocketEvent`s, unchanged except for shape. Timestamps stay in CDP's clock (Network.MonotonicTime seconds).
 */
import type { CDPSession, Page } from 'playwright';
import type { SocketEvent } from '../liveview/socket-events.js';

export type SocketEventSink = (ev: SocketEvent) => void;

export interface CdpCapture {
  readonly session: CDPSession;
  detach(): Promise<void>;
}

interface WsFramePayload {
  requestId: string;
  timestamp: number;
  response: { opcode: number; mask: boolean; payloadData: string };
}

/**
 * Network.enable is required for the webSocket events. We keep CDP's response buffers tiny: the probe never
 * reads HTTP bodies, and the default buffers cost memory per page.
 */
export async function attachCdpCapture(page: Page, sink: SocketEventSink): Promise<CdpCapture> {
  const session = await page.context().newCDPSession(page);
  session.on('Network.webSocketCreated', (e: { requestId: string; url: string }) => {
    sink({ kind: 'created', requestId: e.requestId, url: e.url });
  });
  session.on('Network.webSocketWillSendHandshakeRequest', (e: { requestId: string; timestamp: number }) => {
    sink({ kind: 'handshake_request', requestId: e.requestId, timestamp: e.timestamp });
  });
  session.on('Network.webSocketHandshakeResponseReceived', (e: { requestId: string; timestamp: number; response: { status: number } }) => {
    sink({ kind: 'handshake', requestId: e.requestId, timestamp: e.timestamp, status: e.response.status });
  });
  session.on('Network.webSocketFrameSent', (e: WsFramePayload) => {
    sink({ kind: 'sent', requestId: e.requestId, timestamp: e.timestamp, opcode: e.response.opcode, payloadData: e.response.payloadData });
  });
  session.on('Network.webSocketFrameReceived', (e: WsFramePayload) => {
    sink({ kind: 'received', requestId: e.requestId, timestamp: e.timestamp, opcode: e.response.opcode, payloadData: e.response.payloadData });
  });
  session.on('Network.webSocketFrameError', (e: { requestId: string; timestamp: number; errorMessage: string }) => {
    sink({ kind: 'error', requestId: e.requestId, timestamp: e.timestamp, errorMessage: e.errorMessage });
  });
  session.on('Network.webSocketClosed', (e: { requestId: string; timestamp: number }) => {
    sink({ kind: 'closed', requestId: e.requestId, timestamp: e.timestamp });
  });
  await session.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0, maxPostDataSize: 0 });
  return {
    session,
    async detach() {
      try {
        await session.detach();
      } catch {
        // The page or browser is already gone: nothing left to detach.
      }
    },
  };
}
