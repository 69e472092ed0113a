/** The fixture driven by the real phoenix_live_view client in headless Chromium. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright';
import { launchChromium } from '../../src/browser/launch.js';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { capture, diffOf, replyTo, settled, type Capture } from '../support/fixture-browser.js';

let fx: FixtureServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function open(path: string): Promise<{ page: Page; c: Capture }> {
  const ctx = await browser.newContext();
  contexts.push(ctx);
  const page = await ctx.newPage();
  const c = capture(page);
  await page.goto(fx.url + path);
  await settled(page);
  return { page, c };
}

beforeAll(async () => {
  fx = await startFixture({ port: 0 });
  ({ browser } = await launchChromium());
});

afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await browser?.close();
  await fx?.close();
});

describe('fixture with the real client', () => {
  it('adding one item: the /stream reply is far smaller than the /list reply', async () => {
    const stream = await open('/stream?n=100');
    await stream.page.click('#add');
    await stream.page.waitForSelector('#items > li:first-child#items-101');
    const streamReply = await replyTo(stream.page, stream.c, 'add');

    const list = await open('/list?n=100');
    await list.page.click('#add');
    await list.page.waitForSelector('#items > li:first-child#items-101');
    const listReply = await replyTo(list.page, list.c, 'add');

    const streamBytes = Buffer.byteLength(streamReply.text);
    const listBytes = Buffer.byteLength(listReply.text);
    expect(streamBytes).toBeLessThan(400);
    expect(listBytes).toBeGreaterThan(10 * streamBytes);
    expect(await stream.page.locator('#items > li').count()).toBe(101);
    expect(await list.page.locator('#items > li').count()).toBe(101);
    expect([...stream.c.consoleErrors, ...list.c.consoleErrors]).toEqual([]);
  });

  it('a LiveComponent click replies with only a "c" diff; a function component click does not', async () => {
    const live = await open('/components?mode=live&n=50');
    await live.page.click('#bump-7');
    await live.page.waitForFunction(() => document.querySelector('#count-7')?.textContent === '1');
    expect(Object.keys(diffOf(await replyTo(live.page, live.c, 'bump')))).toEqual(['c']);
    const liveEvent = live.c.frames.find((f) => f.dir === 'sent' && f.frame[4].event === 'bump');
    expect(typeof liveEvent?.frame[4].cid).toBe('number');

    const fn = await open('/components?mode=function&n=50');
    await fn.page.click('#bump-7');
    await fn.page.waitForFunction(() => document.querySelector('#count-7')?.textContent === '1');
    const fnDiff = diffOf(await replyTo(fn.page, fn.c, 'bump'));
    expect(Object.keys(fnDiff)).not.toContain('c');
    expect(Object.keys(fnDiff).length).toBeGreaterThan(0);
    expect(await fn.page.locator('#count-8').textContent()).toBe('0');
    expect([...live.c.consoleErrors, ...fn.c.consoleErrors]).toEqual([]);
  });

  it('live navigation between pages reuses one WebSocket', async () => {
    const { page, c } = await open('/');
    await page.click('#link-counter');
    await page.waitForSelector('#count');
    await settled(page);
    await page.click('#inc');
    await page.waitForFunction(() => document.querySelector('#count')?.textContent === '1');
    await page.click('#nav-stream');
    await page.waitForSelector('#items-100');
    await page.click('#nav-nested');
    await page.waitForSelector('#nested-child.phx-connected');
    await page.click('#child-inc');
    await page.waitForFunction(() => document.querySelector('#child-count')?.textContent === '1');
    await page.goBack();
    await page.waitForSelector('#items-100');
    await settled(page);

    expect(c.sockets).toHaveLength(1);
    const joins = c.frames.filter((f) => f.dir === 'sent' && f.frame[3] === 'phx_join');
    const navJoins = joins.filter((f) => typeof f.frame[4].redirect === 'string');
    expect(navJoins.map((f) => new URL(f.frame[4].redirect as string).pathname)).toEqual(['/counter', '/stream', '/nested', '/stream']);
    // Main-view navigation joins stay on the first topic with a fresh join ref each time.
    expect(new Set(navJoins.map((f) => f.frame[2])).size).toBe(1);
    expect(new Set(navJoins.map((f) => f.frame[0])).size).toBe(4);
    expect(page.url()).toBe(`${fx.url}/stream`);
    expect(c.consoleErrors).toEqual([]);
  });

  it('a crash (?crash=1) shows the error state, the client rejoins with _mounts ≥ 1 and the page works again', async () => {
    const { page, c } = await open('/counter?crash=1');
    await page.click('#inc');
    await page.waitForSelector('[data-phx-main].phx-error', { timeout: 5000 });
    await page.waitForSelector('[data-phx-main].phx-connected', { timeout: 10_000 });
    const rejoin = c.frames.filter((f) => f.dir === 'sent' && f.frame[3] === 'phx_join').at(-1);
    expect((rejoin?.frame[4].params as Record<string, unknown>)._mounts).toBeGreaterThanOrEqual(1);
    expect(c.frames.some((f) => f.dir === 'received' && f.frame[3] === 'phx_error')).toBe(true);
    await page.click('#inc');
    await page.waitForFunction(() => document.querySelector('#count')?.textContent === '1');
    await page.click('#inc');
    await page.waitForFunction(() => document.querySelector('#count')?.textContent === '2');
    expect(c.sockets).toHaveLength(1);
  });

  it('/__fixture/stats counts exactly the events the test sent, with the bytes the browser received', async () => {
    const { page, c } = await open('/counter');
    const topic = c.frames.find((f) => f.frame[3] === 'phx_join')?.frame[2];
    const clicks = 7;
    for (let i = 1; i <= clicks; i++) {
      await page.click('#inc');
      await page.waitForFunction((n) => document.querySelector('#count')?.textContent === String(n), i);
    }
    await page.click('#dec');
    await page.waitForFunction(() => document.querySelector('#count')?.textContent === String(6));
    const stats = (await (await fetch(`${fx.url}/__fixture/stats`)).json()) as ReturnType<FixtureServer['stats']>;
    const events = stats.events.filter((e) => e.topic === topic);
    expect(events.map((e) => e.event)).toEqual([...Array<string>(clicks).fill('inc'), 'dec']);
    for (const e of events) {
      const frame = c.frames.find((f) => f.dir === 'received' && f.frame[3] === 'phx_reply' && f.frame[1] === e.ref && f.frame[2] === topic);
      expect(Buffer.byteLength(frame?.text ?? '')).toBe(e.replyBytes);
    }
    const joins = stats.joins.filter((j) => j.topic === topic);
    expect(joins).toHaveLength(1);
    const joinReply = c.frames.find((f) => f.dir === 'received' && f.frame[3] === 'phx_reply' && f.frame[1] === joins[0]?.ref);
    expect(Buffer.byteLength(joinReply?.text ?? '')).toBe(joins[0]?.replyBytes);
    expect(c.consoleErrors).toEqual([]);
  });
});
