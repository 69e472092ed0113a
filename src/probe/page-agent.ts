/**
 * The in-page half of the probe. Installed with `context.addInitScript` so it runs before the app's scripts,
 * it measures what only the page can see, in the page's clock (performance.now, origin = navigation start):
 * - mount: navigation start → main LiveView connected and its join patch applied;
 * - patch: a user action → the LiveView client cleared the action's refs, which it does in the same task as
 *   applying the reply's diff (view.ts pushWithReply → undoRefs + update), so a MutationObserver callback
 *   (a microtask after that task) sees the patched DOM;
 * - settled: connected, no element with pending refs or `phx-*-loading` classes.
 *
 * Actions default to the cheap in-page path (`el.click()`, setting `.value` + an `input` event,
 * `form.requestSubmit()`): the real LiveView client handles them exactly as for a person, without Playwright's
 * actionability round trips, which cost CPU and add ~10 ms to what we measure.
 *
 * Kept as a plain script string: a serialized TS function would pick up transpiler helpers.
 */

export interface MountInfo {
  /** performance.now() when the main LiveView first became connected (ms since navigation start). */
  mountMs: number | undefined;
  /** Navigation Timing: startTime → responseEnd of the document (the dead render). */
  documentMs: number | undefined;
  path: string;
  /** `liveSocket.version()` when the app exposes window.liveSocket. */
  clientVersion: string | undefined;
  hasLiveView: boolean;
  connected: boolean;
  errorClass: boolean;
}

export type PageAction =
  | { kind: 'click'; selector: string }
  | { kind: 'input'; selector: string; value: string }
  | { kind: 'submit'; selector: string };

export interface ActionResult {
  ok: boolean;
  /** Whether the action made the LiveView client push (it put refs on elements). */
  pushed: boolean;
  /** Action dispatched → refs cleared (DOM patched), page clock. */
  patchMs: number;
  /** Set for live navigation links: the page-loading kind that finished (redirect / patch). */
  navigation: string | undefined;
  error: string | undefined;
}

export interface SettleResult {
  ok: boolean;
  waitedMs: number;
  reason: string | undefined;
}

/** The API the agent exposes as `window.__rookery`. */
export interface PageAgentApi {
  mountInfo(): MountInfo;
  settled(): boolean;
  waitMounted(timeoutMs: number): Promise<MountInfo & { ok: boolean; reason: string | undefined }>;
  waitSettled(timeoutMs: number): Promise<SettleResult>;
  act(action: PageAction, timeoutMs: number): Promise<ActionResult>;
  /** Playwright-input path: arm before the real input, then `awaitInput` measures from the input event's timeStamp. */
  armInput(): void;
  awaitInput(timeoutMs: number): Promise<ActionResult>;
}

export const PAGE_AGENT_SCRIPT = String.raw`(() => {
  if (window.__rookery) return;
  const PENDING = '[data-phx-ref-loading],[data-phx-ref-lock]';
  const LOADING = '.phx-click-loading,.phx-change-loading,.phx-submit-loading,.phx-keydown-loading,.phx-keyup-loading,.phx-blur-loading,.phx-focus-loading,.phx-hook-loading';
  let mountAt;
  const root = () => document.querySelector('[data-phx-main]') || document.querySelector('[data-phx-session]:not([data-phx-parent-id])');
  const connected = () => { const r = root(); return !!r && r.classList.contains('phx-connected'); };
  const markMount = () => { if (mountAt === undefined && connected()) mountAt = performance.now(); };
  // page-loading-stop{initial} fires at the end of applyJoinPatch (DOM patched); the class check covers apps
  // without data-phx-main.
  window.addEventListener('phx:page-loading-stop', (e) => { if (e.detail && e.detail.kind === 'initial') markMount(); });
  const watchMount = () => {
    markMount();
    if (mountAt !== undefined) return;
    const mo = new MutationObserver(() => { markMount(); if (mountAt !== undefined) mo.disconnect(); });
    mo.observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['class'] });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watchMount, { once: true });
  else watchMount();

  const documentMs = () => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav && nav.responseEnd > 0 ? nav.responseEnd - nav.startTime : undefined;
  };
  const settled = () => connected() && !root().classList.contains('phx-error') && !document.querySelector(PENDING) && !document.querySelector(LOADING);
  const mountInfo = () => {
    const r = root();
    let clientVersion;
    try { clientVersion = window.liveSocket && typeof window.liveSocket.version === 'function' ? String(window.liveSocket.version()) : undefined; } catch (e) {}
    return { mountMs: mountAt, documentMs: documentMs(), path: location.pathname, clientVersion, hasLiveView: !!r,
      connected: connected(), errorClass: !!r && r.classList.contains('phx-error') };
  };
  // Resolves when pred() holds, re-checking on every DOM mutation (and on a slow poll as a safety net).
  const until = (pred, timeoutMs) => new Promise((resolve) => {
    const t0 = performance.now();
    if (pred()) return resolve({ ok: true, at: t0 });
    let done = false;
    const finish = (ok) => { if (done) return; done = true; mo.disconnect(); clearInterval(poll); clearTimeout(timer); resolve({ ok, at: performance.now() }); };
    const mo = new MutationObserver(() => { if (pred()) finish(true); });
    mo.observe(document.documentElement, { subtree: true, attributes: true, childList: true });
    const poll = setInterval(() => { if (pred()) finish(true); }, 50);
    const timer = setTimeout(() => finish(pred()), timeoutMs);
  });
  const waitMounted = async (timeoutMs) => {
    if (document.readyState === 'loading') await new Promise((r) => document.addEventListener('DOMContentLoaded', r, { once: true }));
    if (!root()) return Object.assign(mountInfo(), { ok: false, reason: 'no-liveview' });
    const res = await until(() => connected() && mountAt !== undefined, timeoutMs);
    const info = mountInfo();
    return Object.assign(info, { ok: res.ok, reason: res.ok ? undefined : (info.errorClass ? 'error' : 'timeout') });
  };
  const waitSettled = async (timeoutMs) => {
    const t0 = performance.now();
    const res = await until(settled, timeoutMs);
    return { ok: res.ok, waitedMs: res.at - t0, reason: res.ok ? undefined : (!root() ? 'no-liveview' : !connected() ? 'disconnected' : 'pending') };
  };
  const pageLoadingStop = (timeoutMs) => new Promise((resolve) => {
    const timer = setTimeout(() => { window.removeEventListener('phx:page-loading-stop', on); resolve(undefined); }, timeoutMs);
    const on = (e) => { clearTimeout(timer); window.removeEventListener('phx:page-loading-stop', on); resolve({ kind: e.detail && e.detail.kind, at: performance.now() }); };
    window.addEventListener('phx:page-loading-stop', on);
  });
  const act = async (action, timeoutMs) => {
    const el = document.querySelector(action.selector);
    if (!el) return { ok: false, pushed: false, patchMs: 0, navigation: undefined, error: 'no element matches ' + action.selector };
    const liveLink = action.kind === 'click' && el.closest('[data-phx-link]');
    const navDone = liveLink ? pageLoadingStop(timeoutMs) : undefined;
    const t0 = performance.now();
    if (action.kind === 'click') {
      el.click();
    } else if (action.kind === 'input') {
      el.value = action.value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    } else {
      const form = el.tagName === 'FORM' ? el : el.closest('form');
      if (!form) return { ok: false, pushed: false, patchMs: 0, navigation: undefined, error: action.selector + ' is not a form or inside one' };
      form.requestSubmit();
    }
    if (navDone) {
      const nav = await navDone;
      return nav ? { ok: true, pushed: false, patchMs: nav.at - t0, navigation: nav.kind, error: undefined }
                 : { ok: false, pushed: false, patchMs: performance.now() - t0, navigation: undefined, error: 'live navigation did not finish within ' + timeoutMs + ' ms' };
    }
    // The client marks the source elements synchronously while pushing; no marks means no push.
    const pushed = !!document.querySelector(PENDING);
    if (!pushed) return { ok: true, pushed: false, patchMs: performance.now() - t0, navigation: undefined, error: undefined };
    const res = await until(() => !document.querySelector(PENDING), timeoutMs);
    return { ok: res.ok, pushed: true, patchMs: res.at - t0, navigation: undefined,
      error: res.ok ? undefined : 'no reply patched the page within ' + timeoutMs + ' ms' };
  };
  // Fidelity path: Playwright performs real input; we learn when it happened from the event's own timeStamp
  // (page clock) and watch the refs the client puts on and clears, even if that all happened before we ask.
  let armed;
  const armInput = () => {
    if (armed) armed.stop();
    const st = { inputAt: undefined, pendingAt: undefined, clearedAt: undefined, kind: undefined };
    const onInput = (e) => { if (st.inputAt === undefined) st.inputAt = e.timeStamp; };
    const types = ['click', 'input', 'submit'];
    for (const t of types) window.addEventListener(t, onInput, true);
    window.addEventListener('phx:page-loading-stop', (e) => { st.kind = e.detail && e.detail.kind; st.clearedAt = performance.now(); }, { once: true });
    const mo = new MutationObserver(() => {
      const pending = !!document.querySelector(PENDING);
      if (pending && st.pendingAt === undefined) st.pendingAt = performance.now();
      if (!pending && st.pendingAt !== undefined && st.clearedAt === undefined) st.clearedAt = performance.now();
    });
    mo.observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['data-phx-ref-loading', 'data-phx-ref-lock'] });
    st.stop = () => { mo.disconnect(); for (const t of types) window.removeEventListener(t, onInput, true); };
    armed = st;
  };
  const awaitInput = async (timeoutMs) => {
    const st = armed;
    if (!st) return { ok: false, pushed: false, patchMs: 0, navigation: undefined, error: 'armInput was not called' };
    armed = undefined;
    const res = await until(() => st.clearedAt !== undefined || (st.pendingAt === undefined && st.inputAt !== undefined && !document.querySelector(PENDING)), timeoutMs);
    st.stop();
    const t0 = st.inputAt === undefined ? performance.now() : st.inputAt;
    const pushed = st.pendingAt !== undefined;
    const end = st.clearedAt !== undefined ? st.clearedAt : res.at;
    return { ok: res.ok, pushed, patchMs: Math.max(0, end - t0), navigation: st.kind === 'initial' ? undefined : st.kind,
      error: res.ok ? undefined : 'no reply patched the page within ' + timeoutMs + ' ms' };
  };
  Object.defineProperty(window, '__rookery', { value: { mountInfo, settled, waitMounted, waitSettled, act, armInput, awaitInput }, enumerable: false });
})();`;
