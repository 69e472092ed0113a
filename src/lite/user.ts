/**
 * One lite user: its own happy-dom browser (its own cookie jar, storage and CSRF token), one page running the
 * app's own scripts, a WebSocket tap feeding a PageProbe (the same decoder and session model as Chromium users)
 * and the page agent (the same in-page measurements). `port` is what the LiveView verbs drive.
 */
import { Browser, type BrowserPage, type BrowserWindow, type IConsole, type IFetchInterceptor, type ISyncResponse } from 'happy-dom';
import type { ActionResult, MountInfo, PageAction, SettleResult } from '../probe/page-agent.js';
import { PAGE_AGENT_SCRIPT, type PageAgentApi } from '../probe/page-agent.js';
import { PageProbe, type ObservationSink } from '../probe/page-probe.js';
import { VerbError, type PagePort } from '../scenario/verbs.js';
import type { InputMode } from '../scenario/define.js';
import { ScriptCache } from './script-cache.js';
import { fixTopLevelWindow, installReadyStateShim } from './shims.js';
import { tapWebSockets } from './socket-tap.js';
import { installSlimDom, shareSelectorCache } from './slim-dom.js';

export interface LiteUserOptions {
  cache: ScriptCache;
  sink: ObservationSink;
  /** An unanswered push older than this counts as a timeout. */
  pushTimeoutMs?: number;
  /** Keep raw socket events (tests). */
  keepRawEvents?: boolean;
  /** Called when a page shows a feature lite users cannot drive (e.g. phx-viewport-* bindings): once per kind. */
  onLimitation?: (kind: string, detail: string) => void;
  /** console.error of the page's scripts (uncaught errors included); other console output is dropped. */
  onPageError?: (message: string) => void;
}

/**
 * The page's console: nothing is kept (happy-dom's default console buffers every line for the page's life, which
 * grows without bound on a long run); errors go to `onError`.
 */
function pageConsole(onError: ((message: string) => void) | undefined): IConsole {
  const format = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : String(a))).join(' ').slice(0, 1_000);
  return new Proxy({} as IConsole, {
    get: (_target, prop) => (prop === 'error' && onError ? (...args: unknown[]) => onError(format(args)) : () => undefined),
  });
}

const UPLOAD_INPUT = 'input[type=file]';
const VIEWPORT_BINDING = '[phx-viewport-top],[phx-viewport-bottom]';

interface AgentWindow {
  __rookery?: PageAgentApi;
  eval(code: string): unknown;
  closed: boolean;
}

export class LiteUser {
  readonly probe: PageProbe;
  readonly port: PagePort;
  private readonly browser: Browser;
  private readonly page: BrowserPage;
  private sockets = 0;
  /** performance.now() when the current document load started (the lite page clock is Node's). */
  private navStart = 0;
  private documentAt: number | undefined;
  private currentDoc = '';
  private closed = false;

  constructor(private readonly opts: LiteUserOptions) {
    installSlimDom();
    this.probe = PageProbe.create({ sink: opts.sink, ...(opts.pushTimeoutMs !== undefined ? { pushTimeoutMs: opts.pushTimeoutMs } : {}), ...(opts.keepRawEvents ? { keepRawEvents: true } : {}) });
    const cache = opts.cache;
    const interceptor: IFetchInterceptor = {
      beforeSyncRequest: ({ request }) => {
        const hit = cache.get(request.url);
        if (!hit) {
          cache.misses++;
          return undefined;
        }
        const res: ISyncResponse = { status: hit.status, statusText: 'OK', ok: true, url: hit.url, redirected: false, headers: new this.window.Headers({ 'content-type': hit.contentType }), body: Buffer.from(hit.body) };
        return res;
      },
      beforeAsyncRequest: async ({ request, window }) => {
        const hit = cache.get(request.url);
        if (!hit) return undefined;
        return new window.Response(hit.body, { status: hit.status, headers: { 'content-type': hit.contentType } });
      },
      afterAsyncResponse: async ({ request, response, window }) => {
        // The document: note when it arrived, and fetch its scripts before the parser needs them. (Reading a
        // clone's body here leaves the original empty in happy-dom 21, so the body is read and handed on anew.)
        if (request.url !== this.currentDoc && response.url !== this.currentDoc) return undefined;
        this.documentAt ??= performance.now();
        if (!(response.headers.get('content-type') ?? '').includes('html')) return undefined;
        const html = await response.text();
        await cache.prefetchFrom(html, response.url || request.url);
        const copy = new window.Response(html, { status: response.status, statusText: response.statusText, headers: response.headers });
        Object.assign(copy, { url: response.url, redirected: response.redirected });
        return copy;
      },
    };
    this.browser = new Browser({
      console: pageConsole(opts.onPageError),
      settings: {
        enableJavaScriptEvaluation: true,
        suppressInsecureJavaScriptEnvironmentWarning: true,
        disableComputedStyleRendering: true,
        navigator: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Rookery-lite (happy-dom)' },
        fetch: { interceptor },
        navigation: {
          beforeContentCallback: (window) => this.prepare(window),
        },
      },
    });
    this.page = this.browser.newPage();
    this.port = this.createPort();
  }

  private get window(): BrowserWindow {
    return this.page.mainFrame.window;
  }

  /** Before the document's HTML is parsed: shims, the WebSocket tap and the page agent, in that order. */
  private prepare(window: BrowserWindow): void {
    // Only the main frame's: an iframe's window keeps its parent.
    if (window === this.page.mainFrame.window) fixTopLevelWindow(window);
    installReadyStateShim(window);
    shareSelectorCache(window);
    tapWebSockets(window, (ev) => this.probe.onSocketEvent(ev), () => `lite-ws-${++this.sockets}`);
    (window as unknown as AgentWindow).eval(PAGE_AGENT_SCRIPT);
  }

  private agent(): PageAgentApi {
    const api = (this.window as unknown as AgentWindow).__rookery;
    if (!api) throw new VerbError('goto', 'no-liveview', `no page loaded yet (call u.lv.goto first)`);
    return api;
  }

  /** True when a script that is a LiveView client ran in this document (cached script or inline). */
  private loadsLiveViewClient(): boolean {
    const doc = this.window.document;
    for (const s of doc.querySelectorAll('script')) {
      const src = s.getAttribute('src');
      if (src) {
        const hit = this.opts.cache.get(new URL(src, this.window.location.href).href);
        if (hit?.liveView) return true;
      } else if ((s.textContent ?? '').includes('phx_join')) return true;
    }
    return false;
  }

  private createPort(): PagePort {
    return {
      load: async (url, timeoutMs) => {
        this.navStart = performance.now();
        this.documentAt = undefined;
        this.currentDoc = url;
        const res = await this.page.goto(url, { timeout: timeoutMs });
        this.currentDoc = '';
        return res?.status;
      },
      url: () => this.window.location.href,
      waitMounted: async (timeoutMs): Promise<MountInfo & { ok: boolean; reason: string | undefined }> => {
        const info = await this.agent().waitMounted(timeoutMs);
        const rel = (t: number | undefined) => (t === undefined ? undefined : Math.max(0, t - this.navStart));
        const out = { ...info, mountMs: rel(info.mountMs), documentMs: rel(this.documentAt) };
        if (!out.ok && out.hasLiveView && !this.loadsLiveViewClient()) {
          throw new VerbError('goto', 'no-liveview', `goto: ${this.window.location.href} has a LiveView root but loads no LiveView client script (no script on the page joins LiveView channels), so a lite user cannot connect it`);
        }
        if (out.ok && this.window.document.querySelector(VIEWPORT_BINDING)) {
          this.opts.onLimitation?.('viewport_binding', `${this.window.location.pathname} uses phx-viewport-top/bottom; lite users have no layout, so these bindings never fire`);
        }
        return out;
      },
      waitSettled: (timeoutMs): Promise<SettleResult> => this.agent().waitSettled(timeoutMs),
      act: async (action: PageAction, timeoutMs: number, input: InputMode): Promise<ActionResult> => {
        const verb = action.kind === 'input' ? 'fill' : action.kind;
        if (input === 'playwright') {
          throw new VerbError(verb, 'unsupported', `${verb}(${JSON.stringify(action.selector)}): input 'playwright' needs a browser user; lite users only have the in-page path (input 'fast')`);
        }
        const el = this.window.document.querySelector(action.selector);
        if (el && el.matches(UPLOAD_INPUT)) {
          throw new VerbError(verb, 'unsupported', `${verb}(${JSON.stringify(action.selector)}): file uploads need a browser user (lite users cannot fill file inputs)`);
        }
        return this.agent().act(action, timeoutMs);
      },
    };
  }

  /** Closes the page and its sockets; frames after this are not counted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.probe.detach();
    try {
      await this.browser.close();
    } catch {
      // A page script may leave happy-dom mid-task; the browser is gone either way.
    }
  }
}
