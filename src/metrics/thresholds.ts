/**
 * Pass/fail budgets over results, written like `lv_event_rtt_ms{event=inc}:p95<200`.
 *
 * Grammar: `<metric>[{<label>=<value>,…}]:<stat><op><number>`; values may be "double-quoted" (with \" and \\
 * escapes) to contain `,` `}` or spaces; ops `< <= > >= == !=`.
 * - Histograms: p50 p90 p95 p99 p999 min max mean stddev count rate; the number is in the metric's unit (ms,
 *   bytes, count).
 * - Counters: value (= count) and rate.
 * - `rate` is per second over the whole run (`meta.durationMs`, ramp-up included): samples or counter increments
 *   divided by the run's seconds.
 * - The label selector matches every series whose labels include all the given pairs; several matching
 *   histograms are added exactly (HDR) before the statistic is taken, several counters are summed.
 * - No matching histogram fails the threshold (there is nothing to judge). A counter with no matching series has
 *   not been incremented, so it is 0: `lv_errors:count==0` passes on a run without errors.
 * - Window selectors pick intervals instead of series: `phase=ramp|hold|ramp-down|setup|stop`, `stage=N` (1-based
 *   profile position) and `saturated=true|false|any`. With `phase` or `stage`, intervals where the harness was
 *   saturated (or that straddle a phase boundary) are left out unless `saturated` says otherwise, so
 *   `lv_event_rtt_ms{phase=hold}:p95<100` judges the steady state. `rate` is then per second of the selected
 *   intervals. Without a window selector a threshold judges the whole run (the default).
 */
import { roundTo } from '../common/round.js';
import { createHistogram, decodeHistogram, scaleOf } from './hdr.js';
import { formatSeries, metricInfo, metricNames, type MetricInfo } from './labels.js';
import { histogramStats, type HistogramStats } from './summary.js';
import type { Labels, Results, ThresholdResult } from './model.js';
import { INTERVAL_PHASES, type IntervalPhaseName, type IntervalSelector, type WindowFigures } from './windows.js';

/** Selector keys that choose intervals (phases, saturation), not series labels. */
export const WINDOW_KEYS = ['phase', 'stage', 'saturated'] as const;

/** Figures of the intervals a selector picks; undefined when per-interval data is not available. */
export type WindowResolver = (sel: IntervalSelector) => WindowFigures | undefined;

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export const HISTOGRAM_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'min', 'max', 'mean', 'stddev', 'count', 'rate'] as const;
export const COUNTER_STATS = ['value', 'count', 'rate'] as const;
export type ThresholdStat = (typeof HISTOGRAM_STATS)[number] | (typeof COUNTER_STATS)[number];

export interface Threshold {
  /** As written. */
  expr: string;
  metric: string;
  kind: 'histogram' | 'counter';
  /** Label pairs a series must have. */
  labels: Labels;
  stat: ThresholdStat;
  op: ThresholdOp;
  value: number;
  /** Intervals to judge (from `phase`/`stage`/`saturated` in the selector); absent = the whole run. */
  window?: IntervalSelector;
}

export class ThresholdError extends Error {
  override name = 'ThresholdError';
}

const OPS: readonly ThresholdOp[] = ['<=', '>=', '==', '!=', '<', '>'];
const EXAMPLE = 'lv_event_rtt_ms{event=inc}:p95<200';
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parseThreshold(expr: string): Threshold {
  const bad = (why: string): never => {
    throw new ThresholdError(`threshold '${expr}': ${why} (expected <metric>{label=value,…}:<stat><op><number>, e.g. ${EXAMPLE})`);
  };
  let i = 0;
  const skipSpace = (): void => {
    while (i < expr.length && /\s/.test(expr[i] as string)) i++;
  };
  const ident = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i));
    if (m === null) return '';
    i += m[0].length;
    return m[0];
  };

  skipSpace();
  const metric = ident();
  if (metric === '') bad('missing metric name');
  const info = metricInfo(metric);
  if (info === undefined) {
    throw new ThresholdError(`threshold '${expr}': unknown metric '${metric}'${suggest(metric, metricNames())}`);
  }
  if (info.kind === 'gauge') throw new ThresholdError(`threshold '${expr}': ${metric} is a gauge; thresholds apply to histograms and counters`);

  skipSpace();
  const labels: Record<string, string> = {};
  const window: IntervalSelector = {};
  if (expr[i] === '{') {
    i++;
    skipSpace();
    while (expr[i] !== '}') {
      const key = ident();
      if (key === '') bad(`expected a label name at position ${i + 1}`);
      const isWindow = !info.labelKeys.includes(key) && (WINDOW_KEYS as readonly string[]).includes(key);
      if (!info.labelKeys.includes(key) && !isWindow) {
        const keys = [...info.labelKeys, ...WINDOW_KEYS];
        throw new ThresholdError(`threshold '${expr}': '${key}' is not a label of ${metric} (labels: ${info.labelKeys.join(', ')})${suggest(key, keys)}`);
      }
      skipSpace();
      if (expr[i] !== '=') bad(`expected '=' after label '${key}'`);
      i++;
      skipSpace();
      const value = expr[i] === '"' ? quoted() : unquoted();
      if (isWindow) windowPart(key, value);
      else labels[key] = value;
      skipSpace();
      if (expr[i] === ',') {
        i++;
        skipSpace();
      } else if (expr[i] !== '}') {
        bad(i >= expr.length ? "missing '}'" : `expected ',' or '}' at position ${i + 1}`);
      }
    }
    i++;
    skipSpace();
  }
  if (expr[i] !== ':') bad(`expected ':' after ${metric}${Object.keys(labels).length > 0 ? '{…}' : ''}`);
  i++;
  skipSpace();
  const stat = ident();
  if (stat === '') bad("missing statistic after ':'");
  const stats: readonly string[] = info.kind === 'histogram' ? HISTOGRAM_STATS : COUNTER_STATS;
  if (!stats.includes(stat)) {
    throw new ThresholdError(`threshold '${expr}': unknown statistic '${stat}' for ${info.kind} ${metric} (use one of ${stats.join(', ')})${suggest(stat, stats)}`);
  }
  skipSpace();
  const op = OPS.find((o) => expr.startsWith(o, i));
  if (op === undefined) bad(`expected an operator (${OPS.join(' ')}) after '${stat}'`);
  i += (op as ThresholdOp).length;
  const rest = expr.slice(i).trim();
  if (!NUMBER.test(rest)) bad(rest === '' ? 'missing number' : `'${rest}' is not a number`);
  const parsed: Threshold = { expr, metric, kind: info.kind, labels, stat: stat as ThresholdStat, op: op as ThresholdOp, value: Number(rest) };
  if (Object.keys(window).length > 0) parsed.window = window;
  return parsed;

  function windowPart(key: string, value: string): void {
    if (key === 'phase') {
      if (!(INTERVAL_PHASES as readonly string[]).includes(value)) {
        throw new ThresholdError(`threshold '${expr}': phase must be one of ${INTERVAL_PHASES.join(', ')}, got '${value}'${suggest(value, INTERVAL_PHASES)}`);
      }
      window.phase = value as IntervalPhaseName;
    } else if (key === 'stage') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new ThresholdError(`threshold '${expr}': stage must be a whole number ≥ 1 (the profile's stages count from 1), got '${value}'`);
      window.stage = n;
    } else {
      if (value !== 'true' && value !== 'false' && value !== 'any') throw new ThresholdError(`threshold '${expr}': saturated must be true, false or any, got '${value}'`);
      window.saturated = value === 'any' ? 'any' : value === 'true';
    }
  }

  function quoted(): string {
    i++;
    let out = '';
    while (i < expr.length && expr[i] !== '"') {
      if (expr[i] === '\\' && i + 1 < expr.length) i++;
      out += expr[i];
      i++;
    }
    if (expr[i] !== '"') bad('unterminated quoted label value');
    i++;
    return out;
  }
  function unquoted(): string {
    const start = i;
    while (i < expr.length && expr[i] !== ',' && expr[i] !== '}') i++;
    return expr.slice(start, i).trim();
  }
}

/** Parses and evaluates each expression (throws ThresholdError on a bad one: validate them before the run). */
export function evaluateThresholds(exprs: readonly string[], results: Pick<Results, 'metrics' | 'counters' | 'meta'>, windows?: WindowResolver): ThresholdResult[] {
  return exprs.map((e) => evaluateThreshold(parseThreshold(e), results, windows));
}

export function evaluateThreshold(t: Threshold, results: Pick<Results, 'metrics' | 'counters' | 'meta'>, windows?: WindowResolver): ThresholdResult {
  if (t.window !== undefined) {
    const w = windows?.(t.window);
    if (w === undefined) return { expr: t.expr, pass: false, actual: undefined, detail: 'interval selectors (phase, stage, saturated) need the run\'s per-interval data, which is not available here' };
    const left = w.excludedIntervals > 0 ? `, ${w.excludedIntervals} left out (${[...new Set(w.excluded.flatMap((r) => r.reasons.map((x) => x.replace(/ \d+ ms$/, ''))))].join(', ')})` : '';
    const where = `in ${w.selector}: ${plural(w.intervals, 'interval', 'intervals')}${left}`;
    if (w.intervals === 0) return { expr: t.expr, pass: false, actual: undefined, detail: `no interval matched ${where}` };
    const r = evaluateThreshold({ ...t, window: undefined } as Threshold, { metrics: w.metrics, counters: w.counters, meta: { ...results.meta, durationMs: w.durationMs } });
    return { ...r, detail: `${r.detail} (${where})` };
  }
  const seconds = results.meta.durationMs / 1000;
  const selector = formatSeries(t.metric, t.labels);
  const limit = `must be ${t.op} ${t.value}`;
  const info = metricInfo(t.metric) as MetricInfo;
  const unit = t.stat === 'rate' ? '/s' : t.stat === 'count' || t.stat === 'value' ? '' : ` ${info.spec.unit}`;
  const judge = (actual: number, over: string): ThresholdResult => {
    const pass = compare(actual, t.op, t.value);
    return { expr: t.expr, pass, actual, detail: `${t.stat} = ${fmt(actual)}${unit} ${over}; ${limit}` };
  };
  const noRate = (): ThresholdResult => ({ expr: t.expr, pass: false, actual: undefined, detail: `rate needs the run duration, but meta.durationMs is ${results.meta.durationMs}` });

  if (t.kind === 'counter') {
    const matched = results.counters.filter((c) => c.name === t.metric && matches(c.labels, t.labels));
    const total = matched.reduce((sum, c) => sum + c.value, 0);
    const over = matched.length === 0 ? `(no ${selector} series: counted as 0)` : `over ${plural(matched.length, 'series', 'series')} of ${selector}`;
    if (t.stat === 'rate') return seconds > 0 ? judge(total / seconds, over) : noRate();
    return judge(total, over);
  }

  const matched = results.metrics.filter((m) => m.name === t.metric && matches(m.labels, t.labels));
  if (matched.length === 0) {
    const seen = results.metrics.filter((m) => m.name === t.metric).map((m) => formatSeries(m.name, m.labels));
    const hint = seen.length === 0 ? `no ${t.metric} was recorded` : `recorded: ${seen.slice(0, 5).join(', ')}${seen.length > 5 ? `, … (${seen.length})` : ''}`;
    return { expr: t.expr, pass: false, actual: undefined, detail: `no series matched ${selector} (${hint})` };
  }
  const h = createHistogram();
  for (const m of matched) h.add(decodeHistogram(m.hdr));
  const stats = histogramStats(h, scaleOf(t.metric));
  const over = `over ${plural(matched.length, 'series', 'series')} of ${selector}, ${plural(stats.count, 'sample', 'samples')}`;
  if (t.stat === 'rate') return seconds > 0 ? judge(stats.count / seconds, over) : noRate();
  return judge(stats[t.stat as keyof HistogramStats], over);
}

function matches(labels: Labels, selector: Labels): boolean {
  for (const [k, v] of Object.entries(selector)) if ((labels[k] ?? '') !== v) return false;
  return true;
}

function compare(a: number, op: ThresholdOp, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(roundTo(x, 3));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** ` — did you mean 'x'?` when a known word is within a small edit distance. */
function suggest(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // Allow roughly one typo per three characters, and always catch a missing unit suffix (lv_event_rtt → …_ms).
  const close = best !== undefined && (bestDistance <= Math.max(2, Math.floor(word.length / 3)) || best.startsWith(word));
  return close ? ` — did you mean '${best}'?` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
