/**
 * LiveView verbs (`u.lv.*`): actions that wait the LiveView way and return what they observed. Round trips and
 * bytes come from the probe's frames (CDP clock); mount and patch times from the page agent (page clock).
 */
import type { Page } from 'playwright';
import type { HistogramName } from '../metrics/catalog.js';
import type { Labels } from '../metrics/model.js';
import type { ActionResult, MountInfo, PageAction, PageAgentApi, SettleResult } from '../probe/page-agent.js';
import type { PageProbe } from '../probe/page-probe.js';
import type { ActionOptions, ActionTiming, InputMode, LiveViewVerbs, MountTiming } from './define.js';

/** What verbs record themselves: the page-clock metrics only they can see. */
export interface VerbRecorder {
  record(name: HistogramName, labels: Labels, value: number): void;
}

/**
 * What the verbs need from wherever the page lives: load a document, run the page agent's calls. The browser
 * implementation is `playwrightPort` (below); lite users bring their own (src/lite/port.ts). Times are page clock
 * and `mountMs` is relative to the start of the load.
 */
export interface PagePort {
  /** Loads `url` as a new document; resolves with its HTTP status (undefined when unknown). Throws on network errors. */
  load(url: string, timeoutMs: number): Promise<number | undefined>;
  url(): string;
  waitMounted(timeoutMs: number): Promise<MountInfo & { ok: boolean; reason: string | undefined }>;
  waitSettled(timeoutMs: number): Promise<SettleResult>;
  act(action: PageAction, timeoutMs: number, input: InputMode): Promise<ActionResult>;
}

export interface VerbContext {
  /** A Playwright page (browser users), or `port` for any other kind of page. */
  page?: Page;
  port?: PagePort;
  probe: PageProbe;
  target: string;
  recorder: VerbRecorder;
  input: InputMode;
  actionTimeoutMs: number;
  /** How long to wait for CDP to deliver the frames of an action the page already saw complete. */
  frameGraceMs?: number;
  onClientVersion?: (version: string) => void;
  /** Shared limit on concurrent page loads (a ramp of hundreds of users must not hit the app all at once). */
  navigationLimit?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** A verb failed in a way the scenario author should read: says what, where, and why. */
export class VerbError extends Error {
  constructor(
    readonly verb: string,
    /** crash: the server crashed handling the action's event (phx_error); it got no reply. unsupported: the kind of
     * user cannot do it (lite users: uploads, Playwright input, u.page). */
    readonly kind: 'no-liveview' | 'not-connected' | 'unreachable' | 'http' | 'no-element' | 'timeout' | 'navigation' | 'crash' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'VerbError';
  }
}

declare global {
  interface Window {
    __rookery: PageAgentApi;
  }
}

/** The browser's PagePort: the agent runs in the page; the hot path goes over the probe's CDP session. */
export function playwrightPort(page: Page, probe: PageProbe): PagePort {
  return {
    async load(url, timeoutMs) {
      const response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
      return response?.status();
    },
    url: () => page.url(),
    waitMounted: (t) => page.evaluate((ms) => window.__rookery.waitMounted(ms), t),
    waitSettled: (t) => page.evaluate((ms) => window.__rookery.waitSettled(ms), t),
    async act(action, timeoutMs, input) {
      if (input === 'playwright') {
        await page.evaluate(() => window.__rookery.armInput());
        const opts = { timeout: timeoutMs };
        if (action.kind === 'click') await page.click(action.selector, opts);
        else if (action.kind === 'input') await page.fill(action.selector, action.value, opts);
        else await page.locator(action.selector).evaluate((el) => ((el.tagName === 'FORM' ? el : el.closest('form')) as HTMLFormElement | null)?.requestSubmit());
        return page.evaluate((t) => window.__rookery.awaitInput(t), timeoutMs);
      }
      // Over the probe's CDP session rather than page.evaluate: this is the one round trip per action, and the
      // raw call costs less Node and renderer CPU (BENCHMARKS.md, "hot-path changes").
      return probe.evaluate<ActionResult>(`window.__rookery.act(${JSON.stringify(action)}, ${timeoutMs})`);
    },
  };
}

export function createVerbs(ctx: VerbContext): LiveViewVerbs {
  const grace = ctx.frameGraceMs ?? 2_000;
  const { probe } = ctx;
  const port = ctx.port ?? (ctx.page ? playwrightPort(ctx.page, probe) : undefined);
  if (!port) throw new Error('createVerbs: give a page or a port');

  const currentView = (): string => {
    try {
      return new URL(port.url()).pathname;
    } catch {
      return 'unknown';
    }
  };

  async function act(verb: string, action: PageAction, opts: ActionOptions | undefined): Promise<ActionTiming> {
    const name = opts?.action;
    if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
      throw new TypeError(`${verb}(${JSON.stringify(action.selector)}): { action } must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    probe.beginAction(name);
    try {
      return await perform(verb, action, opts?.input ?? ctx.input, name);
    } finally {
      probe.endAction();
    }
  }

  async function perform(verb: string, action: PageAction, input: InputMode, name: string | undefined): Promise<ActionTiming> {
    const mark = probe.mark();
    const result = await port!.act(action, ctx.actionTimeoutMs, input);
    const where = currentView();
    if (!result.ok) {
      const kind = result.error?.startsWith('no element') ? 'no-element' : 'timeout';
      throw new VerbError(verb, kind, `${verb}(${JSON.stringify(action.selector)}) on ${where}: ${result.error ?? 'failed'}`);
    }
    if (result.navigation) {
      const join = await probe.waitForJoin(mark, grace);
      const view = join?.view ?? where;
      ctx.recorder.record('lv_patch_ms', { event: 'navigate', view, action: name ?? 'navigate' }, result.patchMs);
      return { event: undefined, action: name, view, rttMs: join?.ms, patchMs: result.patchMs, bytes: join?.anatomy.bytes, pushed: false };
    }
    if (!result.pushed) return { event: undefined, action: name, view: where, rttMs: undefined, patchMs: result.patchMs, bytes: undefined, pushed: false };
    // The page saw the reply, so the frames exist; CDP may just not have delivered them to us yet.
    const answer = await probe.waitForEventOrCrash(mark, grace);
    if (answer?.type === 'error') {
      // No reply will come: an error of this event, never a latency sample (the page's time spans the rejoin).
      throw new VerbError(verb, 'crash', `${verb}(${JSON.stringify(action.selector)}) on ${answer.view ?? where}: the LiveView crashed handling event ${JSON.stringify(answer.event)} (${answer.detail})`);
    }
    const ev = answer;
    const event = ev?.event ?? 'unmatched';
    const view = ev?.view ?? where;
    ctx.recorder.record('lv_patch_ms', { event, view, action: name ?? event }, result.patchMs);
    return { event: ev?.event, action: name ?? ev?.event, view, rttMs: ev?.ms, patchMs: result.patchMs, bytes: ev?.anatomy.bytes, pushed: true };
  }

  const settle = async (timeoutMs: number): Promise<void> => {
    const res: SettleResult = await port.waitSettled(timeoutMs);
    if (!res.ok) {
      throw new VerbError('waitSettled', res.reason === 'no-liveview' ? 'no-liveview' : 'timeout',
        `waitSettled on ${currentView()}: the LiveView did not settle within ${timeoutMs} ms (${res.reason ?? 'unknown'})`);
    }
    if (!(await probe.waitIdle(Math.min(timeoutMs, grace)))) {
      throw new VerbError('waitSettled', 'timeout', `waitSettled on ${currentView()}: ${probe.pending()} push(es) still unanswered`);
    }
  };

  const navigate = async (path: string, url: string, mark: number): Promise<MountTiming> => {
    let status: number | undefined;
    try {
      const load = () => port.load(url, ctx.actionTimeoutMs);
      status = await (ctx.navigationLimit ? ctx.navigationLimit(load) : load());
    } catch (err) {
      if (err instanceof VerbError) throw err;
      const message = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
      if (/ERR_CONNECTION_REFUSED|ERR_NAME_NOT_RESOLVED|ERR_ADDRESS_UNREACHABLE|ERR_CONNECTION_RESET|ERR_TIMED_OUT|ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT/.test(message)) {
        throw new VerbError('goto', 'unreachable', `goto(${JSON.stringify(path)}): target unreachable at ${url} (${message})`);
      }
      throw new VerbError('goto', 'navigation', `goto(${JSON.stringify(path)}): ${message}`);
    }
    if (status !== undefined && status >= 400) {
      throw new VerbError('goto', 'http', `goto(${JSON.stringify(path)}): ${url} answered HTTP ${status}`);
    }
    const info: MountInfo & { ok: boolean; reason: string | undefined } = await port.waitMounted(ctx.actionTimeoutMs);
    if (!info.ok) {
      if (info.reason === 'no-liveview') {
        throw new VerbError('goto', 'no-liveview', `goto(${JSON.stringify(path)}): ${url} never connects a LiveView: the page has no [data-phx-session] element (is it a LiveView route?)`);
      }
      throw new VerbError('goto', 'not-connected',
        `goto(${JSON.stringify(path)}): the LiveView at ${url} did not connect within ${ctx.actionTimeoutMs} ms${info.errorClass ? ' (it shows phx-error: the join failed or the view crashed)' : ''}`);
    }
    if (info.clientVersion) ctx.onClientVersion?.(info.clientVersion);
    const join = await probe.waitForJoin(mark, grace);
    const view = join?.view ?? info.path;
    if (info.mountMs !== undefined) ctx.recorder.record('lv_mount_ms', { view }, info.mountMs);
    if (info.documentMs !== undefined) ctx.recorder.record('http_document_ms', { view }, info.documentMs);
    await settle(ctx.actionTimeoutMs);
    return { view, mountMs: info.mountMs ?? 0, documentMs: info.documentMs, joinMs: join?.ms, joinBytes: join?.anatomy.bytes };
  };

  return {
    async goto(path: string): Promise<MountTiming> {
      const url = new URL(path, ctx.target).href;
      probe.newDocument();
      try {
        return await navigate(path, url, probe.mark());
      } catch (err) {
        // No join will answer this navigation: the page's LiveView count is settled again (memory per LiveView).
        probe.navigationFailed();
        throw err;
      }
    },
    click: (selector, opts) => act('click', { kind: 'click', selector }, opts),
    fill: (selector, text, opts) => act('fill', { kind: 'input', selector, value: text }, opts),
    async type(selector, text, opts) {
      const out: ActionTiming[] = [];
      for (let i = 1; i <= text.length; i++) {
        out.push(await act('type', { kind: 'input', selector, value: text.slice(0, i) }, opts));
        if (opts?.delayMs && i < text.length) await new Promise((r) => setTimeout(r, opts.delayMs));
      }
      return out;
    },
    submit: (selector, opts) => act('submit', { kind: 'submit', selector }, opts),
    waitSettled: (opts) => settle(opts?.timeoutMs ?? ctx.actionTimeoutMs),
  };
}
