/**
 * Taking a stable screenshot of a LiveView page. Order matters:
 *  1. wait until the LiveView is settled (connected, no phx-*-loading, no pending refs, no unanswered push) —
 *     otherwise a half-patched page is compared;
 *  2. freeze motion and hide the caret with injected CSS (plus Playwright's own animation stop), so a
 *     transition caught mid-way or a blinking caret is not a difference;
 *  3. screenshot with masked regions painted over as solid boxes, identical in baseline and actual.
 */
import type { Page } from 'playwright';

export interface CaptureOptions {
  /** Selectors painted over (dynamic content: clocks, counters, avatars). */
  mask?: readonly string[];
  fullPage?: boolean;
  timeoutMs: number;
}

/** What capture needs from the page: the LiveView settle wait (u.lv.waitSettled) and a Playwright page. */
export interface CaptureTarget {
  page: Page;
  waitSettled(opts: { timeoutMs: number }): Promise<void>;
}

/** Injected for the screenshot only (Playwright removes it afterwards). */
export const FREEZE_CSS = `*, *::before, *::after {
  animation: none !important;
  transition: none !important;
  caret-color: transparent !important;
  scroll-behavior: auto !important;
}`;

/** Mask colour: opaque magenta, obviously not page content in the saved images. */
export const MASK_COLOR = '#FF00FF';

export async function captureSnapshot(target: CaptureTarget, opts: CaptureOptions): Promise<Buffer> {
  await target.waitSettled({ timeoutMs: opts.timeoutMs });
  const page = target.page;
  return page.screenshot({
    type: 'png',
    fullPage: opts.fullPage ?? false,
    animations: 'disabled',
    caret: 'hide',
    scale: 'css',
    style: FREEZE_CSS,
    mask: (opts.mask ?? []).map((selector) => page.locator(selector)),
    maskColor: MASK_COLOR,
    timeout: opts.timeoutMs,
  });
}
