/**
 * One probe per page: CDP WebSocket capture → LiveView session model → observations, handed to a sink (the
 * metrics recorder). It also lets a verb ask "which event round trip did my action cause?" by sequence marks:
 * observations arriving after a mark belong to what the page did after it (one user per page).
 */
import type { Page, Request } from 'playwright';
import { LiveViewSession } from '../liveview/session.js';
import type { Observation } from '../liveview/observations.js';
import type { SocketEvent } from '../liveview/socket-events.js';
import { attachCdpCapture, type CdpCapture } from './cdp-capture.js';

/** `action` is the name the scenario gave the action in progress (see `beginAction`), if any. */
export type ObservationSink = (obs: Observation, action: string | undefined) => void;
export type EventObservation = Extract<Observation, { type: 'event' }>;
export type JoinObservation = Extract<Observation, { type: 'join' }>;
/** A crash that left an event push unanswered (`event` names it). */
export type CrashObservation = Extract<Observation, { type: 'error' }> & { kind: 'crash'; event: string };

export interface PageProbeOptions {
  sink: ObservationSink;
  /** An unanswered push older than this counts as a timeout (the LiveView client reloads after 30 s). */
  pushTimeoutMs?: number;
  /** Keep every raw SocketEvent (tests and vector capture); off under load. */
  keepRawEvents?: boolean;
}

interface Waiter {
  after: number;
  match: (obs: Observation) => boolean;
  resolve: (obs: Observation | undefined) => void;
  timer: NodeJS.Timeout;
}

/** How many recent observations to keep for correlation; verbs look back only a few. */
const RECENT_LIMIT = 64;

/**
 * What the page holds connected, and whether the server can be counting it differently right now. Memory per
 * LiveView relates server memory to the harness's count of connected LiveViews; around a navigation the two
 * disagree for a while (the new view is joined on the server before its reply arrives here, the old document's
 * socket closes on the server some time after it closed here), so readings taken then are left out.
 */
export interface ConnectionState {
  /** The main LiveView connected (joined, not closed), if any. */
  view: string | undefined;
  /**
   * False while the server's count may differ from `view`: a document is being replaced and its new view has not
   * joined yet, the old document's socket has not reported its close, or a main join/leave awaits its reply.
   */
  settled: boolean;
  /** performance.now() of the last change of `view` or `settled`. */
  changedAt: number;
  /** Changes of `view` or `settled` so far: two readings with the same number saw no change in between. */
  changes: number;
}

export class PageProbe {
  readonly raw: SocketEvent[] = [];
  private seq = 0;
  private recent: Array<{ seq: number; obs: Observation }> = [];
  private waiters = new Set<Waiter>();
  private lastCdpTs: number | undefined;
  private lastCdpAtNodeMs = 0;
  private ended = false;
  private unwatch: (() => void) | undefined;
  private action: string | undefined;
  /** The main LiveView connected on this page, and the socket it lives on. */
  private connected: { socket: string; view: string } | undefined;
  /** A new document was asked for and its main view has not answered its join yet. */
  private navigating = false;
  /** The replaced document's socket, until the browser reports it closed. */
  private closing: string | undefined;
  private state: ConnectionState = { view: undefined, settled: true, changedAt: performance.now(), changes: 0 };

  private constructor(
    private readonly session: LiveViewSession,
    private readonly options: PageProbeOptions,
    private capture: CdpCapture | undefined,
  ) {}

  static async attach(page: Page, options: PageProbeOptions): Promise<PageProbe> {
    const session = new LiveViewSession({ pushTimeoutMs: options.pushTimeoutMs ?? 30_000 });
    const probe = new PageProbe(session, options, undefined);
    probe.capture = await attachCdpCapture(page, (ev) => probe.onSocketEvent(ev));
    // A document navigation the verbs did not start (page.goto in a Playwright spec, a full-page link) closes the
    // LiveView socket by design: end the sockets as expected before the close arrives, not as a disconnect.
    const onRequest = (req: Request) => {
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) probe.newDocument();
    };
    page.on('request', onRequest);
    probe.unwatch = () => page.off('request', onRequest);
    return probe;
  }

  /** A probe fed by its owner through `onSocketEvent` (lite users tap their own WebSocket; tests, replays). */
  static create(options: PageProbeOptions): PageProbe {
    return new PageProbe(new LiveViewSession({ pushTimeoutMs: options.pushTimeoutMs ?? 30_000 }), options, undefined);
  }

  /** Feed an event directly (a lite user's WebSocket tap, tests, replays). Timestamps: seconds of one monotonic clock. */
  onSocketEvent(ev: SocketEvent): void {
    if (this.ended) return;
    // The browser closed the connected view's socket (the old document unloaded, or the connection failed).
    if ((ev.kind === 'closed' || ev.kind === 'error') && ev.requestId === this.connected?.socket) this.connected = undefined;
    // CDP does not report the close of a socket whose document was replaced; a socket of the new document shows
    // that the old one has unloaded, and so has closed its socket (the server sees it shortly after: the guard).
    const ownEnd = (ev.kind === 'closed' || ev.kind === 'error') && ev.requestId === this.closing;
    if (ownEnd || (ev.kind === 'created' && ev.requestId !== this.closing)) this.closing = undefined;
    if (this.options.keepRawEvents) this.raw.push(ev);
    if (ev.timestamp !== undefined) {
      this.lastCdpTs = ev.timestamp;
      this.lastCdpAtNodeMs = performance.now();
    }
    this.emit(this.session.push(ev));
    this.refreshState();
  }

  /**
   * Evaluates a self-contained expression in the page's main world over the probe's own CDP session and returns
   * its awaited JSON value. The verbs' hot path (one call per click): it skips page.evaluate's utility-script
   * wrapping, argument protocol and context tracking, which cost more Node and renderer CPU than the call itself
   * (BENCHMARKS.md). Callers embed arguments as JSON literals.
   */
  async evaluate<T>(expression: string): Promise<T> {
    if (!this.capture) throw new Error('PageProbe.evaluate: the probe is not attached to a page');
    const res = await this.capture.session.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (res.exceptionDetails) {
      throw new Error(`evaluate failed: ${res.exceptionDetails.exception?.description ?? res.exceptionDetails.text}`);
    }
    return res.result.value as T;
  }

  /**
   * Names what the page does next (one user per page, actions run one at a time): event round trips observed
   * until `endAction` carry this name as their `action` label.
   */
  beginAction(name: string | undefined): void {
    this.action = name;
  }

  endAction(): void {
    this.action = undefined;
  }

  /** The view of the main LiveView this page holds connected (joined and not closed), if any. */
  connectedView(): string | undefined {
    return this.connected?.view;
  }

  /** The connected view and whether the server may be counting this page differently now (see ConnectionState). */
  connection(): ConnectionState {
    this.refreshState();
    return { ...this.state };
  }

  /** A navigation the page started (`newDocument`) failed: no join will come for it. */
  navigationFailed(): void {
    this.navigating = false;
    this.refreshState();
  }

  /** A position in the observation stream; pass it to `waitFor` to see only what came after. */
  mark(): number {
    return this.seq;
  }

  /** Pushes sent and not answered yet, as the frames show them. */
  pending(): number {
    return this.session.pendingCount();
  }

  /** Resolves with the first observation after `mark` that matches, or undefined after `timeoutMs`. */
  waitFor(mark: number, match: (obs: Observation) => boolean, timeoutMs: number): Promise<Observation | undefined> {
    for (const r of this.recent) if (r.seq > mark && match(r.obs)) return Promise.resolve(r.obs);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        after: mark,
        match,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  waitForEvent(mark: number, timeoutMs: number): Promise<EventObservation | undefined> {
    return this.waitFor(mark, (o) => o.type === 'event' && o.push === 'event', timeoutMs) as Promise<EventObservation | undefined>;
  }

  /** The action's reply, or the crash (phx_error) that left its event unanswered — whichever comes first. */
  waitForEventOrCrash(mark: number, timeoutMs: number): Promise<EventObservation | CrashObservation | undefined> {
    return this.waitFor(mark, (o) => (o.type === 'event' && o.push === 'event') || (o.type === 'error' && o.kind === 'crash' && o.event !== undefined), timeoutMs) as Promise<
      EventObservation | CrashObservation | undefined
    >;
  }

  waitForJoin(mark: number, timeoutMs: number): Promise<JoinObservation | undefined> {
    return this.waitFor(mark, (o) => o.type === 'join' && !o.nested, timeoutMs) as Promise<JoinObservation | undefined>;
  }

  /** Resolves once no push is waiting for its reply (or after timeoutMs). */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending() > 0) {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Turn unanswered pushes older than the push timeout into timeout errors. Call periodically. */
  expire(): void {
    if (this.lastCdpTs === undefined || this.ended) return;
    // CDP's clock advanced at least as much as ours since the last frame it stamped.
    const nowCdp = this.lastCdpTs + (performance.now() - this.lastCdpAtNodeMs) / 1000;
    this.emit(this.session.expire(nowCdp));
  }

  /**
   * The page is about to load a new document (goto/reload): its sockets will close by design, so close them in
   * the model now as expected instead of letting their close count as a disconnect.
   */
  newDocument(): void {
    if (this.ended) return;
    // The old view stays connected (on the server too) until the browser unloads its document and closes the
    // socket, which CDP reports later (onSocketEvent), or until the new view joins.
    const held = this.connected;
    this.emit(this.session.end(this.lastCdpTs));
    this.connected = held;
    this.navigating = true;
    if (held) this.closing = held.socket;
    this.refreshState();
  }

  /** Expected end of the page: closes sockets without counting disconnects; pending pushes are dropped. */
  async detach(): Promise<void> {
    if (this.ended) return;
    this.emit(this.session.end(this.lastCdpTs));
    this.ended = true;
    this.connected = undefined;
    this.navigating = false;
    this.closing = undefined;
    this.refreshState();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    this.waiters.clear();
    this.unwatch?.();
    await this.capture?.detach();
  }

  private track(obs: Observation): void {
    // Only the connected view's own socket counts: the previous document's socket may report its close after
    // the new page has already joined.
    if (obs.type === 'join' && !obs.nested) this.navigating = false;
    if (obs.type === 'join' && obs.ok && !obs.nested) this.connected = { socket: obs.socket, view: obs.view };
    else if (obs.type === 'socket_closed' && obs.socket === this.connected?.socket) this.connected = undefined;
    else if (obs.type === 'error' && (obs.kind === 'crash' || obs.kind === 'disconnect') && obs.socket === this.connected?.socket) this.connected = undefined;
    if ((obs.type === 'socket_closed' && obs.socket === this.closing) || (obs.type === 'join' && obs.ok && !obs.nested && obs.socket !== this.closing)) this.closing = undefined;
  }

  /** Recomputes the connection state; a change of view or settledness is stamped and counted. */
  private refreshState(): void {
    const view = this.connected?.view;
    const settled = !this.navigating && this.closing === undefined && this.session.membershipPending() === 0;
    if (view === this.state.view && settled === this.state.settled) return;
    this.state = { view, settled, changedAt: performance.now(), changes: this.state.changes + 1 };
  }

  private emit(observations: readonly Observation[]): void {
    for (const obs of observations) {
      const seq = ++this.seq;
      this.track(obs);
      this.options.sink(obs, obs.type === 'event' ? this.action : undefined);
      if (obs.type === 'frame') continue;
      this.recent.push({ seq, obs });
      if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
      for (const w of this.waiters) {
        if (seq > w.after && w.match(obs)) {
          clearTimeout(w.timer);
          this.waiters.delete(w);
          w.resolve(obs);
        }
      }
    }
  }
}
