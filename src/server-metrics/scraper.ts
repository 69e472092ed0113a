/**
 * The scraping edge: GET each app node's metrics URL once per interval, hand the texts to the builder. Failures
 * (refused, timeout, HTTP ≥ 400, unparseable) are counted per target and shown in the report, never fatal.
 *
 * In a distributed run the collector scrapes (it is one process with one clock and the run's start time; the
 * app's metrics describe the whole app, so scraping from every runner would count them N times).
 */
import { ServerMetricsBuilder } from './derive.js';
import { countsFromSpans, isQuiet, pairedCounts, CONNECTED_GUARD_MS, type ConnectedSample } from './pairing.js';
import type { MappingRule } from './mapping.js';
import type { ServerMetricsResults } from '../metrics/server-results.js';
import type { ConnectedSpan, VariantSegment } from '../metrics/model.js';

export interface ServerMetricsConfig {
  /** One Prometheus text endpoint per app node, e.g. `http://app-1:4000/metrics`. */
  urls: string[];
  /** Extra mapping rules, tried before the built-in ones (mapping.ts). */
  mapping?: MappingRule[];
  /** Scrape period. Default 1000 ms (the run's interval). */
  intervalMs?: number;
  /** Per-scrape timeout. Default: the interval (at least 500 ms). */
  timeoutMs?: number;
}

/** How often to look again for a quiet moment while pages are in transition. */
const QUIET_POLL_MS = 10;

export type FetchText = (url: string, signal: AbortSignal) => Promise<string>;

async function defaultFetch(url: string, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal, headers: { accept: 'text/plain;version=0.0.4' } });
  const body = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return body;
}

/**
 * The run's server-metrics settings from the scenario option and the CLI's URLs (which replace the option's
 * URLs and keep its mapping). Undefined when neither asks for any.
 */
export function resolveServerMetrics(option: unknown, cliUrls: readonly string[] | undefined): ServerMetricsConfig | undefined {
  let config: ServerMetricsConfig | undefined;
  if (typeof option === 'string') config = { urls: [option] };
  else if (Array.isArray(option)) config = { urls: option.map(String) };
  else if (typeof option === 'object' && option !== null) {
    const o = option as Partial<ServerMetricsConfig>;
    const urls = (o as { urls?: unknown }).urls;
    config = { ...o, urls: typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls.map(String) : [] };
    if (o.mapping !== undefined && !Array.isArray(o.mapping)) throw new Error('options.serverMetrics.mapping must be a list of { match, role, scale?, labels?, unit? }');
  } else if (option !== undefined) {
    throw new Error(`options.serverMetrics must be a URL, a list of URLs or { urls, mapping }, got ${JSON.stringify(option)}`);
  }
  if (cliUrls && cliUrls.length > 0) config = { ...(config ?? {}), urls: [...cliUrls] };
  if (config === undefined) return undefined;
  validateServerMetrics(config);
  return config;
}

/** Checks URLs up front: a typo should fail before the run, not produce a report full of failures. */
export function validateServerMetrics(config: ServerMetricsConfig): void {
  if (!Array.isArray(config.urls) || config.urls.length === 0) throw new Error('server metrics: give at least one URL (--server-metrics http://app:4000/metrics)');
  for (const u of config.urls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new Error(`--server-metrics: ${JSON.stringify(u)} is not a URL (e.g. http://localhost:4000/metrics)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--server-metrics: ${u} must be http(s)`);
  }
  for (const [name, v] of [['intervalMs', config.intervalMs], ['timeoutMs', config.timeoutMs]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 50)) throw new Error(`serverMetrics.${name} must be ≥ 50 ms, got ${String(v)}`);
  }
}


export class ServerScraper {
  private readonly builder: ServerMetricsBuilder;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  /** Extra rounds still to come (epoch ms), ascending, and their timers. */
  private extraAt: number[] = [];
  private extraTimers: NodeJS.Timeout[] = [];

  /**
   * `sampleConnected`: the LiveViews the harness holds connected now (single-machine runs), read just before and
   * after each round so memory is related to the count of the same moment (pairedCounts).
   */
  constructor(
    private readonly config: ServerMetricsConfig,
    startedAt: number,
    private readonly fetchText: FetchText = defaultFetch,
    private readonly sampleConnected?: () => ConnectedSample | undefined,
  ) {
    validateServerMetrics(config);
    this.intervalMs = config.intervalMs ?? 1_000;
    this.timeoutMs = config.timeoutMs ?? Math.max(500, this.intervalMs);
    this.builder = new ServerMetricsBuilder(config.urls, { startedAt, intervalMs: this.intervalMs, mapping: config.mapping ?? [] });
  }

  /** Takes the baseline scrape now, then one round per interval. */
  async start(): Promise<void> {
    await this.round();
    if (this.stopped) return;
    this.timer = setInterval(() => {
      // A slow endpoint must not pile up rounds: skip a tick while the previous round runs.
      if (this.inFlight === undefined) this.enqueue(true);
    }, this.intervalMs);
  }

  /**
   * Sequential variants: one more round at each segment's end (`loadStartedAt` + endMs, on the load's clock),
   * when the variant's users have been stopped and the next variant's have not started, so that no interval
   * mixes the server activity of two variants (the engine stops a segment's users a little before its end).
   */
  roundsAtSegmentEnds(loadStartedAt: number, segments: readonly VariantSegment[] | undefined): void {
    for (const s of segments ?? []) {
      const at = loadStartedAt + s.endMs;
      this.extraAt.push(at);
      this.extraTimers.push(setTimeout(() => {
        this.extraAt = this.extraAt.filter((x) => x !== at);
        this.enqueue(false);
      }, Math.max(0, at - Date.now())));
    }
    this.extraAt.sort((a, b) => a - b);
  }

  /** Runs a round after the one in flight, if any. */
  private enqueue(waitQuiet: boolean): void {
    if (this.stopped) return;
    const p: Promise<void> = (this.inFlight ?? Promise.resolve()).then(() => this.round(waitQuiet)).finally(() => {
      if (this.inFlight === p) this.inFlight = undefined;
    });
    this.inFlight = p;
  }

  /**
   * Takes a last round (so the end of the run is covered) and returns what was scraped. `spans`: a distributed
   * run's connected spans by runner (on this process's clock), paired with each round (pairing.ts).
   */
  async stop(scrapedBy: 'local' | 'collector', spans?: ReadonlyMap<string, readonly ConnectedSpan[]>): Promise<ServerMetricsResults> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      for (const t of this.extraTimers) clearTimeout(t);
      await this.inFlight;
      await this.round();
    }
    return this.builder.result(scrapedBy, spans && spans.size > 0 ? (w) => countsFromSpans(spans, w.before, w.after) ?? null : undefined);
  }

  /**
   * Waits (up to half an interval) for a moment when no page is in transition, so that the round can be paired
   * with the connected count; rates use the rounds' real times, so a later scrape changes no figure.
   */
  private async awaitQuiet(): Promise<void> {
    // Never past a segment boundary's round: that one must not wait.
    const until = Math.min(performance.now() + this.intervalMs / 2, performance.now() + ((this.extraAt[0] ?? Infinity) - Date.now()));
    for (;;) {
      const s = this.sampleConnected?.();
      if (s === undefined || isQuiet(s) || this.stopped || performance.now() >= until) return;
      await new Promise((r) => setTimeout(r, s.unsettled === 0 ? Math.max(1, CONNECTED_GUARD_MS - s.quietMs) : QUIET_POLL_MS));
    }
  }

  private async round(waitQuiet = true): Promise<void> {
    if (waitQuiet) await this.awaitQuiet();
    const startedAt = performance.now();
    const beforeAt = Date.now();
    const before = this.sampleConnected?.();
    const inputs = await Promise.all(
      this.config.urls.map(async (url, node) => {
        try {
          return { node, text: await this.fetchText(url, AbortSignal.timeout(this.timeoutMs)) };
        } catch (err) {
          const msg = err instanceof Error ? (err.name === 'TimeoutError' ? `timeout after ${this.timeoutMs} ms` : (err.cause instanceof Error ? err.cause.message : err.message)) : String(err);
          return { node, error: `${url}: ${msg}` };
        }
      }),
    );
    const after = this.sampleConnected?.();
    this.builder.addRound(Date.now(), inputs, before && after ? pairedCounts(before, after, performance.now() - startedAt) : undefined, beforeAt);
  }
}
