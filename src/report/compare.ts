/**
 * A/B comparison of two runs (or two variants of one run), per metric and labels, with an honest verdict.
 *
 * Verdict rule (documented in the README and in every compare output): a difference is called only when it is
 * BOTH statistically significant AND practically relevant —
 *   1. Mann–Whitney U over the HDR buckets (ties handled), two-sided p < `alpha` (default 0.01);
 *   2. |Cliff's δ| ≥ `minCliffsDelta` (default 0.147, the "small effect" bound);
 *   3. the median moved by ≥ `minChangePct` (default 5 %) of A's — the mean when the medians tie, as happens
 *      for discrete metrics such as stream ops;
 *   4. for time metrics, the median moved by ≥ `minAbsDiff.ms` (default 0.5 ms, below scheduler jitter on a
 *      shared machine);
 *   5. each side has ≥ `minSamples` samples (default 20).
 * Anything else is "no clear difference". With thousands of samples, a rank test alone flags tiny shifts that
 * are just machine noise between two runs, and samples from one run are correlated in time; the effect-size
 * gates are what keep two runs of the same scenario from "differing".
 */
import { HISTOGRAMS } from '../metrics/catalog.js';
import { decodeHistogram, encodeHistogram, createHistogram } from '../metrics/hdr.js';
import { summarize } from '../metrics/summary.js';
import type { Labels, MetricSummary, Results } from '../metrics/model.js';
import { decodeDistribution, meanOf, valueAtPercentile, type Distribution } from './distribution.js';
import { formatP, formatPercentChange, metricKey, withoutLabel } from './format.js';
import { bootstrapMedianDiff, rankTest, type RankTest } from './significance.js';
import { compareServerRuns, compareServerVariants, type ServerComparison } from '../server-metrics/analysis.js';

export interface CompareCriteria {
  alpha: number;
  minCliffsDelta: number;
  minChangePct: number;
  /** Minimum absolute median change, per unit (`ms`, `bytes`, `count`). */
  minAbsDiff: Readonly<Record<string, number>>;
  minSamples: number;
}

export const DEFAULT_CRITERIA: CompareCriteria = {
  alpha: 0.01,
  minCliffsDelta: 0.147,
  minChangePct: 5,
  minAbsDiff: { ms: 0.5 },
  minSamples: 20,
};

export interface CompareOptions extends Partial<CompareCriteria> {
  /** Display names of the two sides (default: the scenario names, or `A`/`B` when equal). */
  names?: [string, string];
  /** Bootstrap resamples for the median-difference CI (0 disables it). */
  resamples?: number;
  seed?: number;
}

export interface SideInfo {
  name: string;
  scenario: string;
  target: string;
  startedAt: string;
  durationMs: number;
  load: string;
}

export interface SideStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export interface Difference {
  abs: number;
  /** Relative to A; null when A is zero. */
  pct: number | null;
}

export type Direction = 'a-lower' | 'b-lower' | 'none';

export interface Verdict {
  direction: Direction;
  /** `B faster`, `A smaller`, `no clear difference`, … */
  text: string;
  /** Why: the numbers behind the call. */
  detail: string;
}

export interface MetricComparison {
  key: string;
  name: string;
  labels: Labels;
  unit: string;
  a: SideStats;
  b: SideStats;
  diff: { p50: Difference; p95: Difference; p99: Difference; mean: Difference };
  test: (RankTest & { medianDiffCi: [number, number] | null }) | null;
  verdict: Verdict;
}

export interface CounterComparison {
  key: string;
  name: string;
  labels: Labels;
  a: number;
  b: number;
  /** Per second of run time (runs may differ in length). */
  aRate: number;
  bRate: number;
  rateDiffPct: number | null;
}

export interface Comparison {
  schema: 'rookery/comparison@1';
  a: SideInfo;
  b: SideInfo;
  criteria: CompareCriteria;
  metrics: MetricComparison[];
  counters: CounterComparison[];
  errors: { a: number; b: number };
  /** Metric keys present on one side only (not compared). */
  onlyInA: string[];
  onlyInB: string[];
  /** Server metrics side by side (when a run scraped them): time split per action, memory per LiveView. */
  server?: ServerComparison;
}

function difference(a: number, b: number): Difference {
  return { abs: b - a, pct: a === 0 ? (b === 0 ? 0 : null) : ((b - a) / Math.abs(a)) * 100 };
}

function sideStats(m: MetricSummary): SideStats {
  return { count: m.count, p50: m.p50, p95: m.p95, p99: m.p99, mean: m.mean, max: m.max };
}

function lowerWord(unit: string): string {
  if (unit === 'ms') return 'faster';
  if (unit === 'bytes') return 'smaller';
  return 'lower';
}

function decodeOrEmpty(m: MetricSummary): Distribution {
  try {
    return decodeDistribution(m.hdr, m.unit);
  } catch {
    return decodeDistribution('', m.unit);
  }
}

/** Applies the verdict rule (see the module comment) to two distributions of one metric. */
export function judge(
  distA: Distribution,
  distB: Distribution,
  unit: string,
  names: [string, string],
  criteria: CompareCriteria,
  bootstrap: { resamples: number; seed: number },
): { test: MetricComparison['test']; verdict: Verdict } {
  const none = (detail: string): Verdict => ({ direction: 'none', text: 'no clear difference', detail });
  if (distA.total < criteria.minSamples || distB.total < criteria.minSamples) {
    return { test: null, verdict: none(`too few samples (n=${distA.total} vs ${distB.total}; need ${criteria.minSamples})`) };
  }
  const rank = rankTest(distA.buckets, distB.buckets);
  const ci = bootstrap.resamples > 0 ? bootstrapMedianDiff(distA.buckets, distB.buckets, bootstrap) : null;
  const test = { ...rank, medianDiffCi: ci };

  const medA = valueAtPercentile(distA, 50) ?? 0;
  const medB = valueAtPercentile(distB, 50) ?? 0;
  const useMean = medA === medB;
  const locA = useMean ? (meanOf(distA) ?? 0) : medA;
  const locB = useMean ? (meanOf(distB) ?? 0) : medB;
  const change = difference(locA, locB);
  const changePct = change.pct ?? (change.abs === 0 ? 0 : Infinity);
  const what = useMean ? 'mean' : 'median';
  // δ > 0 means A tends to be larger, i.e. B is lower.
  const bLower = rank.cliffsDelta > 0;
  const numbers = `${what} ${formatPercentChange(change.pct)}, δ=${rank.cliffsDelta.toFixed(2)}, ${formatP(rank.p)}`;

  if (!(rank.p < criteria.alpha)) return { test, verdict: none(`not significant (${numbers})`) };
  if (Math.abs(rank.cliffsDelta) < criteria.minCliffsDelta) {
    return { test, verdict: none(`negligible effect, |δ| < ${criteria.minCliffsDelta} (${numbers})`) };
  }
  if (Math.abs(changePct) < criteria.minChangePct) {
    return { test, verdict: none(`${what} moved < ${criteria.minChangePct} % (${numbers})`) };
  }
  const minAbs = criteria.minAbsDiff[unit] ?? 0;
  if (Math.abs(change.abs) < minAbs) {
    return { test, verdict: none(`${what} moved < ${minAbs} ${unit} (${numbers})`) };
  }
  // Direction from δ and from the location change must agree; if not, the shape changed, not the level.
  if (bLower !== change.abs < 0) {
    return { test, verdict: none(`distributions differ in shape, not clearly in level (${numbers})`) };
  }
  const winner = bLower ? names[1] : names[0];
  return { test, verdict: { direction: bLower ? 'b-lower' : 'a-lower', text: `${winner} ${lowerWord(unit)}`, detail: numbers } };
}

const CATALOG_ORDER = new Map(Object.keys(HISTOGRAMS).map((name, i) => [name, i]));

function byCatalogThenKey(x: { name: string; key: string }, y: { name: string; key: string }): number {
  const ox = CATALOG_ORDER.get(x.name) ?? Number.MAX_SAFE_INTEGER;
  const oy = CATALOG_ORDER.get(y.name) ?? Number.MAX_SAFE_INTEGER;
  if (ox !== oy) return ox - oy;
  return x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
}

interface Side {
  info: SideInfo;
  metrics: Map<string, MetricSummary>;
  counters: Map<string, { name: string; labels: Labels; value: number }>;
  errors: number;
}

function sideInfo(r: Results, name: string): SideInfo {
  return {
    name,
    scenario: r.meta.scenario,
    target: r.meta.target,
    startedAt: r.meta.startedAt,
    durationMs: r.meta.durationMs,
    load: r.meta.load.description,
  };
}

function compareSides(a: Side, b: Side, opts: CompareOptions): Comparison {
  const criteria: CompareCriteria = {
    alpha: opts.alpha ?? DEFAULT_CRITERIA.alpha,
    minCliffsDelta: opts.minCliffsDelta ?? DEFAULT_CRITERIA.minCliffsDelta,
    minChangePct: opts.minChangePct ?? DEFAULT_CRITERIA.minChangePct,
    minAbsDiff: { ...DEFAULT_CRITERIA.minAbsDiff, ...opts.minAbsDiff },
    minSamples: opts.minSamples ?? DEFAULT_CRITERIA.minSamples,
  };
  const names: [string, string] = [a.info.name, b.info.name];
  const bootstrap = { resamples: opts.resamples ?? 2000, seed: opts.seed ?? 0x5eed };

  const metrics: MetricComparison[] = [];
  for (const [key, ma] of a.metrics) {
    const mb = b.metrics.get(key);
    if (!mb) continue;
    const { test, verdict } = judge(decodeOrEmpty(ma), decodeOrEmpty(mb), ma.unit, names, criteria, bootstrap);
    metrics.push({
      key,
      name: ma.name,
      // Paired by action: the event is shown only when both sides call it the same.
      labels: ma.labels.event === mb.labels.event ? ma.labels : withoutLabel(ma.labels, 'event'),
      unit: ma.unit,
      a: sideStats(ma),
      b: sideStats(mb),
      diff: {
        p50: difference(ma.p50, mb.p50),
        p95: difference(ma.p95, mb.p95),
        p99: difference(ma.p99, mb.p99),
        mean: difference(ma.mean, mb.mean),
      },
      test,
      verdict,
    });
  }
  metrics.sort(byCatalogThenKey);

  const secA = Math.max(a.info.durationMs, 1) / 1000;
  const secB = Math.max(b.info.durationMs, 1) / 1000;
  const counterKeys = new Set([...a.counters.keys(), ...b.counters.keys()]);
  const counters: CounterComparison[] = [...counterKeys]
    .map((key) => {
      const ca = a.counters.get(key);
      const cb = b.counters.get(key);
      const base = (ca ?? cb)!;
      const av = ca?.value ?? 0;
      const bv = cb?.value ?? 0;
      const aRate = av / secA;
      const bRate = bv / secB;
      const labels = ca && cb && ca.labels.event !== cb.labels.event ? withoutLabel(base.labels, 'event') : base.labels;
      return { key, name: base.name, labels, a: av, b: bv, aRate, bRate, rateDiffPct: difference(aRate, bRate).pct };
    })
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));

  return {
    schema: 'rookery/comparison@1',
    a: a.info,
    b: b.info,
    criteria,
    metrics,
    counters,
    errors: { a: a.errors, b: b.errors },
    onlyInA: [...a.metrics.keys()].filter((k) => !b.metrics.has(k)).sort(),
    onlyInB: [...b.metrics.keys()].filter((k) => !a.metrics.has(k)).sort(),
  };
}

function defaultNames(a: Results, b: Results): [string, string] {
  if (a.meta.scenario !== b.meta.scenario) return [a.meta.scenario, b.meta.scenario];
  return ['A', 'B'];
}

/**
 * Per-event series are paired by `action`, not by event name: variants (or two versions of an app) often name
 * the same user action differently (`append` vs `add`), and the action is what the scenario says it compares.
 * Results written before actions existed have no `action` label and keep pairing by event.
 */
function byAction(labels: Labels): Labels {
  return labels.action === undefined ? labels : withoutLabel(labels, 'event');
}

/**
 * One side: the series `keep` selects, keyed by `keyLabels`; series that collide are merged exactly. A series
 * paired by action keeps its `event` label for display while every merged series had the same event.
 */
function collectSide(r: Results, name: string, keep: (labels: Labels) => boolean, keyLabels: (labels: Labels) => Labels): Side {
  const display = (labels: Labels, key: Labels, prev: Labels | undefined): Labels => {
    const event = labels.event;
    if (event === undefined || key.event !== undefined) return key;
    if (prev !== undefined && prev.event !== event) return key;
    return { ...key, event };
  };
  const metrics = new Map<string, MetricSummary>();
  for (const m of r.metrics) {
    if (!keep(m.labels)) continue;
    const labels = keyLabels(m.labels);
    const key = metricKey(m.name, labels);
    const prev = metrics.get(key);
    const shown = display(m.labels, labels, prev?.labels);
    metrics.set(key, prev ? mergeSummaries(prev, m, shown) : { ...m, labels: shown });
  }
  const counters = new Map<string, { name: string; labels: Labels; value: number }>();
  for (const c of r.counters) {
    if (!keep(c.labels)) continue;
    const labels = keyLabels(c.labels);
    const key = metricKey(c.name, labels);
    const prev = counters.get(key);
    counters.set(key, { name: c.name, labels: display(c.labels, labels, prev?.labels), value: (prev?.value ?? 0) + c.value });
  }
  return { info: sideInfo(r, name), metrics, counters, errors: r.errors.reduce((s, e) => s + e.count, 0) };
}

/** Two runs: every metric+labels present in both, side by side with a verdict. */
export function compareResults(a: Results, b: Results, opts: CompareOptions = {}): Comparison {
  const names = opts.names ?? defaultNames(a, b);
  const all = (): boolean => true;
  const c = compareSides(collectSide(a, names[0], all, byAction), collectSide(b, names[1], all, byAction), opts);
  const server = compareServerRuns(a, b, names);
  return server ? { ...c, server } : c;
}

/** Variant names present in a run: `meta.variants` in order, else any `variant` labels seen. */
export function variantsOf(r: Results): string[] {
  if (r.meta.variants && r.meta.variants.length > 0) return [...r.meta.variants];
  const seen = new Set<string>();
  for (const m of r.metrics) if (m.labels.variant !== undefined) seen.add(m.labels.variant);
  return [...seen].sort();
}

/**
 * Two variants of one run (metrics labelled `variant`), compared per metric and remaining labels. Defaults to
 * the first two variants; error counts cannot be split by variant and are reported for the whole run.
 */
export function compareVariants(results: Results, opts: CompareOptions & { a?: string; b?: string } = {}): Comparison {
  const variants = variantsOf(results);
  const va = opts.a ?? variants[0];
  const vb = opts.b ?? variants.find((v) => v !== va);
  if (va === undefined || vb === undefined) {
    throw new Error(`results have fewer than two variants (found: ${variants.join(', ') || 'none'})`);
  }
  // Variants that live on different routes (/stream vs /list) differ in `view` by design: then `view` is part
  // of the variant, dropped from the key, and series that collide are merged exactly.
  const viewsOf = (v: string) => new Set(results.metrics.filter((m) => m.labels.variant === v).map((m) => m.labels.view));
  const viewsA = viewsOf(va);
  const foldView = [...viewsOf(vb)].every((view) => view === undefined || !viewsA.has(view));
  const keyLabels = (labels: Labels): Labels => {
    const l = byAction(withoutLabel(labels, 'variant'));
    return foldView ? withoutLabel(l, 'view') : l;
  };
  const side = (variant: string): Side => collectSide(results, variant, (l) => l.variant === variant, keyLabels);
  const c = compareSides(side(va), side(vb), opts);
  const server = compareServerVariants(results, va, vb);
  return server ? { ...c, server } : c;
}

/** Two summaries of one metric merged exactly through their HDR distributions. */
function mergeSummaries(a: MetricSummary, b: MetricSummary, labels: Labels): MetricSummary {
  const h = createHistogram();
  h.add(decodeHistogram(a.hdr));
  h.add(decodeHistogram(b.hdr));
  return summarize({ name: a.name, labels, hdr: encodeHistogram(h) });
}
