/**
 * `rookery/results@1`: the results document a run writes and every report, compare and baseline reads. Declared
 * once here; the TypeScript types are derived from it (src/metrics/model.ts re-exports them) and `decodeResults`
 * is the one check a file read back from disk goes through. Field meanings: src/metrics/README.md.
 */
import { z } from 'zod';
import { ContractError, decode, describeValue } from './issues.js';
import { counterEntrySchema, countSchema, errorEntrySchema, finite, labelsSchema, nullableNumberArray, numberArray } from './interval.js';

export const RESULTS_SCHEMA = 'rookery/results@1';
export const SERVER_METRICS_SCHEMA = 'rookery/server-metrics@1';

const nullableFinite = finite.nullable();
const numberRecord = z.record(z.string(), finite);

export const metricSummarySchema = z.object({
  name: z.string(),
  labels: labelsSchema,
  unit: z.string(),
  count: countSchema,
  min: finite,
  mean: finite,
  max: finite,
  stddev: finite,
  p50: finite,
  p90: finite,
  p95: finite,
  p99: finite,
  p999: finite,
  /** The full distribution (compressed base64), so reports and compare can re-derive anything. */
  hdr: z.string(),
});
export type MetricSummary = z.infer<typeof metricSummarySchema>;

export const seriesLatencySchema = z.object({
  name: z.string(),
  labels: labelsSchema,
  count: numberArray,
  p50: nullableNumberArray,
  p95: nullableNumberArray,
  p99: nullableNumberArray,
});
export type SeriesLatency = z.infer<typeof seriesLatencySchema>;

export const seriesValuesSchema = z.object({ name: z.string(), labels: labelsSchema, values: nullableNumberArray });
export type SeriesValues = z.infer<typeof seriesValuesSchema>;

/** Every per-point array must have one entry per `t`; the path names the array that does not. */
function samePoints(n: number, root: string, ctx: z.core.$RefinementCtx, arr: unknown, path: PropertyKey[]): void {
  // Refinements run even when a field already failed; a non-array has its own issue.
  if (Array.isArray(arr) && arr.length !== n) ctx.addIssue({ code: 'custom', path, message: `has ${arr.length} points, expected ${n} (as many as ${root}.t)`, input: arr });
}

/** Per-interval series; `t` is ms since the run started (interval end). Downsampled for long runs. */
export const seriesSchema = z
  .object({
    intervalMs: finite,
    t: numberArray,
    latency: z.array(seriesLatencySchema),
    /** Per-interval deltas of counters. */
    counters: z.array(seriesValuesSchema),
    gauges: z.array(seriesValuesSchema),
    /**
     * Per point: the load phase (`setup`, `ramp`, `hold`, `ramp-down`, `stop`, or `mixed` when downsampling merged
     * several), its 1-based stage, and whether the harness was saturated in any of its intervals. Absent in
     * results written before phases were recorded.
     */
    phase: z.array(z.string()).optional(),
    stage: nullableNumberArray.optional(),
    saturated: z.array(z.boolean()).optional(),
  })
  .superRefine((s, ctx) => {
    if (!Array.isArray(s.t)) return;
    const n = s.t.length;
    const root = 'results.series';
    s.latency.forEach((l, i) => {
      for (const f of ['count', 'p50', 'p95', 'p99'] as const) samePoints(n, root, ctx, l[f], ['latency', i, f]);
    });
    for (const field of ['counters', 'gauges'] as const) s[field].forEach((c, i) => samePoints(n, root, ctx, c.values, [field, i, 'values']));
    for (const field of ['phase', 'stage', 'saturated'] as const) {
      const arr = s[field];
      if (arr !== undefined) samePoints(n, root, ctx, arr, [field]);
    }
  });
export type Series = z.infer<typeof seriesSchema>;

export const thresholdResultSchema = z.object({
  /** As written, e.g. `lv_event_rtt_ms{event=inc}:p95<200`. */
  expr: z.string(),
  pass: z.boolean(),
  /** The measured value (undefined when no metric matched: that fails the threshold; null in older files). */
  actual: nullableFinite.optional().transform((v) => v ?? undefined),
  detail: z.string(),
});
export type ThresholdResult = z.infer<typeof thresholdResultSchema>;

export const healthSummarySchema = z.object({
  /** True when the load generator itself was the bottleneck: results are suspect. */
  saturated: z.boolean(),
  reasons: z.array(z.string()),
  eventLoopLagP99Ms: finite,
  eventLoopLagMaxMs: finite,
  /** Peak CPU in % of one core, by process group (node, chromium). */
  cpuPeakPercent: numberRecord,
  rssPeakBytes: numberRecord,
  cores: finite,
  /**
   * The probe's floor: Phoenix heartbeat round trips (`ws_heartbeat_rtt_ms`), answered by the server without app
   * work, so every latency includes about this much network + harness delay. Absent when no heartbeat was answered.
   */
  probeFloorMs: z.object({ p50: finite, p95: finite, count: countSchema }).optional(),
  /** Facts about the measurement that are not saturation reasons (e.g. the probe floor). */
  notes: z.array(z.string()).optional(),
});
export type HealthSummary = z.infer<typeof healthSummarySchema>;

export const machineInfoSchema = z.object({
  hostname: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpus: finite,
  cpuModel: z.string(),
  memoryBytes: finite,
  node: z.string(),
});
export type MachineInfo = z.infer<typeof machineInfoSchema>;

export const variantSegmentSchema = z.object({
  variant: z.string(),
  /** Ramp-up starts. */
  startMs: finite,
  /** Hold ends (ramp-down starts): [startMs, holdEndMs] is what memory per LiveView is fitted over. */
  holdEndMs: finite,
  /** Ramp-down and settle gap over: the next variant starts here. */
  endMs: finite,
});
export type VariantSegment = z.infer<typeof variantSegmentSchema>;

export const resultsMetaSchema = z.object({
  tool: z.object({ name: z.literal('rookery'), version: z.string() }),
  /** Versions seen: the LiveView client (from join replies / page), Chromium, Playwright. */
  versions: z.record(z.string(), z.string()),
  target: z.string(),
  scenario: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: finite,
  machine: machineInfoSchema,
  /** Human description of the load profile, and its parameters (kept as written). */
  load: z.looseObject({ description: z.string() }),
  variants: z.array(z.string()).optional(),
  /**
   * How variants ran: `interleaved` (default; at the same time, users split) or `sequential` (one after the
   * other with the same load shape, so server-side figures are attributable per variant; see `segments`).
   */
  variantMode: z.enum(['interleaved', 'sequential']).optional(),
  /** Sequential variants: when each variant's users ran, in ms since the run started. */
  segments: z.array(variantSegmentSchema).optional(),
  runners: z.array(z.object({ id: z.string(), host: z.string(), capacity: finite, lost: z.boolean(), lostAt: z.string().optional() })).optional(),
  /** Set when the run ended early (SIGINT, collector lost, fatal error): results are partial. */
  interrupted: z.string().optional(),
});
export type ResultsMeta = z.infer<typeof resultsMetaSchema>;

/** Load phases an interval can belong to (src/metrics/windows.ts tags them). */
export const INTERVAL_PHASES = ['setup', 'ramp', 'hold', 'ramp-down', 'stop'] as const;
export type IntervalPhaseName = (typeof INTERVAL_PHASES)[number];

export const excludedRangeSchema = z.object({
  fromMs: finite,
  toMs: finite,
  intervals: countSchema,
  phase: z.enum(INTERVAL_PHASES),
  reasons: z.array(z.string()),
});
export type ExcludedRange = z.infer<typeof excludedRangeSchema>;

/** Figures over a window of intervals (the steady state: hold phase, harness not saturated). */
export const windowFiguresSchema = z.object({
  /** Human description of the selection, e.g. `phase=hold, not saturated`. */
  selector: z.string(),
  /** Intervals used and their total time. */
  intervals: countSchema,
  durationMs: finite,
  /** Intervals of the selected phase/stage left out. */
  excludedIntervals: countSchema,
  excluded: z.array(excludedRangeSchema),
  metrics: z.array(metricSummarySchema),
  counters: z.array(counterEntrySchema),
});
export type WindowFigures = z.infer<typeof windowFiguresSchema>;

// ---------------------------------------------------------------------------------------------- results.server

export const serverTargetSchema = z.object({
  url: z.string(),
  /** Scrapes answered and parsed. */
  scrapes: countSchema,
  /** Scrapes that failed (timeout, HTTP error, unparseable text). Never fatal. */
  failures: countSchema,
  lastError: z.string().optional(),
  /** Families exported that no mapping rule matched (dropped), as seen in the last good scrape. */
  unmappedFamilies: countSchema,
});
export type ServerTarget = z.infer<typeof serverTargetSchema>;

export const serverValueSeriesSchema = z.object({
  role: z.string(),
  /** The exported family name it came from. */
  metric: z.string(),
  /** `gauge`: the reading (summed over nodes); `rate`: a counter's increase per second over the interval. */
  kind: z.enum(['gauge', 'rate']),
  unit: z.string(),
  labels: labelsSchema,
  values: nullableNumberArray,
});
export type ServerValueSeries = z.infer<typeof serverValueSeriesSchema>;

export const serverHistogramSeriesSchema = z.object({
  role: z.string(),
  metric: z.string(),
  unit: z.string(),
  labels: labelsSchema,
  /** Finite upper bounds (in `unit`), ascending; one more bucket (+Inf) follows the last. */
  le: numberArray,
  /** Per interval: observations per bucket (not cumulative), `le.length + 1` entries. */
  buckets: z.array(numberArray),
  /** Per interval: observations and their sum (in `unit`). */
  count: numberArray,
  sum: numberArray,
  /** Per interval, interpolated within buckets as Prometheus' histogram_quantile does; null when empty. */
  p50: nullableNumberArray,
  p95: nullableNumberArray,
  p99: nullableNumberArray,
});
export type ServerHistogramSeries = z.infer<typeof serverHistogramSeriesSchema>;

/**
 * `rookery/server-metrics@1` (`results.server`, written by src/server-metrics): what Rookery scraped from the app's
 * Prometheus endpoints during the run, mapped to roles, merged over app nodes, one point per scrape round.
 */
export const serverMetricsResultsSchema = z
  .object({
    schema: z.literal(SERVER_METRICS_SCHEMA),
    /** The process that scraped: `local` (single-machine run) or `collector` (distributed run). */
    scrapedBy: z.enum(['local', 'collector']),
    intervalMs: finite,
    targets: z.array(serverTargetSchema),
    /** ms since the run started, at the end of each scrape round (the first round is the baseline and has no point). */
    t: numberArray,
    series: z.array(serverValueSeriesSchema),
    histograms: z.array(serverHistogramSeriesSchema),
    /**
     * Main LiveViews Rookery held connected at each scrape, sampled in the same instant (single-machine runs;
     * labels `view` and `variant`). Without it, analysis interpolates the results' `lv_connected` series.
     */
    connected: z.array(z.object({ labels: labelsSchema, values: nullableNumberArray })).optional(),
  })
  .superRefine((s, ctx) => {
    if (!Array.isArray(s.t)) return;
    const n = s.t.length;
    const root = 'results.server';
    s.series.forEach((v, i) => samePoints(n, root, ctx, v.values, ['series', i, 'values']));
    s.histograms.forEach((h, i) => {
      for (const f of ['count', 'sum', 'buckets', 'p50', 'p95', 'p99'] as const) samePoints(n, root, ctx, h[f], ['histograms', i, f]);
    });
    s.connected?.forEach((c, i) => samePoints(n, root, ctx, c.values, ['connected', i, 'values']));
  });
export type ServerMetricsResults = z.infer<typeof serverMetricsResultsSchema>;

export const visualResultsSchema = z.object({
  checkpoints: z.array(
    z.object({
      name: z.string(),
      snapshots: countSchema,
      mismatches: countSchema,
      worst: z.object({ diffPixels: finite, ratio: finite, baseline: z.string(), actual: z.string(), diff: z.string() }).optional(),
    }),
  ),
});
export type VisualResults = z.infer<typeof visualResultsSchema>;

export const resultsSchema = z.object({
  schema: z.literal(RESULTS_SCHEMA),
  meta: resultsMetaSchema,
  metrics: z.array(metricSummarySchema),
  counters: z.array(counterEntrySchema),
  errors: z.array(errorEntrySchema),
  series: seriesSchema,
  thresholds: z.array(thresholdResultSchema),
  health: healthSummarySchema,
  /**
   * Steady state: the run's figures over hold-phase intervals in which the harness was not saturated (timings
   * only), with the excluded intervals counted and listed. Absent when the profile has no hold phase.
   */
  steady: windowFiguresSchema.optional(),
  /** What was scraped from the app's own metrics endpoints (`--server-metrics`). */
  server: serverMetricsResultsSchema.optional(),
  /** Visual regression outcome (present when the scenario took visual snapshots). */
  visual: visualResultsSchema.optional(),
});
export type Results = z.infer<typeof resultsSchema>;

/**
 * Checks that `x` (parsed JSON) is a results document this version reads, and returns it (unknown fields dropped).
 * Throws a ContractError naming the first field that is wrong, e.g.
 * `results.metrics[3].count: expected a non-negative integer, got the number -1`.
 */
export function decodeResults(x: unknown): Results {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ContractError(`results: expected an object, got ${describeValue(x)}`);
  const schema = (x as { schema?: unknown }).schema;
  if (schema !== RESULTS_SCHEMA) {
    if (typeof schema === 'string' && schema.startsWith('rookery/results@')) {
      throw new ContractError(`results schema '${schema}' is not supported by this Rookery (it reads '${RESULTS_SCHEMA}')`);
    }
    throw new ContractError(`not a Rookery results file: schema is ${JSON.stringify(schema)}, expected '${RESULTS_SCHEMA}'`);
  }
  return decode(resultsSchema, x, 'results');
}

