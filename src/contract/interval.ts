/**
 * `rookery/snapshot@1`: one interval's measurements (a delta, not cumulative), as a runner streams them to its
 * collector every second and as the collector keeps them per interval. Histograms travel encoded (HDR, compressed
 * base64, see src/metrics/hdr.ts), so intervals of different sources and of adjacent times merge exactly.
 *
 * The document keeps the name `snapshot` on the wire (the schema string and the cluster message `t: 'snapshot'`)
 * so files and peers of this protocol version stay compatible; in code the type is an interval.
 */
import { z } from 'zod';
import { describeValue, expects } from './issues.js';

export const INTERVAL_SCHEMA = 'rookery/snapshot@1';

/**
 * Metric labels: a plain object of string values. Checked with one loop (every histogram, counter and series entry
 * carries labels, and a runner streams hundreds of entries a second); the same wording as a schema would give.
 */
export const labelsSchema = z.custom<Record<string, string>>().superRefine((x, ctx) => {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    ctx.addIssue({ code: 'custom', message: `expected an object, got ${describeValue(x)}`, input: x, continue: false });
    return;
  }
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    const v: unknown = (x as Record<string, unknown>)[k];
    if (typeof v !== 'string') {
      ctx.addIssue({ code: 'custom', path: [k], message: `expected a string, got ${describeValue(v)}`, input: v, continue: false });
      return;
    }
  }
});
export type Labels = z.infer<typeof labelsSchema>;

/** A finite number (JSON cannot carry NaN or ±Infinity; zod refuses them). */
export const finite = z.number();
/**
 * A long array of numbers (series points): one plain loop instead of a schema per element, because a results file
 * holds hundreds of thousands of them. Same wording as the rest: the first bad point is named by its index.
 */
function numberPoints<T extends number | null>(nullable: T extends null ? true : false): z.ZodType<T[]> {
  const what = nullable ? 'a finite number or null' : 'a finite number';
  return z.custom<T[]>().superRefine((x, ctx) => {
    if (!Array.isArray(x)) {
      ctx.addIssue({ code: 'custom', message: `expected an array, got ${describeValue(x)}`, input: x, continue: false });
      return;
    }
    for (let i = 0; i < x.length; i++) {
      const v: unknown = x[i];
      if (typeof v === 'number' ? !Number.isFinite(v) : !(nullable && v === null)) {
        ctx.addIssue({ code: 'custom', path: [i], message: `expected ${what}, got ${describeValue(v)}`, input: v, continue: false });
        return;
      }
    }
  });
}
/** Series points: finite numbers. */
export const numberArray = numberPoints<number>(false);
/** Series points that may be missing (an interval without samples): finite numbers or null. */
export const nullableNumberArray = numberPoints<number | null>(true);

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

/** From `from` to `to` (epoch ms, inclusive) no page was in transition and these counts of main LiveViews held. */
export const connectedSpanSchema = z.object({
  from: finite,
  to: finite,
  counts: z.array(z.object({ labels: labelsSchema, value: finite })),
});
export type ConnectedSpan = z.infer<typeof connectedSpanSchema>;

/** One interval (a delta). Merges exactly with `mergeIntervals` (src/metrics/merge.ts). */
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
  /**
   * Runners only: when their count of connected main LiveViews was settled, by view and variant, so the collector
   * can pair its server scrapes with exact counts.
   */
  connected: z.array(connectedSpanSchema).optional(),
});
export type Interval = z.infer<typeof intervalSchema>;
