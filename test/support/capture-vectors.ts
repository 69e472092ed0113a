/**
 * Records decoder test vectors from the real phoenix_live_view client driving the fixture app: each flow's CDP
 * WebSocket events, one JSON line each, in test/vectors/fixture-lv-<version>/. Re-run after a client upgrade:
 *
 *   npm run build && node --import ./test/support/register-ts.mjs test/support/capture-vectors.ts
 *
 * (or via vitest: `CAPTURE_VECTORS=1 npx vitest run test/integration/capture-vectors.test.ts`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkgVersion } from '../../src/load/run-results.js';
import type { Browser } from 'playwright';
import { startFixture } from '../../fixtures/server/index.js';
import { launchChromium } from '../../src/browser/launch.js';
import { PAGE_AGENT_SCRIPT } from '../../src/probe/page-agent.js';
import { PageProbe } from '../../src/probe/page-probe.js';
import { createVerbs } from '../../src/scenario/verbs.js';
import type { LiveViewVerbs } from '../../src/scenario/define.js';

type Flow = (lv: LiveViewVerbs, page: import('playwright').Page) => Promise<void>;

/** What each flow does; the unit test over these files asserts the counts this implies. */
export const FLOWS: Record<string, Flow> = {
  counter: async (lv) => {
    await lv.goto('/counter');
    for (let i = 0; i < 3; i++) await lv.click('#inc');
    await lv.click('#dec');
    await lv.click('#patch'); // live_patch push
  },
  form: async (lv) => {
    await lv.goto('/form');
    await lv.type('#signup-name', 'Ada');
    await lv.fill('#signup-email', 'ada@example.com');
    await lv.submit('#signup');
  },
  stream: async (lv) => {
    await lv.goto('/stream?n=20');
    await lv.click('#add');
    await lv.click('#add');
    await lv.click('#delete-1');
    await lv.click('#reset');
  },
  list: async (lv) => {
    await lv.goto('/list?n=20');
    await lv.click('#add');
  },
  components: async (lv) => {
    await lv.goto('/components?mode=live&n=5');
    await lv.click('#bump-1');
    await lv.click('#bump-2');
    await lv.click('#bump-1');
  },
  'components-function': async (lv) => {
    await lv.goto('/components?mode=function&n=5');
    await lv.click('#bump-1');
  },
  async: async (lv, page) => {
    await lv.goto('/async?ms=100');
    await page.waitForSelector('#result-run');
    await lv.click('#reload');
    await page.waitForSelector('#result-run');
  },
  navigation: async (lv) => {
    await lv.goto('/');
    await lv.click('a[href="/counter"]');
    await lv.click('#inc');
  },
  nested: async (lv, page) => {
    await lv.goto('/nested');
    await page.waitForFunction(() => document.querySelectorAll('[data-phx-session].phx-connected').length >= 2);
  },
  heartbeat: async (lv, page) => {
    await lv.goto('/counter');
    await lv.click('#inc');
    // Exactly three heartbeats, 100 ms apart: phoenix.js's 30 s default sent none yet. After the second reply the
    // next heartbeat is already scheduled, so a long interval from then on stops the series after the third.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          type PhxSocket = { heartbeatIntervalMs: number; resetHeartbeat(): void; onMessage(cb: (m: { topic: string }) => void): void };
          const socket = (window as unknown as { liveSocket: { socket: PhxSocket } }).liveSocket.socket;
          let replies = 0;
          socket.onMessage((m) => {
            if (m.topic !== 'phoenix') return;
            replies++;
            if (replies === 2) socket.heartbeatIntervalMs = 3_600_000;
            if (replies === 3) resolve();
          });
          socket.heartbeatIntervalMs = 100;
          socket.resetHeartbeat();
        }),
    );
    await lv.click('#inc');
  },
  crash: async (lv, page) => {
    await lv.goto('/counter?crash=1');
    await page.evaluate(() => (document.querySelector('#inc') as HTMLElement).click());
    // The view crashes (phx_error), the client rejoins with _mounts ≥ 1, and works again.
    await page.waitForFunction(() => document.querySelector('[data-phx-main]')?.classList.contains('phx-connected') && !document.querySelector('[data-phx-main]')?.classList.contains('phx-error'), undefined, { timeout: 10_000 });
    await page.waitForTimeout(1_500);
    await lv.waitSettled();
    await lv.click('#inc');
  },
};

export async function captureVectors(outDir: string, browser?: Browser): Promise<string[]> {
  const fixture = await startFixture({ port: 0 });
  const own = browser ? undefined : (await launchChromium()).browser;
  const b = browser ?? own!;
  const written: string[] = [];
  try {
    mkdirSync(outDir, { recursive: true });
    for (const [name, flow] of Object.entries(FLOWS)) {
      const context = await b.newContext();
      await context.addInitScript({ content: PAGE_AGENT_SCRIPT });
      const page = await context.newPage();
      const probe = await PageProbe.attach(page, { sink: () => {}, keepRawEvents: true });
      const lv = createVerbs({ page, probe, target: fixture.url, recorder: { record: () => {} }, input: 'fast', actionTimeoutMs: 10_000 });
      await flow(lv, page);
      await lv.waitSettled();
      await context.close();
      // Ports and random ids differ per capture; keep them, they are what a real run sees.
      const file = join(outDir, `${name}.jsonl`);
      writeFileSync(file, probe.raw.map((e) => JSON.stringify(e)).join('\n') + '\n');
      written.push(file);
    }
  } finally {
    await own?.close();
    await fixture.close();
  }
  return written;
}

export function clientVersion(): string {
  const v = pkgVersion('phoenix_live_view');
  if (!v) throw new Error('phoenix_live_view is not installed');
  return v;
}
