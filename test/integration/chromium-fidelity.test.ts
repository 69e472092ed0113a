/**
 * What a page must still be able to do in the Chromium Rookery launches (issue 13 item 5: any switch that cuts
 * Chromium's CPU per action must keep it): `requestAnimationFrame` fires at the display's rate (not stopped, not
 * unthrottled), a CSS transition runs to `transitionend`, LiveView JS commands that wait for animation frames
 * (`add_class`, `transition`) reach their end state, and clicks through the fast path are handled by the real client
 * and measured — counts equal to the fixture's ground truth.
 *
 * The same checks run against the two switches that did cut Chromium's CPU per click (bench/chromium-profile.ts,
 * BENCHMARKS.md): `--disable-threaded-compositing` (a half) makes the renderer composite without a scheduler — a
 * mode Chromium keeps for its layout tests — so no frame is ever produced and rAF never fires;
 * `--disable-frame-rate-limit` (a tenth) replaces the 60 Hz begin-frame source with back-to-back frames, so an rAF
 * loop spins as fast as the CPU allows. Both cases show the checks can fail. A switch must also leave what a page
 * can read about its device alone: `--enable-low-end-device-mode` (within the bench's noise, second pass) tells pages
 * they have 2 GB of memory and shrinks their JS heap limit to under 300 MB.
 */
import { describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright';
import { launchChromium } from '../../src/browser/launch.js';
import { discoverChromium } from '../../src/browser/discover.js';
import { chromiumArgs } from '../../src/browser/flags.js';
import type { FixtureServer } from '../../fixtures/server/index.js';
import { useFixture } from '../support/use-fixture.js';
import { PageProbe } from '../../src/probe/page-probe.js';
import { PAGE_AGENT_SCRIPT } from '../../src/probe/page-agent.js';
import { createVerbs } from '../../src/scenario/verbs.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { recordObservation } from '../../src/metrics/record.js';
import type { Observation } from '../../src/liveview/observations.js';

interface PageFidelity {
  /** rAF callbacks in one second of an rAF loop. */
  rafPerSecond: number;
  transitionEnded: boolean;
  /** LiveView `add_class` (applied in an animation frame) reached the element. */
  jsAddClass: boolean;
  /** LiveView `transition` ran its start → run → end classes and removed them after its time. */
  jsTransition: { sawRun: boolean; cleaned: boolean };
  /** What the page can read about the device (a secure context: the fixture is on 127.0.0.1). */
  device: { deviceMemory: number | undefined; jsHeapSizeLimit: number | undefined; hardwareConcurrency: number };
}

/** Runs in the page (a /counter page, connected). Bounded: everything settles or gives up within ~2 s. */
function measureFidelity(page: Page): Promise<PageFidelity> {
  return page.evaluate(async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let frames = 0;
    const t0 = performance.now();
    const tick = (): void => {
      frames++;
      if (performance.now() - t0 < 1_000) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);

    const box = document.createElement('div');
    box.id = 'fidelity-box';
    box.style.cssText = 'width:20px;height:20px;opacity:1;transition:opacity 80ms linear';
    document.body.appendChild(box);
    let transitionEnded = false;
    box.addEventListener('transitionend', () => (transitionEnded = true));
    void box.getBoundingClientRect();
    box.style.opacity = '0';

    // LiveView JS commands, executed by the page's own client on an element inside the LiveView.
    const ls = (window as unknown as { liveSocket: { execJS(el: Element, js: string): void } }).liveSocket;
    const target = document.querySelector('#count')!;
    ls.execJS(target, JSON.stringify([['add_class', { names: ['fidelity-added'], transition: [[], [], []], time: 0 }]]));
    let sawRun = false;
    const mo = new MutationObserver(() => {
      if (target.classList.contains('fidelity-run')) sawRun = true;
    });
    mo.observe(target, { attributes: true, attributeFilter: ['class'] });
    ls.execJS(target, JSON.stringify([['transition', { time: 100, transition: [['fidelity-run'], ['fidelity-start'], ['fidelity-end']], blocking: false }]]));

    await sleep(1_500);
    mo.disconnect();
    box.remove();
    const cls = target.classList;
    const nav = navigator as Navigator & { deviceMemory?: number };
    const mem = (performance as Performance & { memory?: { jsHeapSizeLimit: number } }).memory;
    return {
      rafPerSecond: frames,
      transitionEnded,
      jsAddClass: cls.contains('fidelity-added'),
      jsTransition: { sawRun, cleaned: !cls.contains('fidelity-run') && !cls.contains('fidelity-start') },
      device: { deviceMemory: nav.deviceMemory, jsHeapSizeLimit: mem?.jsHeapSizeLimit, hardwareConcurrency: nav.hardwareConcurrency },
    };
  });
}

const CLICKS = 5;

async function check(browser: Browser, url: string, fixture: FixtureServer): Promise<{ fidelity: PageFidelity; clicksOk: number; pushed: number; patched: number; events: number; serverInc: number }> {
  fixture.reset();
  const context = await browser.newContext();
  try {
    await context.addInitScript({ content: PAGE_AGENT_SCRIPT });
    const page = await context.newPage();
    const registry = new MetricsRegistry();
    const events: Observation[] = [];
    const probe = await PageProbe.attach(page, {
      sink: (obs) => {
        if (obs.type === 'event' && obs.push === 'event') events.push(obs);
        recordObservation(registry, obs);
      },
    });
    const lv = createVerbs({ page, probe, target: url, recorder: registry, input: 'fast', actionTimeoutMs: 5_000 });
    await lv.goto('/counter');
    let clicksOk = 0;
    let pushed = 0;
    let patched = 0;
    for (let i = 0; i < CLICKS; i++) {
      const t = await lv.click('#inc');
      clicksOk++;
      if (t.pushed && t.rttMs !== undefined) pushed++;
      // The patch is measured in the page and encloses the wire round trip.
      if (t.rttMs !== undefined && t.patchMs > 0) patched++;
    }
    const fidelity = await measureFidelity(page);
    await probe.detach();
    const serverInc = fixture.stats().events.filter((e) => e.event === 'inc' && e.status === 'ok').length;
    return { fidelity, clicksOk, pushed, patched, events: events.length, serverInc };
  } finally {
    await context.close();
  }
}

const fixture = useFixture();

/**
 * What a /counter page reads about its device in a Chromium launched with `args` on top of Rookery's switches, or
 * (`bare`) in the same executable with only what this machine needs to start it (`--no-sandbox`: running as root)
 * on top of Playwright's own switches.
 */
async function deviceSeen(args: string[], bare = false): Promise<PageFidelity['device']> {
  const browser = bare
    ? await chromium.launch({ executablePath: discoverChromium().executablePath, headless: true, args: ['--no-sandbox', ...args] })
    : (await launchChromium({ args })).browser;
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${fixture.url}/counter`);
    return await page.evaluate(() => ({
      deviceMemory: (navigator as Navigator & { deviceMemory?: number }).deviceMemory,
      jsHeapSizeLimit: (performance as Performance & { memory?: { jsHeapSizeLimit: number } }).memory?.jsHeapSizeLimit,
      hardwareConcurrency: navigator.hardwareConcurrency,
    }));
  } finally {
    await browser.close();
  }
}

/** The checks in a Chromium launched with Rookery's switches plus `args`, closed after. */
async function checkWith(args: string[]): Promise<Awaited<ReturnType<typeof check>>> {
  const { browser } = await launchChromium({ args });
  try {
    return await check(browser, fixture.url, fixture);
  } finally {
    await browser.close();
  }
}

describe('Chromium as Rookery launches it keeps what pages rely on', () => {
  it('with the default switches: rAF at display rate, CSS transitions, LiveView JS commands, measured clicks', async () => {
    const { browser } = await launchChromium();
    try {
      const r = await check(browser, fixture.url, fixture);
      // A display refreshes at most ~60–120 times a second; an unthrottled rAF loop runs hundreds of times.
      expect(r.fidelity.rafPerSecond).toBeGreaterThan(0);
      expect(r.fidelity.rafPerSecond).toBeLessThanOrEqual(125);
      expect(r.fidelity.transitionEnded).toBe(true);
      expect(r.fidelity.jsAddClass).toBe(true);
      expect(r.fidelity.jsTransition).toEqual({ sawRun: true, cleaned: true });
      expect(r).toMatchObject({ clicksOk: CLICKS, pushed: CLICKS, patched: CLICKS, events: CLICKS, serverInc: CLICKS });
      // Rookery's switches must not change the device a page sees: the same as a bare Chromium's (same executable).
      const bare = await deviceSeen([], true);
      console.log(`device seen: Rookery's switches ${JSON.stringify(r.fidelity.device)}, bare Chromium ${JSON.stringify(bare)}`);
      expect(bare.deviceMemory).toBeGreaterThan(0);
      expect(bare.jsHeapSizeLimit).toBeGreaterThan(0);
      expect(r.fidelity.device).toEqual(bare);
    } finally {
      await browser.close();
    }
  });

  it('detects what --enable-low-end-device-mode tells pages (less device memory, a smaller JS heap limit)', async () => {
    expect(chromiumArgs()).not.toContain('--enable-low-end-device-mode');
    const defaultDevice = await deviceSeen([]);
    const r = await checkWith(['--enable-low-end-device-mode']);
    // Frames and clicks still work: only the device a page sees differs from the default switches' (same machine).
    expect(r).toMatchObject({ clicksOk: CLICKS, events: CLICKS, serverInc: CLICKS });
    console.log(`device seen: default switches ${JSON.stringify(defaultDevice)}, with --enable-low-end-device-mode ${JSON.stringify(r.fidelity.device)}`);
    expect(r.fidelity.device.jsHeapSizeLimit).toBeLessThan(defaultDevice.jsHeapSizeLimit!);
    expect(r.fidelity.device.deviceMemory).toBeLessThanOrEqual(defaultDevice.deviceMemory!);
  });

  it('detects the unthrottled frames of --disable-frame-rate-limit (rAF loops spin: hundreds per second)', async () => {
    expect(chromiumArgs()).not.toContain('--disable-frame-rate-limit');
    const r = await checkWith(['--disable-frame-rate-limit']);
    // Measured here at 1 100–1 400 per second on a machine whose cores other work kept busy.
    expect(r.fidelity.rafPerSecond).toBeGreaterThan(125);
  });

  it('detects the breakage of --disable-threaded-compositing (no frames: rAF and JS commands stall)', async () => {
    expect(chromiumArgs()).not.toContain('--disable-threaded-compositing');
    const r = await checkWith(['--disable-threaded-compositing']);
    expect(r.fidelity.rafPerSecond).toBe(0);
    expect(r.fidelity.jsAddClass).toBe(false);
    // The click path itself does not need frames: the client handles clicks and the agent sees the patch.
    expect(r).toMatchObject({ clicksOk: CLICKS, events: CLICKS, serverInc: CLICKS });
  });
});
