/**
 * `rookery/snapshot@1`: one interval's measurements (a delta, not cumulative), as a runner streams them to its
 * collector every second and as the collector keeps them per interval. Histograms travel encoded (HDR, compressed
 * base64, see src/metrics/hdr.ts), so intervals of different sources and of adjacent times merge exactly.
 *
 * The document keeps the name `snapshot` on the wire (the schema string and the cluster message `t: 'snapshot'`)
 * so files and peers of this protocol version stay compatible; in code the type is an interval.
 */
import { z } from 'zod';
import { expects } from './issues.js';

export const INTERVAL_SCHEMA = 'rookery/snapshot@1';

/** Metric labels: string values only. */
export const labelsSchema = z.record(z.string(), z.string());
export type Labels = z.infer<typeof labelsSchema>;

/** A finite number (JSON cannot carry NaN or ±Infinity; zod refuses them). */
export const finite = z.number();
/** Counts of things: a whole number ≥ 0. */
export const countSchema = z.number(expects('a non-negative integer')).int(expects('a non-negative integer')).min(0, expects('a non-negative integer'));

export const histogramEntrySchema = z.object({
  name: z.string(),
  labels: labelsSchema,
  /** hdr-histogram-js compressed base64 encoding. Values in base units (µs for `_ms` metrics, see hdr.ts). */
  hdr: z.string(),
});
export type HistogramEntry = z.infer<typeof histogramEntrySchema>;

export const counterEntrySchema = z.object({ name: z.string(), labels: labelsSchema, value: finite });
export type CounterEntry = z.infer<typeof counterEntrySchema>;

export const errorSampleSchema = z.object({
  message: z.string(),
  /** Epoch ms. */
  at: finite,
  /** Free-form context: user id, iteration, view, URL, runner id. */
  context: z.record(z.string(), z.union([z.string(), finite], expects('a string or number'))).optional(),
});
export type ErrorSample = z.infer<typeof errorSampleSchema>;

export const errorEntrySchema = z.object({
  kind: z.string(),
  count: countSchema,
  /** The first few samples (bounded). */
  samples: z.array(errorSampleSchema),
});
export type ErrorEntry = z.infer<typeof errorEntrySchema>;

/** One interval (a delta). Merges exactly with `mergeSnapshots` (src/metrics/merge.ts). */
export const intervalSchema = z.object({
  schema: z.literal(INTERVAL_SCHEMA),
  /** Epoch ms, interval start (inclusive) and end (exclusive). */
  from: finite,
  to: finite,
  histograms: z.array(histogramEntrySchema.extend({ hdr: z.string().min(1, expects('a non-empty string')) })),
  counters: z.array(counterEntrySchema),
  /** Last reading in the interval; merging sums gauges of the same name+labels from different sources. */
  gauges: z.array(counterEntrySchema),
  errors: z.array(errorEntrySchema),
});
export type Interval = z.infer<typeof intervalSchema>;
