/**
 * BrowserPool against real Chromium: effective switches, context reuse that really clears state, crash
 * isolation, and no Chromium left after close(), SIGINT or an uncaught exception.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { BrowserCrashedError, BrowserPool, PoolClosedError, type BrowserCrashEvent, type Lease } from '../../src/browser/pool.js';
import { discoverChromium } from '../../src/browser/discover.js';
import { PLAYWRIGHT_DISABLED_FEATURES, ROOKERY_DISABLED_FEATURES } from '../../src/browser/flags.js';
import { descendantsOf, readCmdline, readProcessTable } from '../../src/health/procfs.js';
import { chromiumLeftovers, waitUntil } from '../support/chromium-processes.js';
import { bundleChild, repoRoot, startChild, type RunningChild } from '../support/bundle-child.js';

const executable = discoverChromium().executablePath;
const OMNIBOX = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup'];

let server: Server;
let origin = '';
let imageHits = 0;
/** 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/pixel.gif')) {
      imageHits++;
      res.setHeader('content-type', 'image/gif');
      res.setHeader('cache-control', 'no-store');
      res.end(PIXEL);
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>pool</title><p>pool test</p><img src="/pixel.gif?${Math.random()}">`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  origin = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function featuresOf(arg: string): string[] {
  return arg.slice('--disable-features='.length).split(',').filter(Boolean);
}

describe('BrowserPool (real Chromium)', () => {
  it('launches with one effective --disable-features holding Playwright’s defaults plus the omnibox features', async () => {
    const pool = new BrowserPool({ browsers: 1, contextsPerBrowser: 2 });
    try {
      expect(pool.browserVersion()).toBeUndefined(); // nothing launched before the first acquire
      const lease = await pool.acquire(1);
      await lease.page.setContent('<p>x</p>');
      expect(pool.browserVersion()).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const [pid] = pool.pids();
      expect(pid).toBeTypeOf('number');
      const cmd = readCmdline(pid!)!;
      expect(cmd[0]).toBe(executable);
      expect(cmd.some((a) => a.startsWith('--type='))).toBe(false); // the browser process, not a child
      const lists = cmd.filter((a) => a.startsWith('--disable-features='));
      // Playwright puts its own list first; ours comes last and is the one Chromium honours.
      expect(lists.length).toBe(2);
      const playwrights = featuresOf(lists[0]!);
      const effective = new Set(featuresOf(lists[lists.length - 1]!));
      expect(playwrights.length).toBeGreaterThan(5);
      for (const f of playwrights) expect(effective, `Playwright's ${f} was dropped: update flags.ts`).toContain(f);
      for (const f of OMNIBOX) expect(effective).toContain(f);
      for (const f of ROOKERY_DISABLED_FEATURES) expect(effective).toContain(f);
      // Our copy of Playwright's list is what the running Playwright passes (guards against upgrades).
      expect([...playwrights].sort()).toEqual([...PLAYWRIGHT_DISABLED_FEATURES].sort());

      // Chromium propagates the effective list to its children: a renderer proves it was honoured. Zygote
      // children rewrite their title, so their cmdline is one space-separated string.
      const tree = descendantsOf(readProcessTable(), [pid!]);
      const renderer = tree.map((p) => (readCmdline(p) ?? []).join(' ')).find((c) => c.includes('--type=renderer'));
      expect(renderer).toBeDefined();
      const rendererFeatures = renderer!.split(' ').filter((a) => a.startsWith('--disable-features=')).flatMap(featuresOf);
      for (const f of OMNIBOX) expect(rendererFeatures).toContain(f);
    } finally {
      await pool.close();
    }
  });

  it('reuses a released context and really clears cookies, storage and permissions', async () => {
    const pool = new BrowserPool({ browsers: 1, contextsPerBrowser: 2 });
    try {
      const first = await pool.acquire(1);
      expect(first.fresh).toBe(true);
      expect(first.userId).toBe(1);
      const hitsBefore = imageHits;
      await first.page.goto(`${origin}/app`);
      expect(imageHits).toBe(hitsBefore + 1); // no blocking unless asked
      await first.context.grantPermissions(['geolocation'], { origin });
      await first.page.evaluate(async () => {
        document.cookie = 'session=abc; path=/';
        localStorage.setItem('user', 'one');
        sessionStorage.setItem('tab', 'one');
        await new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('rookery-test', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('s');
          open.onsuccess = () => {
            open.result.close();
            resolve();
          };
          open.onerror = () => reject(open.error);
        });
      });
      const before = await first.page.evaluate(async () => ({
        cookie: document.cookie,
        local: localStorage.length,
        session: sessionStorage.length,
        dbs: (await indexedDB.databases()).length,
        geo: (await navigator.permissions.query({ name: 'geolocation' })).state,
      }));
      expect(before).toEqual({ cookie: 'session=abc', local: 1, session: 1, dbs: 1, geo: 'granted' });
      const context = first.context;
      await first.release();

      const second = await pool.acquire(2);
      expect(second.context).toBe(context);
      expect(second.fresh).toBe(false);
      expect(second.userId).toBe(2);
      expect(second.page.url()).toBe('about:blank');
      expect(await second.context.cookies()).toEqual([]);
      await second.page.goto(`${origin}/app`);
      const after = await second.page.evaluate(async () => ({
        cookie: document.cookie,
        local: localStorage.length,
        session: sessionStorage.length,
        dbs: (await indexedDB.databases()).length,
        geo: (await navigator.permissions.query({ name: 'geolocation' })).state,
      }));
      expect(after).toEqual({ cookie: '', local: 0, session: 0, dbs: 0, geo: 'prompt' });
      expect(pool.stats()).toMatchObject({ browsers: 1, contexts: 1, leased: 1, idle: 0, contextsCreated: 1, contextsReused: 1 });

      // discard() closes the context: the next user gets a fresh one.
      await second.discard();
      expect(pool.stats()).toMatchObject({ contexts: 0, leased: 0 });
      const third = await pool.acquire(3);
      expect(third.fresh).toBe(true);
      expect(third.context).not.toBe(context);
      await third.release();
      await third.release(); // idempotent
      expect(pool.stats()).toMatchObject({ contexts: 1, leased: 0, idle: 1 });
    } finally {
      await pool.close();
    }
  });

  it('waits for a free slot when every browser is full, and hands over a released context', async () => {
    const pool = new BrowserPool({ browsers: 1, contextsPerBrowser: 1 });
    try {
      const a = await pool.acquire(1);
      let got: Lease | undefined;
      const waiting = pool.acquire(2).then((l) => (got = l));
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toBeUndefined();
      await a.release();
      const b = await waiting;
      expect(b.context).toBe(a.context);
      expect(pool.stats().browsers).toBe(1);
    } finally {
      await pool.close();
    }
    await expect(pool.acquire(9)).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('a killed browser fails only its own leases; new acquires go to a relaunched browser', async () => {
    const pool = new BrowserPool({ browsers: 2, contextsPerBrowser: 2 });
    const crashes: BrowserCrashEvent[] = [];
    pool.on('crash', (e) => crashes.push(e));
    try {
      // Sequential acquires fill browser 1 before browser 2 is launched.
      const leases: Lease[] = [];
      for (const id of [1, 2, 3, 4]) leases.push(await pool.acquire(id));
      await Promise.all(leases.map((l) => l.page.setContent(`<p>user ${l.userId}</p>`)));
      const byBrowser = new Map<number, Lease[]>();
      for (const l of leases) byBrowser.set(l.browserId, [...(byBrowser.get(l.browserId) ?? []), l]);
      expect([...byBrowser.values()].map((ls) => ls.length)).toEqual([2, 2]);
      const [victimId, survivorId] = [...byBrowser.keys()] as [number, number];
      const victims = byBrowser.get(victimId)!;
      const survivors = byBrowser.get(survivorId)!;
      const pidsBefore = pool.pids();
      expect(pidsBefore).toHaveLength(2);
      const victimPid = pidsBefore[0]!;

      process.kill(victimPid, 'SIGKILL');
      expect(await waitUntil(() => crashes.length === 1, 10_000)).toBe(true);

      expect(crashes[0]).toMatchObject({ browserId: victimId, pid: victimPid });
      expect(crashes[0]!.userIds.sort()).toEqual(victims.map((l) => l.userId).sort());
      for (const l of victims) {
        expect(l.signal.aborted).toBe(true);
        expect(l.signal.reason).toBeInstanceOf(BrowserCrashedError);
        expect(l.crashed).toBeInstanceOf(BrowserCrashedError);
        await expect(l.guard(l.page.evaluate(() => 1))).rejects.toBeInstanceOf(BrowserCrashedError);
        await l.release(); // never throws on a dead browser
      }
      for (const l of survivors) {
        expect(l.signal.aborted).toBe(false);
        expect(await l.guard(l.page.evaluate(() => document.querySelector('p')!.textContent))).toBe(`user ${l.userId}`);
      }
      // The killed browser's renderers and zygotes went with it.
      expect(chromiumLeftovers({ groups: [victimPid] })).toEqual([]);

      // Browser 2 is full (2/2), so user 5 needs a fresh browser in place of the dead one.
      const fresh = await pool.acquire(5);
      expect(fresh.browserId).not.toBe(victimId);
      expect(fresh.browserId).not.toBe(survivorId);
      await fresh.page.setContent('<p>after crash</p>');
      expect(await fresh.page.textContent('p')).toBe('after crash');
      expect(pool.pids()).toHaveLength(2);
      expect(pool.pids()).not.toContain(victimPid);
      expect(pool.stats()).toMatchObject({ crashes: 1, launches: 3, browsers: 2 });
    } finally {
      await pool.close();
    }
  });

  it('blocks images when asked, and close() leaves no Chromium process behind', async () => {
    const pool = new BrowserPool({ browsers: 2, contextsPerBrowser: 1, blockResources: ['image'] });
    const leases = await Promise.all([pool.acquire(1), pool.acquire(2)]);
    const hitsBefore = imageHits;
    await Promise.all(leases.map((l) => l.page.goto(`${origin}/`)));
    expect(await leases[0]!.page.evaluate(() => document.images[0]!.complete && document.images[0]!.naturalWidth)).toBe(0);
    expect(imageHits).toBe(hitsBefore); // images blocked in every context
    const groups = pool.pids();
    expect(groups).toHaveLength(2);
    expect(chromiumLeftovers({ groups, ancestor: process.pid, executable }).length).toBeGreaterThan(4);
    await pool.close();
    expect(chromiumLeftovers({ groups, ancestor: process.pid, executable })).toEqual([]);
    expect(pool.pids()).toEqual([]);
    for (const l of leases) expect(l.signal.reason).toBeInstanceOf(PoolClosedError);
  });
});

describe('no Chromium survives the harness process', () => {
  let child: { path: string; remove: () => void };

  beforeAll(async () => {
    child = await bundleChild(join(repoRoot, 'test', 'support', 'pool-child.ts'));
  });

  afterAll(() => child.remove());

  /** Starts the child and checks it really runs a browser tree before we hurt it. */
  async function start(mode: string): Promise<{ run: RunningChild; pids: number[] }> {
    const run = startChild(child.path, [mode]);
    const pids = await run.pids;
    expect(pids).toHaveLength(1);
    expect(chromiumLeftovers({ groups: pids }).length).toBeGreaterThan(2); // browser, zygotes, renderers…
    return { run, pids };
  }

  it('SIGINT with no handler of its own: Chromium is killed and the process still dies by SIGINT', async () => {
    const { run, pids } = await start('idle');
    run.signal('SIGINT');
    expect((await run.exited).signal).toBe('SIGINT');
    expect(await waitUntil(() => chromiumLeftovers({ groups: pids }).length === 0, 5_000)).toBe(true);
  });

  it('SIGINT handled by the application: the pool leaves the graceful stop to it', async () => {
    const { run, pids } = await start('app-handles-sigint');
    run.signal('SIGINT');
    await run.line('closed');
    expect((await run.exited).code).toBe(0);
    expect(chromiumLeftovers({ groups: pids })).toEqual([]);
  });

  it('an uncaught exception: the exit hook kills Chromium', async () => {
    const { run, pids } = await start('uncaught');
    run.signal('SIGUSR2');
    expect((await run.exited).code).toBe(1);
    expect(run.stderr()).toContain('deliberate uncaught exception');
    expect(await waitUntil(() => chromiumLeftovers({ groups: pids }).length === 0, 5_000)).toBe(true);
  });
});
