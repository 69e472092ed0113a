/**
 * Data shapes exchanged between stages and processes. A runner (in-process or remote) emits one interval (a
 * delta) per second; the collector merges them exactly into totals and a time series, and writes Results.
 * Report writers (src/report) read only Results.
 *
 * The shapes are declared once, as schemas, in src/contract/ (interval.ts: the interval document; results.ts:
 * `rookery/results@1`); the types here are derived from those schemas and re-exported under their usual names.
 */
export type { ConnectedSpan, CounterEntry, ErrorEntry, ErrorSample, HistogramEntry, Interval, Labels } from '../contract/interval.js';
export type {
  HealthSummary,
  MachineInfo,
  MetricSummary,
  Results,
  ResultsMeta,
  Series,
  SeriesLatency,
  SeriesValues,
  ThresholdResult,
  VariantSegment,
  VisualResults,
} from '../contract/results.js';
