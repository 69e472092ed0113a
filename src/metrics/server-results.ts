/**
 * Server metrics in the results document (written by src/server-metrics) (`results.server`): what Rookery scraped from the app's Prometheus
 * endpoints during the run, mapped to roles (mapping.ts), merged over app nodes, one point per scrape round.
 */
import type { Labels } from './model.js';
import { array, each, labels, nullableNumber, number, object, string } from './shape.js';

export interface ServerTarget {
  url: string;
  /** Scrapes answered and parsed. */
  scrapes: number;
  /** Scrapes that failed (timeout, HTTP error, unparseable text). Never fatal. */
  failures: number;
  lastError?: string;
  /** Families exported that no mapping rule matched (dropped), as seen in the last good scrape. */
  unmappedFamilies: number;
}

export interface ServerValueSeries {
  role: string;
  /** The exported family name it came from. */
  metric: string;
  /** `gauge`: the reading (summed over nodes); `rate`: a counter's increase per second over the interval. */
  kind: 'gauge' | 'rate';
  unit: string;
  labels: Labels;
  values: (number | null)[];
}

export interface ServerHistogramSeries {
  role: string;
  metric: string;
  unit: string;
  labels: Labels;
  /** Finite upper bounds (in `unit`), ascending; one more bucket (+Inf) follows the last. */
  le: number[];
  /** Per interval: observations per bucket (not cumulative), `le.length + 1` entries. */
  buckets: number[][];
  /** Per interval: observations and their sum (in `unit`). */
  count: number[];
  sum: number[];
  /** Per interval, interpolated within buckets as Prometheus' histogram_quantile does; null when empty. */
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

export interface ServerMetricsResults {
  schema: 'rookery/server-metrics@1';
  /** The process that scraped: `local` (single-machine run) or `collector` (distributed run). */
  scrapedBy: 'local' | 'collector';
  intervalMs: number;
  targets: ServerTarget[];
  /** ms since the run started, at the end of each scrape round (the first round is the baseline and has no point). */
  t: number[];
  series: ServerValueSeries[];
  histograms: ServerHistogramSeries[];
  /**
   * Main LiveViews Rookery held connected at each scrape, sampled in the same instant (single-machine runs;
   * labels `view` and `variant`). Without it, analysis interpolates the results' `lv_connected` series.
   */
  connected?: Array<{ labels: Labels; values: (number | null)[] }>;
}

/** Checks `results.server` read back from disk (called by validateResults). Throws naming the first bad field. */
export function checkServerResults(x: unknown, p = 'results.server'): void {
  const o = object(x, p);
  if (o.schema !== 'rookery/server-metrics@1') throw new Error(`${p}.schema: expected 'rookery/server-metrics@1', got ${JSON.stringify(o.schema)}`);
  number(o.intervalMs, `${p}.intervalMs`);
  const n = each(o.t, `${p}.t`, number).length;
  const points = (arr: unknown, path: string, item: (v: unknown, p: string) => unknown): void => {
    const a = array(arr, path);
    if (a.length !== n) throw new Error(`${path}: has ${a.length} points, expected ${n} (as many as ${p}.t)`);
    a.forEach((v, i) => item(v, `${path}[${i}]`));
  };
  each(o.targets, `${p}.targets`, (t, tp) => {
    const e = object(t, tp);
    string(e.url, `${tp}.url`);
    number(e.scrapes, `${tp}.scrapes`);
    number(e.failures, `${tp}.failures`);
  });
  each(o.series, `${p}.series`, (s, sp) => {
    const e = object(s, sp);
    string(e.role, `${sp}.role`);
    string(e.metric, `${sp}.metric`);
    labels(e.labels, `${sp}.labels`);
    points(e.values, `${sp}.values`, nullableNumber);
  });
  each(o.histograms, `${p}.histograms`, (h, hp) => {
    const e = object(h, hp);
    string(e.role, `${hp}.role`);
    labels(e.labels, `${hp}.labels`);
    each(e.le, `${hp}.le`, number);
    points(e.count, `${hp}.count`, number);
    points(e.sum, `${hp}.sum`, number);
    points(e.buckets, `${hp}.buckets`, (b, bp) => each(b, bp, number));
    for (const f of ['p50', 'p95', 'p99'] as const) points(e[f], `${hp}.${f}`, nullableNumber);
  });
  if (o.connected !== undefined) {
    each(o.connected, `${p}.connected`, (c, cp) => {
      const e = object(c, cp);
      labels(e.labels, `${cp}.labels`);
      points(e.values, `${cp}.values`, nullableNumber);
    });
  }
}
