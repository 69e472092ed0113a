/**
 * The app's own scripts, fetched once per process and served to every lite user from memory. Pages are parsed
 * synchronously, so a classic `<script src>` needs its text at once: the document's HTML is scanned for script
 * URLs when it arrives and missing ones are fetched before the parser runs (`prefetchFrom`). A script missed
 * anyway (added later by code) is fetched by happy-dom itself and counted in `misses`.
 *
 * Only same-origin scripts are cached (the app's); entries are immutable for the run, as deployed assets are.
 */
import { exportClassicGlobals } from './shims.js';

export interface CachedScript {
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  /** The text as served, with the classic-globals shim applied (src/lite/shims.ts). */
  readonly body: string;
  /** True when the text is a LiveView client (it joins LiveView channels). */
  readonly liveView: boolean;
}

const SCRIPT_SRC = /<script\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>/gi;

export class ScriptCache {
  private readonly entries = new Map<string, CachedScript>();
  private readonly inflight = new Map<string, Promise<CachedScript | undefined>>();
  /** Network fetches made (each distinct URL once). */
  fetches = 0;
  /** Synchronous loads the cache could not answer. */
  misses = 0;

  constructor(private readonly fetchTimeoutMs = 15_000) {}

  get(url: string): CachedScript | undefined {
    return this.entries.get(url);
  }

  /** Script URLs of an HTML document (classic and module), resolved against its URL. */
  static scriptUrls(html: string, base: string): string[] {
    const out: string[] = [];
    for (const m of html.matchAll(SCRIPT_SRC)) {
      const raw = m[1] ?? m[2] ?? m[3];
      if (!raw) continue;
      try {
        out.push(new URL(raw.replace(/&amp;/g, '&'), base).href);
      } catch {
        // Not a URL: the page's own problem, the browser would skip it too.
      }
    }
    return out;
  }

  /** Fetches (once) every same-origin script the document references. */
  async prefetchFrom(html: string, documentUrl: string, headers: Record<string, string> = {}): Promise<void> {
    const origin = new URL(documentUrl).origin;
    const urls = ScriptCache.scriptUrls(html, documentUrl).filter((u) => new URL(u).origin === origin);
    await Promise.all(urls.map((u) => this.load(u, headers)));
  }

  load(url: string, headers: Record<string, string> = {}): Promise<CachedScript | undefined> {
    const hit = this.entries.get(url);
    if (hit) return Promise.resolve(hit);
    let p = this.inflight.get(url);
    if (!p) {
      p = this.fetchOne(url, headers).finally(() => this.inflight.delete(url));
      this.inflight.set(url, p);
    }
    return p;
  }

  private async fetchOne(url: string, headers: Record<string, string>): Promise<CachedScript | undefined> {
    this.fetches++;
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(this.fetchTimeoutMs) });
      const text = await res.text();
      if (!res.ok) return undefined; // let the page's own load report the HTTP error
      const entry: CachedScript = {
        url,
        status: res.status,
        contentType: res.headers.get('content-type') ?? 'text/javascript',
        body: exportClassicGlobals(text),
        liveView: text.includes('phx_join'),
      };
      this.entries.set(url, entry);
      return entry;
    } catch {
      return undefined; // unreachable script: happy-dom's own load will fail and the page reports it
    }
  }
}
