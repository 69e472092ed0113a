/**
 * LiveView decoding: CDP WebSocket events in, observations out. Pure (no browser, no clocks, no metrics).
 * frame.ts decodes one Phoenix message, diff.ts measures a rendered diff, session.ts follows sockets → topics →
 * joins and pairs pushes with replies.
 */
export type { SocketEvent, FrameDirection } from './socket-events.js';
export type { Observation, DiffAnatomy, FrameChannel, LvErrorKind } from './observations.js';
export { decodeFrame, type DecodedFrame, type PhoenixMessage, type Undecodable } from './frame.js';
export { diffAnatomy, emptyAnatomy, jsonStringBytes, jsonValueBytes } from './diff.js';
export { LiveViewSession, UNKNOWN_VIEW, channelOf, joinErrorReason, viewPath, type LiveViewSessionOptions } from './session.js';
