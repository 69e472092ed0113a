/**
 * What a metric name means (its kind, unit and label keys, from the catalogue) and how a series — a name plus
 * labels — is identified, ordered and printed. Shared by the registry, the merger, the timeline and thresholds.
 */
import { COUNTERS, GAUGES, HISTOGRAMS, type MetricSpec } from './catalog.js';
import type { Labels } from './model.js';

/**
 * Label keys every metric may carry besides its catalogue labels. `variant` is set when a scenario runs A/B
 * variants side by side; it is omitted (not '') on series that have none. `client` says which kind of user
 * measured it (`browser`: Chromium, `lite`: the app's client on a Node DOM, src/lite) — set on everything users
 * record, so page-clock times of the two kinds never mix.
 */
export const COMMON_LABELS = ['variant', 'client'] as const;

/** Label value that series beyond the cardinality cap fold into. */
export const OTHER_LABEL_VALUE = 'other';

export type MetricKind = 'histogram' | 'counter' | 'gauge';

export interface MetricInfo {
  readonly name: string;
  readonly kind: MetricKind;
  readonly spec: MetricSpec;
  /** Catalogue label keys, then the optional ones, then the common ones. */
  readonly labelKeys: readonly string[];
}

const INFO = new Map<string, MetricInfo>();
for (const [kind, table] of [
  ['histogram', HISTOGRAMS],
  ['counter', COUNTERS],
  ['gauge', GAUGES],
] as const) {
  for (const [name, spec] of Object.entries(table as Record<string, MetricSpec>)) {
    INFO.set(name, { name, kind, spec, labelKeys: [...spec.labels, ...(spec.optionalLabels ?? []), ...COMMON_LABELS] });
  }
}

export function metricInfo(name: string): MetricInfo | undefined {
  return INFO.get(name);
}

export function metricNames(): string[] {
  return [...INFO.keys()];
}

/** Canonical identity of a series, independent of label key order: used to match entries from different sources. */
export function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  // JSON keeps arbitrary label values (commas, braces, quotes) from colliding.
  return JSON.stringify([name, ...keys.flatMap((k) => [k, labels[k]])]);
}

/** Deterministic order: by name, then by labels. */
export function compareSeries(a: { name: string; labels: Labels }, b: { name: string; labels: Labels }): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const ka = seriesKey(a.name, a.labels);
  const kb = seriesKey(b.name, b.labels);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** `lv_event_rtt_ms{event=inc,view=/counter}`, labels in catalogue order (as written in thresholds). */
export function formatSeries(name: string, labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return name;
  const order = metricInfo(name)?.labelKeys ?? [];
  keys.sort((a, b) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0));
  return `${name}{${keys.map((k) => `${k}=${labels[k] ?? ''}`).join(',')}}`;
}

function rank(order: readonly string[], key: string): number {
  const i = order.indexOf(key);
  return i < 0 ? order.length : i;
}
