/** The fixture's socket protocol, driven by a raw Phoenix V2 client (no browser). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { fetchPage, RawClient, response, status, type Frame } from '../support/fixture-ws-client.js';

let fx: FixtureServer;
const clients: RawClient[] = [];

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(fx.url);
  clients.push(c);
  return c;
}

async function joined(path: string): Promise<{ c: RawClient; joinRef: string; topic: string; reply: Frame }> {
  const c = await client();
  const page = await fetchPage(fx.url, path);
  return { c, ...(await c.join(fx.url, page, path)) };
}

const click = (event: string, value: Record<string, string> = {}, cid?: number): Record<string, unknown> => ({
  type: 'click',
  event,
  value: { ...value, value: '' },
  ...(cid === undefined ? {} : { cid }),
});

beforeAll(async () => {
  fx = await startFixture({ port: 0 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await fx.close();
});

describe('fixture protocol', () => {
  it('answers heartbeats and joins with the rendered tree and the client package version', async () => {
    const c = await client();
    const hb = await c.push(null, 'phoenix', 'heartbeat', {});
    expect(hb).toEqual([null, hb[1], 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    const page = await fetchPage(fx.url, '/counter');
    const { reply } = await c.join(fx.url, page, '/counter');
    expect(status(reply)).toBe('ok');
    expect(response(reply).liveview_version).toBe('1.2.12');
    const rendered = response(reply).rendered as Record<string, unknown>;
    expect(rendered.t).toBe('Counter');
    expect(JSON.stringify(rendered.p)).toContain('id=\\"count\\"');
  });

  it('replies to events with minimal diffs, in order, and records each in the ground truth exactly', async () => {
    fx.reset();
    const { c, joinRef, topic } = await joined('/counter');
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => c.push(joinRef, topic, 'event', click('inc'))));
    expect(replies.map((r) => (response(r).diff as Record<string, string>)[2])).toEqual(['1', '2', '3', '4', '5']);
    const dec = await c.push(joinRef, topic, 'event', click('dec', { by: '3' }));
    expect(response(dec)).toEqual({ diff: { 2: '2' } });

    const stats = fx.stats();
    const events = stats.events.filter((e) => e.topic === topic);
    expect(events.map((e) => e.event)).toEqual(['inc', 'inc', 'inc', 'inc', 'inc', 'dec']);
    // Bytes are the UTF-8 length of the reply frame exactly as received.
    for (const e of events) {
      const text = c.texts.find((t) => t.startsWith(`["${joinRef}","${e.ref}",`));
      expect(text, `reply to ref ${e.ref}`).toBeDefined();
      expect(e.replyBytes).toBe(Buffer.byteLength(text as string));
      expect(e.repliedAt).toBeGreaterThanOrEqual(e.receivedAt);
      expect(e.push).toBe('event');
    }
    const join = stats.joins.find((j) => j.topic === topic);
    expect(join).toMatchObject({ joinRef, status: 'ok', mounts: 0, url: `${fx.url}/counter` });
    // The stats endpoint serves the same record.
    const served = (await (await fetch(`${fx.url}/__fixture/stats`)).json()) as { events: unknown[] };
    expect(served.events).toEqual(stats.events);
    expect((await fetch(`${fx.url}/__fixture/reset`, { method: 'POST' })).status).toBe(200);
    expect(fx.stats().events).toEqual([]);
  });

  it('handles live_patch (same route: diff; other route: link_redirect) and component lifecycle pushes', async () => {
    const { c, joinRef, topic } = await joined('/counter');
    const patch = await c.push(joinRef, topic, 'live_patch', { url: `${fx.url}/counter?step=5` });
    expect(response(patch)).toEqual({ diff: { 3: '5', 4: '/counter?step=1', 5: '1' } });
    const inc = await c.push(joinRef, topic, 'event', click('inc'));
    expect(response(inc)).toEqual({ diff: { 2: '5' } });
    const other = await c.push(joinRef, topic, 'live_patch', { url: `${fx.url}/stream` });
    expect(response(other)).toEqual({ link_redirect: true });

    const live = await joined('/components?mode=live&n=3');
    const bump = await live.c.push(live.joinRef, live.topic, 'event', click('bump', {}, 2));
    expect(response(bump)).toEqual({ diff: { c: { 2: { 3: '1' } } } });
    const lost = await live.c.push(live.joinRef, live.topic, 'event', click('bump', {}, 99));
    expect(response(lost)).toEqual({});
    expect(response(await live.c.push(live.joinRef, live.topic, 'cids_will_destroy', { cids: [3] }))).toEqual({});
    expect(response(await live.c.push(live.joinRef, live.topic, 'cids_destroyed', { cids: [3, 42] }))).toEqual({ cids: [3] });
  });

  it('leave replies then closes; pushes to unjoined topics and non-LiveView joins get "unmatched topic"', async () => {
    const { c, joinRef, topic } = await joined('/counter');
    const leave = await c.push(joinRef, topic, 'phx_leave', {});
    expect(status(leave)).toBe('ok');
    await c.waitFor((f) => f[3] === 'phx_close' && f[0] === joinRef && f[1] === joinRef && f[2] === topic);
    const after = await c.push(joinRef, topic, 'event', click('inc'));
    expect(after).toEqual([null, after[1], topic, 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }]);
    expect(response(await c.push('9', 'room:lobby', 'phx_join', {}))).toEqual({ reason: 'unmatched topic' });
    expect(response(await c.push(null, 'phoenix', 'nope', {}))).toEqual({ reason: 'unmatched topic' });
  });

  it('rejects forged or mismatched sessions as stale and unknown routes as unauthorized', async () => {
    const c = await client();
    const page = await fetchPage(fx.url, '/counter');
    const forged = await c.push('1', 'lv:phx-X', 'phx_join', { url: `${fx.url}/counter`, session: 'SFMyNTY.e30.bad', params: {} });
    expect(response(forged)).toEqual({ reason: 'stale' });
    const wrongTopic = await c.push('2', 'lv:phx-other', 'phx_join', { url: `${fx.url}/counter`, session: page.session, params: {} });
    expect(response(wrongTopic)).toEqual({ reason: 'stale' });
    const route = await c.push('3', `lv:${page.id}`, 'phx_join', { url: `${fx.url}/nowhere`, session: page.session, params: {} });
    expect(response(route)).toEqual({ reason: 'unauthorized' });
    expect(fx.stats().joins.filter((j) => j.status === 'error').length).toBeGreaterThanOrEqual(3);
  });

  it('live navigation: after a leave, a new join on the same topic with `redirect` mounts the target route', async () => {
    const c = await client();
    const page = await fetchPage(fx.url, '/counter');
    const first = await c.join(fx.url, page, '/counter');
    await c.push(first.joinRef, first.topic, 'phx_leave', {});
    const nav = await c.push('50', first.topic, 'phx_join', {
      redirect: `${fx.url}/stream?n=2`,
      params: { _csrf_token: 'x', _mounts: 0, _live_referer: `${fx.url}/counter` },
      session: page.session,
      static: page.static,
    });
    expect(status(nav)).toBe('ok');
    expect(response(nav).rendered).toMatchObject({ t: 'Stream' });
    expect(fx.stats().joins.find((j) => j.joinRef === '50' && j.topic === first.topic)?.url).toBe(`${fx.url}/stream?n=2`);
    // A duplicate join without a leave closes the previous instance (old join ref) first.
    const dup = await c.push('60', first.topic, 'phx_join', { url: `${fx.url}/counter`, params: {}, session: page.session });
    expect(status(dup)).toBe('ok');
    expect(c.frames.some((f) => f[3] === 'phx_close' && f[0] === '50')).toBe(true);
    const inc = await c.push('60', first.topic, 'event', click('inc'));
    expect(response(inc)).toEqual({ diff: { 2: '1' } });
  });

  it('a crash (?crash=1, first mount) sends phx_error with the join ref and drops the view; the rejoin works', async () => {
    fx.reset();
    const c = await client();
    const page = await fetchPage(fx.url, '/counter?crash=1');
    const { joinRef, topic } = await c.join(fx.url, page, '/counter?crash=1');
    c.sendRaw(JSON.stringify([joinRef, '900', topic, 'event', click('inc')]));
    const err = await c.waitFor((f) => f[3] === 'phx_error');
    expect(err).toEqual([joinRef, joinRef, topic, 'phx_error', {}]);
    expect(c.frames.some((f) => f[1] === '900')).toBe(false);
    expect(fx.stats().crashes).toBe(1);
    const rejoin = await c.join(fx.url, page, '/counter?crash=1', 1);
    expect(status(rejoin.reply)).toBe('ok');
    const inc = await c.push(rejoin.joinRef, topic, 'event', click('inc'));
    expect(response(inc)).toEqual({ diff: { 2: '1' } });
    // An event the view has no handler for crashes it too, like a missing handle_event clause.
    c.sendRaw(JSON.stringify([rejoin.joinRef, '901', topic, 'event', click('nope')]));
    await c.waitFor((f) => f[3] === 'phx_error' && f[0] === rejoin.joinRef);
    expect(fx.stats().events.map((e) => e.event)).toEqual(['inc']);
  });

  it('server-pushed diffs: async results after ms, chat messages to every member', async () => {
    const a = await joined('/async?ms=50');
    expect(JSON.stringify(response(a.reply).rendered)).toContain('loading');
    const push = await a.c.waitFor((f) => f[3] === 'diff' && f[2] === a.topic, 3000);
    expect(push[0]).toBe(a.joinRef);
    expect(push[1]).toBeNull();
    expect(push[4]).toMatchObject({ 0: 'result ok', 1: 'ok' });

    const u1 = await joined('/chat');
    const u2 = await joined('/chat');
    const sent = await u1.c.push(u1.joinRef, u1.topic, 'event', { type: 'form', event: 'send', value: 'message=hi+%3Cthere%3E', meta: {} });
    expect(JSON.stringify(response(sent))).toContain('hi &lt;there&gt;');
    const got = await u2.c.waitFor((f) => f[3] === 'diff' && f[2] === u2.topic && JSON.stringify(f[4]).includes('hi &lt;there&gt;'));
    expect(JSON.stringify(got[4])).toContain('"stream"');
    expect(fx.stats().pushes.some((p) => p.topic === u2.topic && p.event === 'diff')).toBe(true);
  });

  it('--event-delay-ms and --jitter-ms delay each event while keeping per-channel order', async () => {
    const slow = await startFixture({ port: 0, eventDelayMs: 30, jitterMs: 20, seed: 7 });
    const c = await RawClient.connect(slow.url);
    try {
      const page = await fetchPage(slow.url, '/counter');
      const { joinRef, topic } = await c.join(slow.url, page, '/counter');
      const replies = await Promise.all(Array.from({ length: 4 }, () => c.push(joinRef, topic, 'event', click('inc'))));
      expect(replies.map((r) => (response(r).diff as Record<string, string>)[2])).toEqual(['1', '2', '3', '4']);
      const events = slow.stats().events;
      expect(events).toHaveLength(4);
      for (const e of events) expect(e.repliedAt - e.receivedAt).toBeGreaterThanOrEqual(29);
      // Strictly in order: each reply leaves after the previous one.
      for (let i = 1; i < events.length; i++) expect((events[i] as { repliedAt: number }).repliedAt).toBeGreaterThan((events[i - 1] as { repliedAt: number }).repliedAt);
    } finally {
      c.close();
      await slow.close();
    }
  });

  it('bounds the ground truth with maxRecords and counts drops', async () => {
    const small = await startFixture({ port: 0, maxRecords: 3 });
    const c = await RawClient.connect(small.url);
    try {
      const page = await fetchPage(small.url, '/counter');
      const { joinRef, topic } = await c.join(small.url, page, '/counter');
      for (let i = 0; i < 5; i++) await c.push(joinRef, topic, 'event', click('inc'));
      const s = small.stats();
      expect(s.events).toHaveLength(3);
      expect(s.dropped).toBe(2);
    } finally {
      c.close();
      await small.close();
    }
  });

  it('renders every page deterministically (apart from container ids and signed tokens)', async () => {
    const other = await startFixture({ port: 0 });
    try {
      const normalize = (html: string): string =>
        html.replace(/phx-F[0-9a-z]{15}/g, 'ID').replace(/SFMyNTY\.[\w-]+\.[\w-]+/g, 'TOKEN');
      for (const path of ['/', '/counter', '/form', '/stream', '/list', '/components?mode=function', '/components?mode=live', '/async', '/nested']) {
        const [a, b] = await Promise.all([fetch(fx.url + path), fetch(other.url + path)].map(async (r) => normalize(await (await r).text())));
        expect(a, path).toBe(b);
        expect(a, path).toContain('data-phx-main');
      }
    } finally {
      await other.close();
    }
  });

  it('refuses other socket paths and serializer versions, and serves 404s for unknown pages', async () => {
    await expect(RawClient.connect(fx.url, '')).rejects.toThrow(/400/);
    expect((await fetch(`${fx.url}/nope`)).status).toBe(404);
    expect((await fetch(`${fx.url}/__fixture/reset`)).status).toBe(405);
  });
});
