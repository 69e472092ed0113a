/**
 * `rookery/test`: Playwright Test's `test` with an `lv` fixture — the LiveView verbs scenarios use (goto, click,
 * fill, type, submit, waitSettled) — that measures the test's page through the same CDP probe as a load run and
 * attaches a per-test LiveView summary to the Playwright report (`liveview-metrics.json` and
 * `liveview-summary.txt`). Everything else is `@playwright/test`, re-exported.
 *
 *   import { test, expect } from 'rookery/test';
 *   test('counts', async ({ lv, page }) => { await lv.goto('/counter'); await lv.click('#inc'); … });
 *
 * Under `rookery run spec.ts` this module is not used: the spec's imports resolve to the collecting runtime
 * (src/spec/runtime.ts), and Rookery's pool provides `page`, `context` and `lv`.
 */
import { test as base } from '@playwright/test';
import type { InputMode, LiveViewVerbs } from '../scenario/define.js';
import { createVerbs } from '../scenario/verbs.js';
import { PageProbe } from '../probe/page-probe.js';
import { PAGE_AGENT_SCRIPT } from '../probe/page-agent.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { recordObservation } from '../metrics/record.js';
import { eventKey, formatLiveViewSummary, liveViewSummary } from './summary.js';

export * from '@playwright/test';
export type { LiveViewTestSummary } from './summary.js';
export type { LiveViewVerbs } from '../scenario/define.js';

export interface LiveViewOptions {
  /** `fast` (in-page actions, default) or `playwright` (real input events). */
  input?: InputMode;
  /** How long verbs wait for a connect or a reply, in ms. Default 15 000. */
  actionTimeoutMs?: number;
}

export interface LiveViewFixtures {
  /** LiveView verbs on the test's page; paths are relative to `use.baseURL`. */
  lv: LiveViewVerbs;
  /** Options of the `lv` fixture: `test.use({ lvOptions: { input: 'playwright' } })`. */
  lvOptions: LiveViewOptions;
}

export const test = base.extend<LiveViewFixtures>({
  lvOptions: [{}, { option: true }],
  lv: async ({ page, baseURL, lvOptions }, use, testInfo) => {
    const registry = new MetricsRegistry();
    // The page exists but has not navigated yet: the agent is in place for its first document.
    await page.context().addInitScript({ content: PAGE_AGENT_SCRIPT });
    const diffBytes = new Map<string, number>();
    const probe = await PageProbe.attach(page, {
      sink: (obs) => {
        recordObservation(registry, obs);
        if (obs.type === 'event') diffBytes.set(eventKey(obs.event, obs.view), (diffBytes.get(eventKey(obs.event, obs.view)) ?? 0) + obs.anatomy.bytes);
      },
    });
    const verbs = createVerbs({
      page,
      probe,
      target: baseURL ?? '',
      recorder: registry,
      input: lvOptions.input ?? 'fast',
      actionTimeoutMs: lvOptions.actionTimeoutMs ?? 15_000,
    });
    const lv: LiveViewVerbs = {
      ...verbs,
      goto: async (path) => {
        if (!baseURL && !/^https?:\/\//.test(path)) throw new Error(`lv.goto(${JSON.stringify(path)}): a relative path needs use.baseURL in the Playwright config (or pass an absolute URL)`);
        return verbs.goto(path);
      },
    };
    try {
      await use(lv);
    } finally {
      probe.expire();
      await probe.detach();
      const summary = liveViewSummary(registry.takeInterval(), diffBytes);
      await testInfo.attach('liveview-metrics.json', { body: JSON.stringify(summary, null, 2), contentType: 'application/json' });
      await testInfo.attach('liveview-summary.txt', { body: formatLiveViewSummary(summary), contentType: 'text/plain' });
    }
  },
});
