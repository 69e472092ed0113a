/**
 * Data shapes exchanged between stages and processes. A runner (in-process or remote) emits one Snapshot per
 * interval (a delta); the collector merges them exactly into totals and a time series, and writes Results.
 * Report writers (src/report) read only Results.
 */

import type { ServerMetricsResults } from './server-results.js';

export type Labels = Readonly<Record<string, string>>;

export interface HistogramEntry {
  name: string;
  labels: Labels;
  /** hdr-histogram-js compressed base64 encoding (encodeIntoCompressedBase64). Values in base units, see `scale`. */
  hdr: string;
}

export interface CounterEntry {
  name: string;
  labels: Labels;
  value: number;
}

export interface ErrorSample {
  message: string;
  /** Epoch ms. */
  at: number;
  /** Free-form context: user id, iteration, view, URL, runner id. */
  context?: Readonly<Record<string, string | number>>;
}

export interface ErrorEntry {
  kind: string;
  count: number;
  /** The first few samples (bounded). */
  samples: ErrorSample[];
}

/** One interval's worth of measurements (a delta, not cumulative). Merges exactly with `mergeSnapshots`. */
export interface Snapshot {
  schema: 'rookery/snapshot@1';
  /** Epoch ms, interval start (inclusive) and end (exclusive). */
  from: number;
  to: number;
  histograms: HistogramEntry[];
  counters: CounterEntry[];
  /** Last reading in the interval; merging sums gauges of the same name+labels from different sources. */
  gauges: CounterEntry[];
  errors: ErrorEntry[];
  /**
   * Runners only: when their count of connected main LiveViews was settled, by view and variant, so the collector
   * can pair its server scrapes with exact counts (src/server-metrics/pairing.ts).
   */
  connected?: ConnectedSpan[];
}

/** From `from` to `to` (epoch ms, inclusive) no page was in transition and these counts held. */
export interface ConnectedSpan {
  from: number;
  to: number;
  counts: Array<{ labels: Labels; value: number }>;
}

export interface MetricSummary {
  name: string;
  labels: Labels;
  unit: string;
  count: number;
  min: number;
  mean: number;
  max: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  /** The full distribution (compressed base64), so reports and compare can re-derive anything. */
  hdr: string;
}

export interface SeriesLatency {
  name: string;
  labels: Labels;
  count: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

export interface SeriesValues {
  name: string;
  labels: Labels;
  values: (number | null)[];
}

/** Per-interval series; `t` is ms since the run started (interval end). Downsampled for long runs. */
export interface Series {
  intervalMs: number;
  t: number[];
  latency: SeriesLatency[];
  /** Per-interval deltas of counters. */
  counters: SeriesValues[];
  gauges: SeriesValues[];
  /**
   * Per point: the load phase (`setup`, `ramp`, `hold`, `ramp-down`, `stop`, or `mixed` when downsampling merged
   * several), its 1-based stage, and whether the harness was saturated in any of its intervals. Absent in results
   * written before phases were recorded.
   */
  phase?: string[];
  stage?: (number | null)[];
  saturated?: boolean[];
}

export interface ThresholdResult {
  /** As written, e.g. `lv_event_rtt_ms{event=inc}:p95<200`. */
  expr: string;
  pass: boolean;
  /** The measured value (undefined when no metric matched: that fails the threshold). */
  actual: number | undefined;
  detail: string;
}

export interface HealthSummary {
  /** True when the load generator itself was the bottleneck: results are suspect. */
  saturated: boolean;
  reasons: string[];
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  /** Peak CPU in % of one core, by process group (node, chromium). */
  cpuPeakPercent: Readonly<Record<string, number>>;
  rssPeakBytes: Readonly<Record<string, number>>;
  cores: number;
  /**
   * The probe's floor: Phoenix heartbeat round trips (`ws_heartbeat_rtt_ms`), answered by the server without app
   * work, so every latency includes about this much network + harness delay. Absent when no heartbeat was answered.
   */
  probeFloorMs?: { p50: number; p95: number; count: number };
  /** Facts about the measurement that are not saturation reasons (e.g. the probe floor). */
  notes?: string[];
}

export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
}

/** Times in results are ms since the run started (`meta.startedAt`), like `series.t` and `server.t`. */
export interface VariantSegment {
  variant: string;
  /** Ramp-up starts. */
  startMs: number;
  /** Hold ends (ramp-down starts): [startMs, holdEndMs] is what memory per LiveView is fitted over. */
  holdEndMs: number;
  /** Ramp-down and settle gap over: the next variant starts here. */
  endMs: number;
}

export interface ResultsMeta {
  tool: { name: 'rookery'; version: string };
  /** Versions seen: the LiveView client (from join replies / page), Chromium, Playwright. */
  versions: Readonly<Record<string, string>>;
  target: string;
  scenario: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  machine: MachineInfo;
  /** Human description of the load profile, and its parameters. */
  load: { description: string; [key: string]: unknown };
  variants?: string[];
  /**
   * How variants ran: `interleaved` (default; at the same time, users split) or `sequential` (one after the
   * other with the same load shape, so server-side figures are attributable per variant; see `segments`).
   */
  variantMode?: 'interleaved' | 'sequential';
  /** Sequential variants: when each variant's users ran, in ms since the run started. */
  segments?: VariantSegment[];
  runners?: Array<{ id: string; host: string; capacity: number; lost: boolean; lostAt?: string }>;
  /** Set when the run ended early (SIGINT, collector lost, fatal error): results are partial. */
  interrupted?: string;
}

export interface Results {
  schema: 'rookery/results@1';
  meta: ResultsMeta;
  metrics: MetricSummary[];
  counters: CounterEntry[];
  errors: ErrorEntry[];
  series: Series;
  thresholds: ThresholdResult[];
  health: HealthSummary;
  /**
   * Steady state: the run's figures over hold-phase intervals in which the harness was not saturated (timings only),
   * with the excluded intervals counted and listed. Absent when the profile has no hold phase.
   */
  steady?: import('./windows.js').WindowFigures;
  /** Visual regression outcome (present when the scenario took snapshots). */
  /** What was scraped from the app's own metrics endpoints (`--server-metrics`). */
  server?: ServerMetricsResults;
  visual?: {
    checkpoints: Array<{ name: string; snapshots: number; mismatches: number; worst?: { diffPixels: number; ratio: number; baseline: string; actual: string; diff: string } }>;
  };
}
