/**
 * One WebSocket frame → one Phoenix message. Pure, allocation-light and total: every input yields either a
 * `PhoenixMessage` or an `Undecodable`, never an exception, because a malformed frame is a measurement, not a bug.
 *
 * Formats (phoenix.js `serializer.js`, server `v2_json_serializer.ex`):
 * - V2 text: `[join_ref, ref, topic, event, payload]`;
 * - V1 text (older clients and servers): `{topic, event, payload, ref, join_ref?}`;
 * - binary (opcode 2, base64 in CDP): byte 0 is the kind (0 push, 1 reply, 2 broadcast), then one-byte field
 *   lengths, then the fields. The payload after the header is counted, never decoded.
 */
import type { FrameDirection } from './socket-events.js';

export interface PhoenixMessage {
  kind: 'message';
  format: 'v2' | 'v1' | 'binary';
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  /**
   * The decoded JSON payload. Binary frames carry opaque bytes, so this is `undefined` for binary pushes and
   * broadcasts, and `{status}` for binary replies (their `response` stays undecoded).
   */
  payload: unknown;
  /** UTF-8 byte length of a text frame's payloadData; decoded byte length of a binary frame. */
  bytes: number;
}

export interface Undecodable {
  kind: 'undecodable';
  bytes: number;
  reason: string;
}

export type DecodedFrame = PhoenixMessage | Undecodable;

const OPCODE_TEXT = 1;
const OPCODE_BINARY = 2;

/**
 * Decode one frame. `dir` matters only for binary pushes (kind 0): client→server pushes carry a ref, server→client
 * pushes do not, and the header alone cannot tell which layout it is. It defaults to `received`.
 */
export function decodeFrame(opcode: number, payloadData: string, dir: FrameDirection = 'received'): DecodedFrame {
  if (opcode === OPCODE_TEXT) return decodeText(payloadData);
  if (opcode === OPCODE_BINARY) return decodeBinary(payloadData, dir);
  return undecodable(Buffer.byteLength(payloadData, 'utf8'), `unsupported opcode ${String(opcode)}`);
}

function undecodable(bytes: number, reason: string): Undecodable {
  return { kind: 'undecodable', bytes, reason };
}

function decodeText(text: string): DecodedFrame {
  const bytes = Buffer.byteLength(text, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undecodable(bytes, 'invalid JSON');
  }
  if (Array.isArray(value)) return fromV2(value, bytes);
  if (value !== null && typeof value === 'object') return fromV1(value as Record<string, unknown>, bytes);
  return undecodable(bytes, 'not a Phoenix message (neither array nor object)');
}

function fromV2(arr: unknown[], bytes: number): DecodedFrame {
  if (arr.length !== 5) return undecodable(bytes, `V2 message with ${String(arr.length)} elements, expected 5`);
  const joinRef = asRef(arr[0]);
  const ref = asRef(arr[1]);
  const topic = arr[2];
  const event = arr[3];
  if (joinRef === undefined) return undecodable(bytes, 'V2 join_ref is not a string or null');
  if (ref === undefined) return undecodable(bytes, 'V2 ref is not a string or null');
  if (typeof topic !== 'string') return undecodable(bytes, 'V2 topic is not a string');
  if (typeof event !== 'string') return undecodable(bytes, 'V2 event is not a string');
  return { kind: 'message', format: 'v2', joinRef, ref, topic, event, payload: arr[4], bytes };
}

function fromV1(obj: Record<string, unknown>, bytes: number): DecodedFrame {
  const { topic, event } = obj;
  if (typeof topic !== 'string') return undecodable(bytes, 'V1 topic is not a string');
  if (typeof event !== 'string') return undecodable(bytes, 'V1 event is not a string');
  if (!('payload' in obj)) return undecodable(bytes, 'V1 message without payload');
  const ref = asRef(obj['ref']);
  const joinRef = asRef(obj['join_ref']);
  if (ref === undefined) return undecodable(bytes, 'V1 ref is not a string or null');
  if (joinRef === undefined) return undecodable(bytes, 'V1 join_ref is not a string or null');
  return { kind: 'message', format: 'v1', joinRef, ref, topic, event, payload: obj['payload'], bytes };
}

/**
 * Refs are decimal strings from phoenix.js; other clients send integers, which the server echoes, so integers are
 * accepted and normalised to strings. A missing ref (V1 without `join_ref`) is null. `undefined` means invalid.
 */
function asRef(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

// Binary header: kind byte + up to 4 one-byte lengths + up to 4 × 255 bytes of fields.
const MAX_HEADER_BYTES = 1 + 4 + 4 * 255;
const BINARY_PUSH = 0;
const BINARY_REPLY = 1;
const BINARY_BROADCAST = 2;

function decodeBinary(b64: string, dir: FrameDirection): DecodedFrame {
  const bytes = base64DecodedLength(b64);
  if (bytes < 0) return undecodable(0, 'invalid base64 length');
  // Decode only the header: upload chunks are 64 kB and their content is never needed.
  const prefixChars = Math.min(b64.length, Math.ceil(MAX_HEADER_BYTES / 3) * 4);
  const head = Buffer.from(b64.slice(0, prefixChars), 'base64');
  if (head.length === 0) return undecodable(bytes, 'empty binary frame');
  const kind = head[0];
  if (kind === BINARY_PUSH) {
    return dir === 'sent'
      ? binaryFields(head, bytes, 4, (f) => ({ joinRef: f[0]!, ref: f[1]!, topic: f[2]!, event: f[3]!, payload: undefined }))
      : binaryFields(head, bytes, 3, (f) => ({ joinRef: f[0]!, ref: null, topic: f[1]!, event: f[2]!, payload: undefined }));
  }
  if (kind === BINARY_REPLY) {
    return binaryFields(head, bytes, 4, (f) => ({ joinRef: f[0]!, ref: f[1]!, topic: f[2]!, event: 'phx_reply', payload: { status: f[3]! } }));
  }
  if (kind === BINARY_BROADCAST) {
    return binaryFields(head, bytes, 2, (f) => ({ joinRef: null, ref: null, topic: f[0]!, event: f[1]!, payload: undefined }));
  }
  return undecodable(bytes, `unknown binary kind ${String(kind)}`);
}

type BinaryFields = Pick<PhoenixMessage, 'joinRef' | 'ref' | 'topic' | 'event' | 'payload'>;

function binaryFields(head: Buffer, bytes: number, count: number, build: (fields: string[]) => BinaryFields): DecodedFrame {
  const kind = head[0]!;
  const start = 1 + count;
  if (head.length < start) return undecodable(bytes, `truncated binary header (kind ${String(kind)})`);
  const fields: string[] = [];
  let offset = start;
  for (let i = 0; i < count; i++) {
    const len = head[1 + i]!;
    if (offset + len > head.length) return undecodable(bytes, `truncated binary header (kind ${String(kind)})`);
    fields.push(head.toString('utf8', offset, offset + len));
    offset += len;
  }
  return { kind: 'message', format: 'binary', ...build(fields), bytes };
}

/** Decoded length of standard (padded or unpadded) base64 without decoding; -1 if no length fits. */
function base64DecodedLength(b64: string): number {
  let n = b64.length;
  if (n > 0 && b64.charCodeAt(n - 1) === 61 /* = */) n--;
  if (n > 0 && b64.charCodeAt(n - 1) === 61) n--;
  if (n % 4 === 1) return -1;
  return Math.floor((n * 3) / 4);
}
