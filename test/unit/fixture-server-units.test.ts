import { describe, expect, it } from 'vitest';
import { decodeBinaryPush, decodeText, reply, unmatchedTopic } from '../../fixtures/server/frames.js';
import { GroundTruthRecorder, Ring } from '../../fixtures/server/ground-truth.js';
import { eventParams } from '../../fixtures/server/live-channel.js';
import { seededRng } from '../../fixtures/server/random.js';
import { signSession, verifySession } from '../../fixtures/server/session-token.js';
import { fieldError } from '../../fixtures/server/views/form.js';
import { glitchParam, intParam } from '../../fixtures/server/views/view.js';
import { ChatRoom } from '../../fixtures/server/chat-room.js';
import { isLoopbackHost } from '../../src/cli/commands/fixture.js';

describe('V2 JSON frames', () => {
  it('decodes [join_ref, ref, topic, event, payload] and rejects everything else without throwing', () => {
    expect(decodeText('["1","2","lv:x","event",{"a":1}]')).toEqual({ ok: true, message: { joinRef: '1', ref: '2', topic: 'lv:x', event: 'event', payload: { a: 1 } } });
    expect(decodeText('[null,"3","phoenix","heartbeat",{}]').ok).toBe(true);
    for (const bad of ['', 'nope', '{"topic":"x"}', '[1,2,3]', '[1,"2","t","e",{}]', '[null,null,5,"e",{}]', '[null,null,"t",null,{}]', '"str"', 'null', '[[],[],[],[],[]]']) {
      expect(decodeText(bad).ok, bad).toBe(false);
    }
  });

  it('decodes a binary push header and rejects garbage', () => {
    const fields = ['12', '13', 'lvu:1', 'chunk'].map((s) => Buffer.from(s));
    const frame = Buffer.concat([Buffer.from([0, ...fields.map((f) => f.length)]), ...fields, Buffer.from([1, 2, 3])]);
    expect(decodeBinaryPush(frame)).toEqual({ ok: true, message: { joinRef: '12', ref: '13', topic: 'lvu:1', event: 'chunk', payload: null } });
    expect(decodeBinaryPush(Buffer.from([0, 200, 1, 1, 1, 65])).ok).toBe(false);
    expect(decodeBinaryPush(Buffer.from([7, 1, 1, 1, 1, 65, 65, 65, 65])).ok).toBe(false);
    expect(decodeBinaryPush(Buffer.from([0, 1, 0, 0, 0, 0xff])).ok).toBe(false);
  });

  it('builds Phoenix replies', () => {
    expect(reply({ joinRef: '1', ref: '5', topic: 't' }, 'ok', {})).toEqual(['1', '5', 't', 'phx_reply', { status: 'ok', response: {} }]);
    expect(unmatchedTopic({ ref: '9', topic: 'x' })).toEqual([null, '9', 'x', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }]);
  });
});

describe('event params', () => {
  it('decodes form values and merges meta like Phoenix; click values stay as given', () => {
    expect(eventParams('form', 'name=A%3Cb&email=&_unused_email=', { _target: 'name' })).toEqual({ name: 'A<b', email: '', _unused_email: '', _target: 'name' });
    expect(eventParams('click', { id: '3', value: '' }, undefined)).toEqual({ id: '3', value: '' });
    expect(eventParams('hook', { n: 1, o: { a: 1 } }, null)).toEqual({ n: '1', o: '{"a":1}' });
    expect(eventParams('click', 'garbage', 5)).toEqual({});
  });
});

describe('session tokens', () => {
  it('verify what was signed, and nothing tampered or foreign', () => {
    const t = signSession('s1', { id: 'phx-A' });
    expect(t.startsWith('SFMyNTY.')).toBe(true);
    expect(verifySession('s1', t)).toEqual({ id: 'phx-A' });
    expect(verifySession('s1', signSession('s1', { id: 'c', child: 'child' }))).toEqual({ id: 'c', child: 'child' });
    expect(verifySession('s2', t)).toBeNull();
    const [a, , c] = t.split('.');
    expect(verifySession('s1', `${a}.${Buffer.from('{"id":"phx-B"}').toString('base64url')}.${c}`)).toBeNull();
    for (const junk of [undefined, 5, '', 'a.b.c', 'SFMyNTY..', {}]) expect(verifySession('s1', junk)).toBeNull();
  });
});

describe('ground truth ring buffers', () => {
  it('keep the newest records in order and count what fell out', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.dropped).toBe(2);
    r.clear();
    expect(r.toArray()).toEqual([]);
    expect(r.dropped).toBe(0);
  });

  it('the recorder snapshot sums drops over joins, events and pushes; reset clears all', () => {
    const g = new GroundTruthRecorder(1);
    const ev = { topic: 't', event: 'e', push: 'event', ref: '1', receivedAt: 1, repliedAt: 2, replyBytes: 3, status: 'ok' as const };
    g.event(ev);
    g.event({ ...ev, ref: '2' });
    g.push({ topic: 't', event: 'diff', sentAt: 1, bytes: 1 });
    g.crash();
    const s = g.snapshot();
    expect(s.events.map((e) => e.ref)).toEqual(['2']);
    expect(s.dropped).toBe(1);
    expect(s.crashes).toBe(1);
    g.reset();
    expect(g.snapshot()).toEqual({ joins: [], events: [], pushes: [], crashes: 0, dropped: 0 });
  });
});

describe('page parameters and rules', () => {
  const u = (q: string): URL => new URL(`http://x/p${q}`);
  it('clamp numbers and parse glitch probabilities', () => {
    expect(intParam(u('?n=7'), 'n', 100, 0, 10)).toBe(7);
    expect(intParam(u('?n=99'), 'n', 100, 0, 10)).toBe(10);
    expect(intParam(u('?n=x'), 'n', 5, 0, 10)).toBe(5);
    expect(glitchParam(u(''))).toBe(0);
    expect(glitchParam(u('?glitch=0.25'))).toBe(0.25);
    expect(glitchParam(u('?glitch=7'))).toBe(1);
    expect(glitchParam(u('?glitch'))).toBe(1);
    expect(glitchParam(u('?glitch=zz'))).toBe(0);
  });

  it('form validation rules', () => {
    expect(fieldError('name', '')).toBe('Name is required');
    expect(fieldError('name', 'A')).toMatch(/at least 2/);
    expect(fieldError('name', 'Ad')).toBeNull();
    expect(fieldError('email', 'ada')).toMatch(/@/);
    expect(fieldError('email', 'a@b')).toBeNull();
  });

  it('the seeded RNG is reproducible and uniform enough', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('the chat room keeps bounded history and fans out to subscribers', () => {
    const room = new ChatRoom(3);
    const seen: string[] = [];
    const off = room.subscribe((m) => seen.push(m.text));
    expect(room.post('u', '   ')).toBeNull();
    for (const t of ['a', 'b', 'c', 'd']) room.post('u', t);
    off();
    room.post('u', 'e');
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(room.recent(10).map((m) => m.text)).toEqual(['c', 'd', 'e']);
    expect(room.post('u', 'x'.repeat(1000))?.text.length).toBe(280);
  });

  it('loopback detection for `rookery fixture --host`', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.168.1.2', '::', 'example.com', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
