import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/liveview/frame.js';

/** Build a Phoenix binary frame the way phoenix.js / the V2 serializer lay it out. */
function binaryFrame(kind: number, fields: string[], payload: Uint8Array): string {
  const enc = fields.map((f) => Buffer.from(f, 'utf8'));
  return Buffer.concat([Buffer.from([kind, ...enc.map((b) => b.length)]), ...enc, payload]).toString('base64');
}

describe('decodeFrame: text', () => {
  it('decodes a V2 array, keeping null refs and the payload', () => {
    const text = '["4",null,"lv:phx-A","diff",{"0":"x"}]';
    expect(decodeFrame(1, text)).toEqual({
      kind: 'message',
      format: 'v2',
      joinRef: '4',
      ref: null,
      topic: 'lv:phx-A',
      event: 'diff',
      payload: { '0': 'x' },
      bytes: text.length,
    });
  });

  it('decodes a V1 object; a missing join_ref is null and integer refs become strings', () => {
    expect(decodeFrame(1, '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":7}')).toMatchObject({
      format: 'v1',
      joinRef: null,
      ref: '7',
      topic: 'phoenix',
      event: 'heartbeat',
      payload: {},
    });
  });

  it('counts bytes as UTF-8, not UTF-16 code units', () => {
    const text = JSON.stringify(['4', '5', 'lv:x', 'event', { value: 'héllo 😀 “q”' }]);
    const decoded = decodeFrame(1, text);
    expect(decoded.bytes).toBe(Buffer.byteLength(text, 'utf8'));
    expect(decoded.bytes).toBeGreaterThan(text.length);
  });

  it.each([
    ['not json', 'invalid JSON'],
    ['["4","5","lv:x","event"]', 'V2 message with 4 elements, expected 5'],
    ['["4","5","lv:x","event",{},1]', 'V2 message with 6 elements, expected 5'],
    ['[true,"5","lv:x","event",{}]', 'V2 join_ref is not a string or null'],
    ['["4",1.5,"lv:x","event",{}]', 'V2 ref is not a string or null'],
    ['["4","5",{},"event",{}]', 'V2 topic is not a string'],
    ['["4","5","lv:x",null,{}]', 'V2 event is not a string'],
    ['42', 'not a Phoenix message (neither array nor object)'],
    ['null', 'not a Phoenix message (neither array nor object)'],
    ['{"event":"e","payload":{}}', 'V1 topic is not a string'],
    ['{"topic":"t","event":"e"}', 'V1 message without payload'],
    ['{"topic":"t","event":"e","payload":{},"ref":[1]}', 'V1 ref is not a string or null'],
  ])('%s → undecodable (%s)', (text, reason) => {
    expect(decodeFrame(1, text)).toEqual({ kind: 'undecodable', bytes: Buffer.byteLength(text), reason });
  });

  it('rejects opcodes other than text and binary', () => {
    expect(decodeFrame(9, 'ping')).toEqual({ kind: 'undecodable', bytes: 4, reason: 'unsupported opcode 9' });
  });
});

describe('decodeFrame: binary', () => {
  const payload = new Uint8Array(1000).fill(7);

  it('client→server push (kind 0) carries a ref; the payload is counted, not decoded', () => {
    const b64 = binaryFrame(0, ['6', '7', 'lvu:0', 'chunk'], payload);
    expect(decodeFrame(2, b64, 'sent')).toEqual({
      kind: 'message',
      format: 'binary',
      joinRef: '6',
      ref: '7',
      topic: 'lvu:0',
      event: 'chunk',
      payload: undefined,
      bytes: 5 + 12 + 1000,
    });
  });

  it('server→client push (kind 0) has no ref, so the direction decides the layout', () => {
    const b64 = binaryFrame(0, ['6', 'lvu:0', 'chunk'], payload);
    expect(decodeFrame(2, b64, 'received')).toMatchObject({ joinRef: '6', ref: null, topic: 'lvu:0', event: 'chunk', bytes: 4 + 11 + 1000 });
    // Read with the client layout, the same bytes give different fields: the direction really matters.
    expect(decodeFrame(2, b64, 'sent')).not.toMatchObject({ topic: 'lvu:0' });
    expect(decodeFrame(2, b64)).toMatchObject({ topic: 'lvu:0' });
  });

  it('reply (kind 1) becomes phx_reply with its status; broadcast (kind 2) has no refs', () => {
    expect(decodeFrame(2, binaryFrame(1, ['6', '8', 'lvu:0', 'ok'], payload))).toMatchObject({
      joinRef: '6',
      ref: '8',
      topic: 'lvu:0',
      event: 'phx_reply',
      payload: { status: 'ok' },
      bytes: 5 + 9 + 1000,
    });
    expect(decodeFrame(2, binaryFrame(2, ['room:lobby', 'new_msg'], payload))).toMatchObject({
      joinRef: null,
      ref: null,
      topic: 'room:lobby',
      event: 'new_msg',
      bytes: 3 + 17 + 1000,
    });
  });

  it('a header cut short or of unknown kind is undecodable, with the frame size', () => {
    const cut = Buffer.from([1, 1, 1, 40, 2, 0x31, 0x32, 0x6c]).toString('base64');
    expect(decodeFrame(2, cut)).toEqual({ kind: 'undecodable', bytes: 8, reason: 'truncated binary header (kind 1)' });
    expect(decodeFrame(2, Buffer.from([0, 1]).toString('base64'), 'sent')).toMatchObject({ kind: 'undecodable', reason: 'truncated binary header (kind 0)' });
    expect(decodeFrame(2, Buffer.from([9, 0]).toString('base64'))).toMatchObject({ kind: 'undecodable', bytes: 2, reason: 'unknown binary kind 9' });
    expect(decodeFrame(2, '')).toMatchObject({ kind: 'undecodable', bytes: 0 });
  });

  it('round-trips any header fields and payload size, for every kind and direction', () => {
    const field = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => Buffer.byteLength(s) <= 255);
    fc.assert(
      fc.property(field, field, field, field, fc.integer({ min: 0, max: 5000 }), (a, b, topic, event, size) => {
        const body = new Uint8Array(size);
        const base = 1 + Buffer.byteLength(topic) + Buffer.byteLength(event) + size;
        expect(decodeFrame(2, binaryFrame(0, [a, b, topic, event], body), 'sent')).toMatchObject({ joinRef: a, ref: b, topic, event, bytes: base + 4 + Buffer.byteLength(a) + Buffer.byteLength(b) });
        expect(decodeFrame(2, binaryFrame(0, [a, topic, event], body), 'received')).toMatchObject({ joinRef: a, ref: null, topic, event, bytes: base + 3 + Buffer.byteLength(a) });
        expect(decodeFrame(2, binaryFrame(1, [a, b, topic, event], body))).toMatchObject({ joinRef: a, ref: b, topic, event: 'phx_reply', payload: { status: event } });
        expect(decodeFrame(2, binaryFrame(2, [topic, event], body))).toMatchObject({ topic, event, bytes: base + 2 });
      }),
      { numRuns: 200 },
    );
  });
});

describe('decodeFrame never throws', () => {
  it('on arbitrary text, opcodes and directions', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), fc.integer({ min: -1, max: 12 }), fc.constantFrom('sent', 'received') as fc.Arbitrary<'sent' | 'received'>, (text, opcode, dir) => {
        const decoded = decodeFrame(opcode, text, dir);
        expect(['message', 'undecodable']).toContain(decoded.kind);
        if (opcode === 1) expect(decoded.bytes).toBe(Buffer.byteLength(text, 'utf8'));
      }),
      { numRuns: 500 },
    );
  });

  it('on arbitrary binary frames, whose size is always the decoded length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('sent', 'received') as fc.Arbitrary<'sent' | 'received'>, (bytes, dir) => {
        const decoded = decodeFrame(2, Buffer.from(bytes).toString('base64'), dir);
        expect(decoded.bytes).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });
});
