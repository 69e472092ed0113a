/**
 * Where a runner records measurements: HDR histograms, counters, gauges and error samples, keyed by catalogue
 * name + labels. This is the hot path (thousands of records per second per process), so recording is a map
 * lookup and an integer increment; all encoding happens once per interval in `takeInterval`.
 *
 * Decisions:
 * - Label keys must be the catalogue's keys for the metric (plus `variant`); an unknown key throws, because it is
 *   a programming error that would otherwise silently split or merge series. A missing key is recorded as ''
 *   (e.g. an error seen before any view is known).
 * - Memory is bounded whatever the scenario does: at most `maxSeriesPerMetric` label sets per name; further
 *   ones fold into one series whose catalogue label values are all 'other' (the `variant` label is kept, so
 *   A/B comparisons stay separable), and the first fold is reported once as error `metrics.label_cap`.
 *   Label values are cut to 200 characters, error messages to 1000, error kinds are capped like label sets.
 * - Values that cannot be recorded (negative, NaN, infinite) are dropped and counted as error
 *   `metrics.invalid_value` with a sample — never thrown, since the probe calls this from event handlers.
 * - Gauges are levels: a snapshot carries the last value set, even when it was set in an earlier interval.
 */
import { COMMON_LABELS, OTHER_LABEL_VALUE, compareSeries, formatSeries, metricInfo, type MetricInfo, type MetricKind } from './labels.js';
import { createHistogram, encodeHistogram, scaleOfUnit, type Histogram } from './hdr.js';
import type { CounterName, GaugeName, HistogramName } from './catalog.js';
import type { CounterEntry, ErrorEntry, ErrorSample, HistogramEntry, Labels, Interval } from './model.js';

export interface RegistryOptions {
  /** Distinct label sets per metric name before further ones fold into 'other'. Default 100. */
  maxSeriesPerMetric?: number;
  /** Distinct error kinds before further ones fold into 'other'. Default 100. */
  maxErrorKinds?: number;
  /** Error samples kept per kind over the registry's life (the first N). Default 5. */
  errorSamples?: number;
  /** Labels added to every series, e.g. `{ variant: 'live' }`; only common keys (`variant`) are allowed. */
  constLabels?: Labels;
  /** Start (epoch ms) of the first snapshot's interval. Default: now. */
  startedAt?: number;
  /** Clock for error sample times. Default `Date.now`. */
  clock?: () => number;
}

export const DEFAULT_MAX_SERIES_PER_METRIC = 100;
export const DEFAULT_ERROR_SAMPLES = 5;
const MAX_LABEL_VALUE_LENGTH = 200;
const MAX_MESSAGE_LENGTH = 1000;
/** A coordinated-omission correction that would synthesize more records than this is refused (hangs otherwise). */
const MAX_CO_SYNTHESIZED = 100_000;

interface HistogramSeries {
  readonly labels: Labels;
  readonly hist: Histogram;
}
interface CounterSeries {
  readonly labels: Labels;
  delta: number;
}
interface GaugeSeries {
  readonly labels: Labels;
  value: number;
}
interface Family<S> {
  readonly info: MetricInfo;
  readonly allowed: ReadonlySet<string>;
  /** Base-unit integers per catalogue unit (histograms only). */
  readonly scale: number;
  readonly series: Map<string, S>;
  capped: boolean;
}
interface ErrorState {
  count: number;
  taken: number;
  pending: ErrorSample[];
}

export class MetricsRegistry {
  private readonly maxSeries: number;
  private readonly maxErrorKinds: number;
  private readonly errorSampleLimit: number;
  private readonly constLabels: Readonly<Record<string, string>>;
  private readonly clock: () => number;
  private readonly histograms = new Map<string, Family<HistogramSeries>>();
  private readonly counters = new Map<string, Family<CounterSeries>>();
  private readonly gauges = new Map<string, Family<GaugeSeries>>();
  private readonly errors = new Map<string, ErrorState>();
  private intervalStart: number;

  constructor(options: RegistryOptions = {}) {
    this.maxSeries = positiveInt(options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC, 'maxSeriesPerMetric');
    this.maxErrorKinds = positiveInt(options.maxErrorKinds ?? 100, 'maxErrorKinds');
    this.errorSampleLimit = nonNegativeInt(options.errorSamples ?? DEFAULT_ERROR_SAMPLES, 'errorSamples');
    this.clock = options.clock ?? Date.now;
    this.intervalStart = options.startedAt ?? this.clock();
    const constLabels: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.constLabels ?? {})) {
      if (!(COMMON_LABELS as readonly string[]).includes(k)) {
        throw new Error(`constLabels: '${k}' is not a label every metric has (allowed: ${COMMON_LABELS.join(', ')})`);
      }
      constLabels[k] = clip(v, MAX_LABEL_VALUE_LENGTH);
    }
    this.constLabels = constLabels;
  }

  /** Records one value in the catalogue unit (ms, bytes, count). */
  record(name: HistogramName, labels: Labels, value: number): void {
    const fam = this.family(this.histograms, name, 'histogram');
    const v = this.toBase(fam, labels, value);
    if (v === undefined) return;
    this.histogramSeries(fam, labels).hist.recordValue(v);
  }

  /**
   * Records a value measured by an action meant to run every `expectedIntervalMs` (fixed rate): when it took
   * longer, the samples that the stalled loop failed to start are synthesized (value − interval, value − 2 ×
   * interval, … down to the interval), as HdrHistogram's recordValueWithExpectedInterval does. Without this a
   * stall counts once instead of for every request it delayed (coordinated omission).
   */
  recordCorrected(name: HistogramName, labels: Labels, value: number, expectedIntervalMs: number): void {
    const fam = this.family(this.histograms, name, 'histogram');
    const v = this.toBase(fam, labels, value);
    if (v === undefined) return;
    const series = this.histogramSeries(fam, labels);
    const interval = Math.round(expectedIntervalMs * fam.scale);
    if (!(interval > 0) || interval === Infinity) {
      series.hist.recordValue(v);
      return;
    }
    if (v / interval > MAX_CO_SYNTHESIZED) {
      series.hist.recordValue(v);
      this.error('metrics.co_correction_refused', `${formatSeries(name, labels)}: ${value} with expected interval ${expectedIntervalMs} would synthesize more than ${MAX_CO_SYNTHESIZED} samples; recorded uncorrected`);
      return;
    }
    series.hist.recordValueWithExpectedInterval(v, interval);
  }

  count(name: CounterName, labels: Labels, n = 1): void {
    const fam = this.family(this.counters, name, 'counter');
    if (!(n >= 0) || n === Infinity) {
      this.invalid(name, labels, n);
      return;
    }
    let s = fam.series.get(this.keyOf(fam, labels));
    if (s === undefined) s = this.newSeries(fam, labels, (l) => ({ labels: l, delta: 0 }));
    s.delta += n;
  }

  gauge(name: GaugeName, labels: Labels, value: number): void {
    const fam = this.family(this.gauges, name, 'gauge');
    if (!Number.isFinite(value)) {
      this.invalid(name, labels, value);
      return;
    }
    let s = fam.series.get(this.keyOf(fam, labels));
    if (s === undefined) s = this.newSeries(fam, labels, (l) => ({ labels: l, value }));
    s.value = value;
  }

  /** Counts an error of `kind` and keeps its first samples. */
  error(kind: string, message: string, context?: Readonly<Record<string, string | number>>): void {
    let state = this.errors.get(kind);
    if (state === undefined) {
      const k = this.errors.size >= this.maxErrorKinds ? OTHER_LABEL_VALUE : kind;
      state = this.errors.get(k);
      if (state === undefined) {
        state = { count: 0, taken: 0, pending: [] };
        this.errors.set(k, state);
      }
      if (k !== kind) message = `[${kind}] ${message}`;
    }
    state.count += 1;
    if (state.taken < this.errorSampleLimit) {
      state.taken += 1;
      const sample: ErrorSample = { message: clip(message, MAX_MESSAGE_LENGTH), at: this.clock() };
      if (context !== undefined) sample.context = { ...context };
      state.pending.push(sample);
    }
  }

  /**
   * Everything recorded since the previous call (histograms and counters as deltas, gauges as current levels,
   * errors as new counts and new samples), then resets interval state. Empty histograms/counters are omitted.
   * Entries are sorted by name and labels, so equal recordings give equal snapshots.
   */
  takeInterval(now: number = Date.now()): Interval {
    const histograms: HistogramEntry[] = [];
    for (const fam of this.histograms.values()) {
      for (const s of fam.series.values()) {
        if (s.hist.totalCount === 0) continue;
        histograms.push({ name: fam.info.name, labels: s.labels, hdr: encodeHistogram(s.hist) });
        s.hist.reset();
      }
    }
    const counters: CounterEntry[] = [];
    for (const fam of this.counters.values()) {
      for (const s of fam.series.values()) {
        if (s.delta === 0) continue;
        counters.push({ name: fam.info.name, labels: s.labels, value: s.delta });
        s.delta = 0;
      }
    }
    const gauges: CounterEntry[] = [];
    for (const fam of this.gauges.values()) {
      for (const s of fam.series.values()) gauges.push({ name: fam.info.name, labels: s.labels, value: s.value });
    }
    const errors: ErrorEntry[] = [];
    for (const [kind, state] of this.errors) {
      if (state.count === 0) continue;
      errors.push({ kind, count: state.count, samples: state.pending });
      state.count = 0;
      state.pending = [];
    }
    histograms.sort(compareSeries);
    counters.sort(compareSeries);
    gauges.sort(compareSeries);
    errors.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
    const from = this.intervalStart;
    this.intervalStart = now;
    return { schema: 'rookery/snapshot@1', from, to: now, histograms, counters, gauges, errors };
  }

  private family<S>(table: Map<string, Family<S>>, name: string, kind: MetricKind): Family<S> {
    let fam = table.get(name);
    if (fam !== undefined) return fam;
    const info = metricInfo(name);
    if (info === undefined || info.kind !== kind) {
      const what = info === undefined ? 'not in the metric catalogue' : `a ${info.kind}, not a ${kind}`;
      throw new Error(`metric '${name}' is ${what} (src/metrics/catalog.ts)`);
    }
    fam = { info, allowed: new Set(info.labelKeys), scale: scaleOfUnit(info.spec.unit), series: new Map(), capped: false };
    table.set(name, fam);
    return fam;
  }

  private histogramSeries(fam: Family<HistogramSeries>, labels: Labels): HistogramSeries {
    return fam.series.get(this.keyOf(fam, labels)) ?? this.newSeries(fam, labels, (l) => ({ labels: l, hist: createHistogram() }));
  }

  /** Cheap series key: label values in catalogue key order (the key set is fixed per name). Validates keys. */
  private keyOf(fam: Family<unknown>, labels: Labels): string {
    for (const k in labels) {
      if (!fam.allowed.has(k)) {
        throw new Error(`label '${k}' is not a label of ${fam.info.name} (labels: ${fam.info.labelKeys.join(', ') || 'none'})`);
      }
    }
    const keys = fam.info.spec.labels;
    let key = '';
    for (let i = 0; i < keys.length; i++) {
      const v = labels[keys[i] as string] ?? '';
      key += i === 0 ? clip(v, MAX_LABEL_VALUE_LENGTH) : '\u0001' + clip(v, MAX_LABEL_VALUE_LENGTH);
    }
    const optional = fam.info.spec.optionalLabels;
    if (optional !== undefined) {
      for (const k of optional) {
        const v = labels[k];
        if (v) key += '\u0003' + k + '\u0001' + clip(v, MAX_LABEL_VALUE_LENGTH);
      }
    }
    for (const k of COMMON_LABELS) {
      const v = labels[k] ?? this.constLabels[k];
      if (v) key += '\u0002' + clip(v, MAX_LABEL_VALUE_LENGTH);
    }
    return key;
  }

  private newSeries<S>(fam: Family<S>, labels: Labels, make: (labels: Labels) => S): S {
    let normal = this.normalize(fam, labels, false);
    if (fam.series.size >= this.maxSeries) {
      normal = this.normalize(fam, labels, true);
      if (!fam.capped) {
        fam.capped = true;
        this.error('metrics.label_cap', `${fam.info.name}: more than ${this.maxSeries} label sets; further ones are folded into '${OTHER_LABEL_VALUE}' (first folded: ${formatSeries(fam.info.name, labels)})`);
      }
      const existing = fam.series.get(this.keyOf(fam, normal));
      if (existing !== undefined) return existing;
    }
    const s = make(normal);
    fam.series.set(this.keyOf(fam, normal), s);
    return s;
  }

  private normalize(fam: Family<unknown>, labels: Labels, fold: boolean): Labels {
    const out: Record<string, string> = {};
    for (const k of fam.info.spec.labels) out[k] = fold ? OTHER_LABEL_VALUE : clip(labels[k] ?? '', MAX_LABEL_VALUE_LENGTH);
    for (const k of fam.info.spec.optionalLabels ?? []) {
      const v = labels[k];
      if (v) out[k] = fold ? OTHER_LABEL_VALUE : clip(v, MAX_LABEL_VALUE_LENGTH);
    }
    for (const k of COMMON_LABELS) {
      const v = labels[k] ?? this.constLabels[k];
      if (v) out[k] = clip(v, MAX_LABEL_VALUE_LENGTH);
    }
    return Object.freeze(out);
  }

  private toBase(fam: Family<HistogramSeries>, labels: Labels, value: number): number | undefined {
    if (!(value >= 0) || value === Infinity) {
      this.invalid(fam.info.name, labels, value);
      return undefined;
    }
    return Math.round(value * fam.scale);
  }

  private invalid(name: string, labels: Labels, value: number): void {
    this.error('metrics.invalid_value', `${formatSeries(name, labels)}: ${String(value)} cannot be recorded`);
  }
}

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

function positiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${n}`);
  return n;
}

function nonNegativeInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got ${n}`);
  return n;
}
