/**
 * Metrics core: record (registry) → snapshot each interval → merge exactly (merger, accumulator) →
 * summarise, time series, thresholds → results document. Shapes live in model.ts, names in catalog.ts.
 */
export { MetricsRegistry, DEFAULT_MAX_SERIES_PER_METRIC, DEFAULT_ERROR_SAMPLES, type RegistryOptions } from './registry.js';
export { withLabels, type LabelledRecorder } from './labelled.js';
export { SnapshotMerger, mergeSnapshots, decodeEntries, validateSnapshot, type MergeOptions, type DecodedHistogram } from './merge.js';
export { Accumulator, type AccumulatorOptions } from './accumulator.js';
export { summarize, histogramStats, SUMMARY_PERCENTILES, type HistogramStats } from './summary.js';
export { buildSeries, downsampleIntervals, DEFAULT_MAX_POINTS, type TimelineOptions } from './timeline.js';
export { buildResults, validateResults, RESULTS_SCHEMA, type BuildResultsInput } from './results.js';
export { recordObservation, type ObservationSink } from './record.js';
export {
  parseThreshold,
  evaluateThresholds,
  evaluateThreshold,
  ThresholdError,
  HISTOGRAM_STATS,
  COUNTER_STATS,
  type Threshold,
  type ThresholdOp,
  type ThresholdStat,
} from './thresholds.js';
export { createHistogram, encodeHistogram, decodeHistogram, scaleOf, scaleOfUnit, HDR_SIGNIFICANT_DIGITS, type Histogram } from './hdr.js';
export { COMMON_LABELS, OTHER_LABEL_VALUE, metricInfo, metricNames, seriesKey, compareSeries, formatSeries, type MetricInfo, type MetricKind } from './labels.js';
export { ShapeError } from './shape.js';
export * from './catalog.js';
export type * from './model.js';
