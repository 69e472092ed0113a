/** Browser-side helpers for fixture tests: WebSocket frame capture and the LiveView "settled" wait. */
import type { Page } from 'playwright';

export interface CapturedFrame {
  dir: 'sent' | 'received';
  text: string;
  frame: [string | null, string | null, string, string, Record<string, unknown>];
}

export interface Capture {
  sockets: string[];
  frames: CapturedFrame[];
  consoleErrors: string[];
}

export function capture(page: Page): Capture {
  const c: Capture = { sockets: [], frames: [], consoleErrors: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') c.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => c.consoleErrors.push(`pageerror: ${e.message}`));
  page.on('websocket', (ws) => {
    c.sockets.push(ws.url());
    const add = (dir: 'sent' | 'received', payload: string | Buffer): void => {
      const text = String(payload);
      c.frames.push({ dir, text, frame: JSON.parse(text) as CapturedFrame['frame'] });
    };
    ws.on('framesent', (f) => add('sent', f.payload));
    ws.on('framereceived', (f) => add('received', f.payload));
  });
  return c;
}

/** Connected and no pending event refs (`data-phx-ref-src`): what the client shows is what the server sent. */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('[data-phx-main].phx-connected', { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('[data-phx-ref-src]') === null, undefined, { timeout: 10_000 });
}

/** The reply frame to the last `event` push named `event`, once it arrived. */
export async function replyTo(page: Page, c: Capture, event: string): Promise<CapturedFrame> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const push = [...c.frames].reverse().find((f) => f.dir === 'sent' && f.frame[3] === 'event' && f.frame[4].event === event);
    if (push) {
      const r = c.frames.find((f) => f.dir === 'received' && f.frame[3] === 'phx_reply' && f.frame[1] === push.frame[1] && f.frame[2] === push.frame[2]);
      if (r) return r;
    }
    await page.waitForTimeout(20);
  }
  throw new Error(`no reply to ${event} within 10 s`);
}

export function diffOf(f: CapturedFrame): Record<string, unknown> {
  return ((f.frame[4].response as Record<string, unknown> | undefined)?.diff ?? {}) as Record<string, unknown>;
}
