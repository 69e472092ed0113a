/**
 * Server metrics in the results document (`results.server`): what Rookery scraped from the app's Prometheus
 * endpoints during the run, mapped to roles (mapping.ts), merged over app nodes, one point per scrape round.
 */
import type { Labels } from '../metrics/model.js';

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
