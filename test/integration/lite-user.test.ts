/**
 * Lite users (src/lite): the app's own LiveView client on happy-dom, measured by the same decoder and session
 * model as Chromium users. The fixture's ground truth (/__fixture/stats) must equal what the lite users counted,
 * event by event, for counter, stream, components, form and live-navigation flows.
 */
import { describe, expect, it } from 'vitest';
import type { FixtureServer } from '../../fixtures/server/index.js';
import { useFixture } from '../support/use-fixture.js';
import { LoadEngine } from '../../src/load/engine.js';
import { resolveProfile } from '../../src/load/profile.js';
import { loadFeeder } from '../../src/scenario/feeder.js';
import { defineScenario, type User } from '../../src/scenario/define.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import type { Interval } from '../../src/metrics/model.js';
import { decodeEntries } from '../../src/metrics/merge.js';
import { scaleOf } from '../../src/metrics/hdr.js';
import { liteDriver } from '../../src/lite/driver.js';
import { exportClassicGlobals } from '../../src/lite/shims.js';
import { ScriptCache } from '../../src/lite/script-cache.js';
import { LiteUser } from '../../src/lite/user.js';
import { createVerbs, VerbError } from '../../src/scenario/verbs.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const fx = useFixture();

type Stats = ReturnType<FixtureServer['stats']>;
const counters = (s: Interval, name: string) => {
  const out = new Map<string, number>();
  for (const c of s.counters) if (c.name === name) out.set(c.labels.event ?? '', (out.get(c.labels.event ?? '') ?? 0) + c.value);
  return out;
};
const byEvent = (stats: Stats) => {
  const out = new Map<string, number>();
  for (const e of stats.events) out.set(e.event, (out.get(e.event) ?? 0) + 1);
  return out;
};
const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

async function runLite(user: (u: User) => Promise<void>, users: number, iterations: number) {
  await fetch(`${fx.url}/__fixture/reset`, { method: 'POST' });
  const registry = new MetricsRegistry();
  const acc = new Accumulator({ startedAt: Date.now() });
  const driver = liteDriver();
  const engine = new LoadEngine({
    scenario: defineScenario({ name: 'lite', user }),
    profile: resolveProfile({}, { users, ramp: 0, duration: '60s', iterations, gracefulStop: '10s' }),
    target: fx.url,
    driver,
    registry,
    feeder: loadFeeder(undefined, process.cwd()),
    setupData: undefined,
    input: 'fast',
    actionTimeoutMs: 10_000,
    abortOnError: true,
    onInterval: (s) => acc.add(s),
  });
  const outcome = await engine.run();
  const stats = (await (await fetch(`${fx.url}/__fixture/stats`)).json()) as Stats;
  return { outcome, totals: acc.totals(), stats, driver };
}

describe('lite users against the fixture', () => {
  it('count exactly the events, joins and reply bytes the fixture saw across all flows', async () => {
    const { outcome, totals, stats, driver } = await runLite(async (u) => {
      // counter
      await u.lv.goto('/counter');
      await u.lv.click('#inc');
      await u.lv.click('#inc');
      await u.lv.click('#dec');
      // stream
      await u.lv.goto('/stream?n=20');
      await u.lv.click('#add');
      await u.lv.click('#delete-3');
      // components: a LiveComponent target and a function component
      await u.lv.goto('/components?mode=live&n=10');
      await u.lv.click('#bump-4');
      await u.lv.goto('/components?mode=function&n=10');
      await u.lv.click('#bump-2');
      // form: phx-change per key, then phx-submit
      await u.lv.goto('/form');
      await u.lv.fill('#signup-name', 'Ada');
      await u.lv.type('#signup-email', 'a@b.c');
      await u.lv.submit('#signup');
      // live navigation: live_redirect, live_patch, nested child view
      await u.lv.goto('/');
      await u.lv.click('#link-counter');
      await u.lv.click('#inc');
      await u.lv.click('#patch');
      await u.lv.click('#nav-nested');
      await u.lv.click('#child-inc');
      await u.lv.waitSettled();
      await u.check('count', () => true);
    }, 3, 6);
    expect(outcome.errors).toBe(0);
    expect(outcome.iterations).toBe(6);
    // Every replied push the fixture recorded, counted by the lite users' decoder under the same name.
    const seen = counters(totals, 'lv_events');
    expect(sorted(seen)).toEqual(sorted(byEvent(stats)));
    expect(seen.get('inc')).toBe(6 * 4); // counter ×2, after live navigation ×1, nested child ×1
    expect(seen.get('validate')).toBe(6 * 6);
    expect(seen.get('save')).toBe(6);
    // Joins: every answered join, main and nested views alike.
    const joins = totals.counters.filter((c) => c.name === 'lv_joins').reduce((n, c) => n + c.value, 0);
    expect(joins).toBe(stats.joins.length);
    // Reply bytes: one lv_diff_bytes record per replied push, the largest equal to the fixture's largest reply.
    const diffBytes = decodeEntries(totals.histograms.filter((h) => h.name === 'lv_diff_bytes'));
    expect(diffBytes.reduce((n, d) => n + d.hist.totalCount, 0)).toBe(stats.events.length);
    const maxReply = Math.max(...stats.events.map((e) => e.replyBytes));
    expect(Math.max(...diffBytes.map((d) => d.hist.maxValue)) / scaleOf('lv_diff_bytes')).toBe(maxReply);
    // Every series says which kind of user measured it.
    for (const c of totals.counters) if (['lv_events', 'lv_joins', 'iterations', 'checks'].includes(c.name)) expect(c.labels.client).toBe('lite');
    for (const h of totals.histograms) if (['lv_mount_ms', 'lv_patch_ms', 'lv_event_rtt_ms'].includes(h.name)) expect(h.labels.client).toBe('lite');
    expect(totals.histograms.some((h) => h.name === 'lv_mount_ms')).toBe(true);
    expect(totals.histograms.some((h) => h.name === 'lv_patch_ms')).toBe(true);
    expect(totals.errors.filter((e) => e.kind.startsWith('lv.'))).toEqual([]);
    // The app's scripts were fetched once for the run, and every script load was served from the cache.
    expect(driver.cache.fetches).toBe(2);
    expect(driver.cache.misses).toBe(0);
  }, 90_000);

  it('u.page, u.context and u.snapshot fail with an error naming the member', async () => {
    const messages: string[] = [];
    const { outcome } = await runLite(async (u) => {
      for (const touch of [() => u.page, () => u.context]) {
        try {
          touch();
        } catch (err) {
          messages.push((err as Error).message);
        }
      }
      await u.snapshot('home').catch((err: Error) => messages.push(err.message));
    }, 1, 1);
    expect(outcome.errors).toBe(0);
    expect(messages[0]).toMatch(/u\.page is not available to lite users/);
    expect(messages[1]).toMatch(/u\.context is not available to lite users/);
    expect(messages[2]).toMatch(/u\.snapshot\("home"\): visual checks need a browser user/);
  });

  it('a page with a LiveView root but no LiveView client fails goto clearly; file inputs are refused', async () => {
    const html = '<!DOCTYPE html><html><head><script src="/app.js"></script></head><body><div data-phx-main data-phx-session="x"><input id="f" type="file"></div></body></html>';
    const server = createServer((req, res) => {
      if (req.url === '/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end('var App = 1;');
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const user = new LiteUser({ cache: new ScriptCache(), sink: () => {} });
    try {
      const lv = createVerbs({ port: user.port, probe: user.probe, target: url, recorder: { record: () => {} }, input: 'fast', actionTimeoutMs: 1_000 });
      const err = await lv.goto('/').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VerbError);
      expect((err as VerbError).kind).toBe('no-liveview');
      expect((err as Error).message).toMatch(/loads no LiveView client script/);
      const up = await lv.click('#f').catch((e: unknown) => e);
      expect((up as VerbError).kind).toBe('unsupported');
      expect((up as Error).message).toMatch(/file uploads need a browser user/);
    } finally {
      await user.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('the classic-globals shim exports top-level names only', () => {
    const out = exportClassicGlobals('var LiveView=(()=>{var inner=1;return {}})();\nfunction helper(){}\n  var indented = 2;');
    expect(out).toContain('window["LiveView"]=LiveView');
    expect(out).toContain('window["helper"]=helper');
    expect(out).not.toContain('"inner"');
    expect(out).not.toContain('"indented"');
    expect(ScriptCache.scriptUrls('<script defer src="/assets/app.js?vsn=d"></script><script src=\'https://cdn.x/y.js\'>', 'http://h/p')).toEqual(['http://h/assets/app.js?vsn=d', 'https://cdn.x/y.js']);
  });
});
