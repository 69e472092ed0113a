/**
 * Prometheus text exposition → families of samples, with histograms regrouped per label set.
 *
 * Sample lines are parsed by `parse-prometheus-text-format` (escaping, label syntax, numbers). That library
 * collapses every histogram family into one label set (all `le` buckets of all series overwrite each other), so
 * histogram and summary families are handed to it without their `# TYPE` line — their `_bucket`, `_sum` and
 * `_count` lines then come back as plain samples with their labels — and are regrouped here by the TYPE lines.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Labels } from '../metrics/model.js';

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  labels: Labels;
  /** Upper bounds ascending, `Infinity` last; `cumulative[i]` observations ≤ `le[i]`. */
  le: number[];
  cumulative: number[];
  count: number;
  sum: number;
}

export type Family =
  | { name: string; type: 'counter' | 'gauge' | 'untyped'; samples: Sample[] }
  | { name: string; type: 'histogram'; histograms: HistogramSample[] };

interface RawSample {
  labels?: Record<string, string>;
  value?: string;
  timestamp_ms?: string;
}
interface RawFamily {
  name: string;
  type: string;
  metrics: RawSample[];
}

/** Prometheus number syntax: floats plus `+Inf`, `-Inf`, `NaN`. */
export function promNumber(text: string | undefined): number {
  if (text === undefined) return NaN;
  const t = text.trim();
  if (t === '+Inf' || t === 'Inf') return Infinity;
  if (t === '-Inf') return -Infinity;
  return Number(t);
}

const TYPE_LINE = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\w+)\s*$/;
const HELP_LINE = /^#\s*HELP\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(\s|$)/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The library accepts almost any text; an error page or JSON must not pass for metrics. */
function checkRaw(raw: readonly RawFamily[], text: string): void {
  for (const f of raw) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`not a metric name: ${JSON.stringify(f.name.slice(0, 60))}`);
    for (const s of f.metrics) {
      if (s.value === undefined) continue;
      const v = s.value.trim();
      if (Number.isNaN(promNumber(v)) && v !== 'NaN') throw new Error(`${f.name}: value ${JSON.stringify(v.slice(0, 40))} is not a number`);
      if (s.timestamp_ms !== undefined && !/^-?\d+$/.test(s.timestamp_ms.trim())) throw new Error(`${f.name}: timestamp ${JSON.stringify(s.timestamp_ms.slice(0, 40))} is not an integer`);
    }
  }
  if (raw.length === 0 && text.split('\n').some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))) {
    throw new Error('no metric found in the text');
  }
}

/** Parses one exposition. Throws (with the offending line) on text that is not Prometheus exposition format. */
export function parseExposition(text: string): Family[] {
  const types = new Map<string, FamilyType>();
  const lines = text.split('\n');
  for (const line of lines) {
    const m = TYPE_LINE.exec(line);
    if (!m) continue;
    const type = m[2]!.toLowerCase();
    types.set(m[1]!, type === 'counter' || type === 'gauge' || type === 'histogram' || type === 'summary' ? type : 'untyped');
  }
  const grouped = (name: string | undefined): boolean => name !== undefined && (types.get(name) === 'histogram' || types.get(name) === 'summary');
  // Histogram and summary families lose their TYPE and HELP lines (see the module comment).
  const kept = lines.filter((line) => !grouped(TYPE_LINE.exec(line)?.[1]) && !grouped(HELP_LINE.exec(line)?.[1]));
  // The library needs a trailing newline to flush the last family.
  const raw = parsePrometheusTextFormat(kept.join('\n') + '\n') as RawFamily[];
  checkRaw(raw, text);

  const out: Family[] = [];
  const histograms = new Map<string, Map<string, HistogramSample & { buckets: Map<number, number> }>>();
  const histogramOf = (base: string, labels: Record<string, string>) => {
    let fam = histograms.get(base);
    if (!fam) histograms.set(base, (fam = new Map()));
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let h = fam.get(key);
    if (!h) fam.set(key, (h = { labels, le: [], cumulative: [], count: NaN, sum: NaN, buckets: new Map() }));
    return h;
  };
  for (const f of raw) {
    const suffix = /_(bucket|sum|count)$/.exec(f.name);
    const base = suffix ? f.name.slice(0, -suffix[0].length) : undefined;
    const baseType = base === undefined ? undefined : types.get(base);
    if (base !== undefined && baseType === 'summary') continue; // summaries carry client-side quantiles: not mergeable, skipped
    if (base !== undefined && baseType === 'histogram') {
      for (const s of f.metrics) {
        const { le, ...rest } = s.labels ?? {};
        const value = promNumber(s.value);
        if (suffix![1] === 'bucket') {
          if (le === undefined) continue;
          histogramOf(base, rest).buckets.set(promNumber(le), value);
        } else if (suffix![1] === 'sum') {
          histogramOf(base, rest).sum = value;
        } else {
          histogramOf(base, rest).count = value;
        }
      }
      continue;
    }
    const type = types.get(f.name) ?? (f.type.toLowerCase() as FamilyType);
    if (type === 'summary') continue;
    const t = type === 'counter' || type === 'gauge' ? type : 'untyped';
    const samples = f.metrics.map((s) => ({ labels: { ...(s.labels ?? {}) }, value: promNumber(s.value) })).filter((s) => !Number.isNaN(s.value));
    out.push({ name: f.name, type: t, samples });
  }
  for (const [name, fam] of histograms) {
    const list: HistogramSample[] = [];
    for (const h of fam.values()) {
      const le = [...h.buckets.keys()].filter((b) => !Number.isNaN(b)).sort((a, b) => a - b);
      if (le.length === 0) continue;
      const cumulative = le.map((b) => h.buckets.get(b) ?? 0);
      const inf = le[le.length - 1] === Infinity ? cumulative[cumulative.length - 1]! : undefined;
      const count = Number.isFinite(h.count) ? h.count : (inf ?? cumulative[cumulative.length - 1]!);
      if (inf === undefined) {
        le.push(Infinity);
        cumulative.push(count);
      }
      list.push({ labels: h.labels, le, cumulative, count, sum: Number.isFinite(h.sum) ? h.sum : NaN });
    }
    out.push({ name, type: 'histogram', histograms: list });
  }
  return out;
}
