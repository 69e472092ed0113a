/**
 * The raw baseline of bench/density: a plain Playwright script doing the density workload with no Rookery in the
 * loop — no probe, no CDP WebSocket capture, no page agent, no engine. Same Chromium binary and switches
 * (launchChromium), same page (/counter on the fixture), same click rate (one click per think time ± 25 %),
 * same ramp. Each click is an in-page `el.click()` via page.evaluate; the time from the click to the `#count`
 * mutation is taken in the page (performance.now). Per-second snapshots use the same metric names as a Rookery
 * run (lv_patch_ms, iterations, lv_events, harness_event_loop_lag_ms, users_active) so one window measure judges
 * both.
 */
import type { Browser, Page } from 'playwright';
import { launchChromium } from '../../src/browser/launch.js';
import { MAX_CONTEXTS_PER_BROWSER } from '../../src/browser/plan.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { EventLoopLagProbe } from '../../src/health/lag.js';
import type { TimedInterval } from './window-measure.js';

export interface RawConfig {
  target: string;
  users: number;
  rampMs: number;
  durationMs: number;
  thinkMs: number;
  launchArgs?: readonly string[];
}

const LABELS = { event: 'inc', view: '/counter' };

/** Click `#inc` in the page and resolve with the ms until `#count` changed (page clock). */
export function clickAndTime(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const count = document.querySelector('#count');
        const inc = document.querySelector<HTMLElement>('#inc');
        if (!count || !inc) return reject(new Error('no #count or #inc'));
        const t0 = performance.now();
        const mo = new MutationObserver(() => {
          mo.disconnect();
          clearTimeout(timer);
          resolve(performance.now() - t0);
        });
        const timer = setTimeout(() => {
          mo.disconnect();
          reject(new Error('no #count mutation within 15 s'));
        }, 15_000);
        mo.observe(count, { childList: true, characterData: true, subtree: true });
        inc.click();
      }),
  );
}

export async function runRaw(cfg: RawConfig, onInterval: (t: TimedInterval) => void, signal: AbortSignal): Promise<TimedInterval[]> {
  const startedAt = Date.now();
  const registry = new MetricsRegistry({ startedAt });
  const lag = new EventLoopLagProbe(10);
  const timed: TimedInterval[] = [];
  const browsers: Browser[] = [];
  const perBrowser = Math.ceil(cfg.users / Math.ceil(cfg.users / MAX_CONTEXTS_PER_BROWSER));
  let active = 0;
  const t0 = performance.now();
  const end = t0 + cfg.rampMs + cfg.durationMs;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
  lag.start();
  const ticker = setInterval(() => {
    for (const v of lag.drain()) registry.record('harness_event_loop_lag_ms', {}, v);
    registry.gauge('users_active', {}, active);
    const t = { elapsedMs: performance.now() - t0, snapshot: registry.takeInterval() };
    timed.push(t);
    onInterval(t);
  }, 1000);

  async function user(i: number, browser: Browser): Promise<void> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${cfg.target}/counter`);
      await page.waitForSelector('[data-phx-main].phx-connected');
      active++;
      await sleep(Math.random() * cfg.thinkMs);
      while (performance.now() < end && !signal.aborted) {
        try {
          const ms = await clickAndTime(page);
          registry.record('lv_patch_ms', LABELS, ms);
          registry.count('lv_events', LABELS);
          registry.count('iterations', { result: 'ok' });
        } catch (err) {
          registry.count('iterations', { result: 'error' });
          registry.error('raw', err instanceof Error ? err.message : String(err), { user: i });
        }
        await sleep(cfg.thinkMs * (0.75 + Math.random() * 0.5));
      }
    } finally {
      active--;
      await context.close().catch(() => {});
    }
  }

  try {
    const users: Promise<void>[] = [];
    for (let i = 0; i < cfg.users && !signal.aborted; i++) {
      if (i % perBrowser === 0) browsers.push((await launchChromium({ args: cfg.launchArgs ?? [] })).browser);
      // Linear ramp: user i starts at i/users of the ramp, like the engine's closed model.
      await sleep(t0 + (cfg.rampMs * i) / cfg.users - performance.now());
      users.push(user(i, browsers[browsers.length - 1]!).catch((err: unknown) => registry.error('raw', String(err), { user: i })));
    }
    await Promise.all(users);
  } finally {
    clearInterval(ticker);
    lag.stop();
    await Promise.all(browsers.map((b) => b.close().catch(() => {})));
  }
  return timed;
}
