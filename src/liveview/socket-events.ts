/**
 * What the probe hands the decoder: one record per CDP Network.webSocket* event, in CDP delivery order.
 * This is also the line format of recorded test vectors (`../shared/frames/*.jsonl`, `test/vectors/*.jsonl`).
 *
 * `timestamp` is CDP's Network.MonotonicTime in seconds. Intervals between frames are computed only from these
 * timestamps, never mixed with Node's clock or the page's performance.now().
 */
export type SocketEvent =
  /** Network.webSocketCreated (CDP gives no timestamp here). */
  | { kind: 'created'; requestId: string; url: string; timestamp?: number }
  /** Network.webSocketWillSendHandshakeRequest: the start of the WebSocket connect. */
  | { kind: 'handshake_request'; requestId: string; timestamp: number }
  /** Network.webSocketHandshakeResponseReceived. */
  | { kind: 'handshake'; requestId: string; timestamp: number; status: number }
  /** Network.webSocketFrameSent / webSocketFrameReceived. opcode 1 = text, 2 = binary (payloadData is base64). */
  | { kind: 'sent' | 'received'; requestId: string; timestamp: number; opcode: number; payloadData: string }
  /** Network.webSocketFrameError. */
  | { kind: 'error'; requestId: string; timestamp: number; errorMessage: string }
  /** Network.webSocketClosed. */
  | { kind: 'closed'; requestId: string; timestamp: number };

export type FrameDirection = 'sent' | 'received';
