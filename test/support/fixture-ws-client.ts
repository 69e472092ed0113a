/**
 * A raw Phoenix V2 client for fixture tests: joins LiveViews without a browser, pushes frames (well-formed or
 * not) and waits for replies. Every wait is bounded.
 */
import WebSocket from 'ws';

export type Frame = [string | null, string | null, string, string, Record<string, unknown>];

export interface Page {
  id: string;
  session: string;
  static: string;
}

/** Dead-render a page and read its container id and tokens. */
export async function fetchPage(baseUrl: string, path: string): Promise<Page> {
  const res = await fetch(baseUrl + path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  const html = await res.text();
  const m = /<div id="([^"]+)" data-phx-main data-phx-session="([^"]+)" data-phx-static="([^"]*)"/.exec(html);
  if (!m) throw new Error(`no LiveView container in ${path}`);
  return { id: m[1] as string, session: m[2] as string, static: m[3] as string };
}

export class RawClient {
  readonly frames: Frame[] = [];
  /** Raw text of every received frame, in order. */
  readonly texts: string[] = [];
  private ref = 0;
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = String(data);
      this.texts.push(text);
      const frame = JSON.parse(text) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static async connect(baseUrl: string, query = 'vsn=2.0.0'): Promise<RawClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/live/websocket?${query}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  nextRef(): string {
    return String(++this.ref);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  waitFor(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Sends a push and resolves with its `phx_reply`. */
  async push(joinRef: string | null, topic: string, event: string, payload: unknown, timeoutMs = 5000): Promise<Frame> {
    const ref = this.nextRef();
    this.ws.send(JSON.stringify([joinRef, ref, topic, event, payload]));
    return this.waitFor((f) => f[1] === ref && f[2] === topic && f[3] === 'phx_reply', timeoutMs);
  }

  /** Joins the page's LiveView; returns the join ref and the reply. */
  async join(baseUrl: string, page: Page, path: string, mounts = 0): Promise<{ joinRef: string; topic: string; reply: Frame }> {
    const joinRef = String(this.ref + 1);
    const topic = `lv:${page.id}`;
    const reply = await this.push(joinRef, topic, 'phx_join', {
      url: baseUrl + path,
      params: { _csrf_token: 'x', _mounts: mounts },
      session: page.session,
      static: page.static,
      sticky: false,
    });
    return { joinRef, topic, reply };
  }

  close(): void {
    this.ws.terminate();
  }
}

export function status(f: Frame): unknown {
  return f[4].status;
}

export function response(f: Frame): Record<string, unknown> {
  return (f[4].response ?? {}) as Record<string, unknown>;
}
