/**
 * Fuzz: a few hundred malformed frames over raw sockets. The server must answer Phoenix-style (error reply or
 * close), never crash, and keep serving both an unrelated raw client and a real browser.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { launchChromium } from '../../src/browser/launch.js';
import { startFixture, MAX_FRAME_BYTES, type FixtureServer } from '../../fixtures/server/index.js';
import { fetchPage, RawClient, response, status } from '../support/fixture-ws-client.js';
import { capture, settled } from '../support/fixture-browser.js';

let fx: FixtureServer;
let browser: Browser | undefined;
const clients: RawClient[] = [];

beforeAll(async () => {
  fx = await startFixture({ port: 0 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await fx?.close();
});

type Fuzz = (topic: string, joinRef: string) => string | Buffer;

/** Malformed or hostile frames, from undecodable bytes to well-formed frames with nonsense payloads. */
function fuzzFrames(seed: number): Fuzz[] {
  const strings = fc.sample(fc.string({ maxLength: 40 }), { seed, numRuns: 60 });
  const bytes = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 64 }), { seed: seed + 1, numRuns: 60 });
  const json = fc.sample(fc.jsonValue({ maxDepth: 3 }), { seed: seed + 2, numRuns: 80 });
  const frames: Fuzz[] = [];
  for (const s of strings) frames.push(() => s);
  for (const b of bytes) frames.push(() => Buffer.from(b));
  for (const v of json) {
    // Whole frame replaced by arbitrary JSON, or a payload of arbitrary JSON on the joined topic.
    frames.push(() => JSON.stringify(v));
    frames.push((t, j) => JSON.stringify([j, '77', t, 'event', v]));
  }
  const specific: Fuzz[] = [
    () => '[',
    () => '["1","2","lv:x"]',
    () => '[1,2,3,4,5]',
    () => '[null,null,null,null,null]',
    () => '["1","2","lv:x","event",{}, "extra"]',
    () => `${'['.repeat(5000)}${']'.repeat(5000)}`,
    (t, j) => JSON.stringify([j, '3', t, 'event', { type: 'click', event: 7 }]),
    (t, j) => JSON.stringify([j, '4', t, 'event', { type: 'form', event: 'inc', value: { nested: [1, 2] }, cid: 'x' }]),
    (t, j) => JSON.stringify([j, '5', t, 'event', { type: 'click', event: 'bump', value: {}, cid: 424242 }]),
    (t, j) => JSON.stringify([j, '6', t, 'live_patch', { url: 'not a url' }]),
    (t, j) => JSON.stringify([j, '7', t, 'live_patch', { url: 12 }]),
    (t, j) => JSON.stringify([j, '8', t, 'cids_destroyed', { cids: 'all' }]),
    (t, j) => JSON.stringify([j, '9', t, 'cids_will_destroy', null]),
    (t, j) => JSON.stringify([j, '10', t, 'allow_upload', { ref: 'x' }]),
    (t, j) => JSON.stringify([j, '11', t, 'phx_join', { session: 42, url: {} }]),
    () => JSON.stringify(['1', '12', 'lv:phx-nope', 'phx_join', { session: 'SFMyNTY.e30.x', url: 'http://x/' }]),
    () => JSON.stringify(['1', '13', 'lvu:abc', 'phx_join', { token: 'x' }]),
    () => JSON.stringify([null, '14', 'phoenix', 'heartbeat', 'not an object']),
    () => Buffer.concat([Buffer.from([0, 1, 2, 7, 5]), Buffer.from('1'), Buffer.from('15'), Buffer.from('lvu:abc'), Buffer.from('chunk'), Buffer.alloc(100)]),
    () => 'x'.repeat(MAX_FRAME_BYTES + 10),
    (t, j) => JSON.stringify([j, '16', t, 'event', { type: 'click', event: 'inc', value: { v: 'y'.repeat(200_000) } }]),
  ];
  frames.push(...specific);
  // Interleave so socket closes happen throughout.
  return frames.map((f, i) => ({ f, k: (i * 7919) % frames.length })).sort((a, b) => a.k - b.k).map((x) => x.f);
}

async function connectAndJoin(): Promise<{ c: RawClient; topic: string; joinRef: string }> {
  const c = await RawClient.connect(fx.url);
  clients.push(c);
  const page = await fetchPage(fx.url, '/counter');
  const { joinRef, topic, reply } = await c.join(fx.url, page, '/counter');
  expect(status(reply)).toBe('ok');
  return { c, topic, joinRef };
}

describe('fixture under malformed input', () => {
  it('survives a few hundred malformed frames; other users and a real browser keep working', async () => {
    const bystander = await connectAndJoin();
    const frames = fuzzFrames(20251124);
    expect(frames.length).toBeGreaterThanOrEqual(250);

    let fuzzer = await connectAndJoin();
    const closeCodes = new Map<number, number>();
    let reconnects = 0;
    for (const make of frames) {
      if (!fuzzer.c.isOpen) {
        const { code } = await fuzzer.c.closed;
        closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
        fuzzer = await connectAndJoin();
        reconnects++;
      }
      fuzzer.c.sendRaw(make(fuzzer.topic, fuzzer.joinRef));
      // A heartbeat round trip orders us after the server handled the frame (or closed the socket).
      const hb = fuzzer.c.push(null, 'phoenix', 'heartbeat', {}, 5000).catch(() => null);
      await Promise.race([hb, fuzzer.c.closed]);
    }
    expect(reconnects).toBeGreaterThan(10);
    expect(reconnects).toBeLessThan(frames.length);
    // Undecodable frames close with 1007; the oversized one with 1009 (ws maxPayload).
    expect(closeCodes.get(1007) ?? 0).toBeGreaterThan(10);
    expect(closeCodes.get(1009)).toBe(1);
    expect([...closeCodes.keys()].every((code) => code === 1007 || code === 1009)).toBe(true);
    // Well-formed frames with bad payloads got error replies rather than closes.
    expect(fuzzer.c.frames.length + reconnects).toBeGreaterThan(0);

    // The bystander never noticed.
    const inc = await bystander.c.push(bystander.joinRef, bystander.topic, 'event', { type: 'click', event: 'inc', value: { value: '' } });
    expect(response(inc)).toEqual({ diff: { 2: '1' } });

    // A real browser still gets a working page.
    ({ browser } = await launchChromium());
    const page = await browser.newPage();
    const cap = capture(page);
    await page.goto(`${fx.url}/counter`);
    await settled(page);
    await page.click('#inc');
    await page.waitForFunction(() => document.querySelector('#count')?.textContent === '1');
    expect(cap.consoleErrors).toEqual([]);
    expect((await fetch(`${fx.url}/__fixture/stats`)).status).toBe(200);
  });

  it('answers a well-formed frame with a bad payload with an error reply, keeping the socket open', async () => {
    const { c, topic, joinRef } = await connectAndJoin();
    const bad = await c.push(joinRef, topic, 'event', 'not an object');
    expect(bad[4]).toEqual({ status: 'error', response: { reason: 'payload must be an object' } });
    const unknownPush = await c.push(joinRef, topic, 'allow_upload', {});
    expect(response(unknownPush)).toEqual({ reason: 'unknown event' });
    const upload = await c.push('1', 'lvu:x', 'phx_join', { token: 't' });
    expect(response(upload)).toEqual({ reason: 'unmatched topic' });
    expect(c.isOpen).toBe(true);
  });
});
