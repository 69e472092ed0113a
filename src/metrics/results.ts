/**
 * Assembles the results document (`rookery/results@1`) from merged totals, and checks a document read back from
 * disk (report and compare load files through `validateResults`). Output is sorted deterministically, so equal
 * runs give byte-identical metric sections.
 */
import { compareSeries } from './labels.js';
import { summarize } from './summary.js';
import type { ErrorEntry, HealthSummary, Results, ResultsMeta, Series, Interval, ThresholdResult } from './model.js';
import { decodeResults, RESULTS_SCHEMA } from '../contract/results.js';

export interface BuildResultsInput {
  meta: ResultsMeta;
  /** Run totals, e.g. `Accumulator.totals()`. */
  totals: Interval;
  series: Series;
  thresholds: ThresholdResult[];
  health: HealthSummary;
  visual?: Results['visual'];
}

export function buildResults(input: BuildResultsInput): Results {
  const results: Results = {
    schema: RESULTS_SCHEMA,
    meta: input.meta,
    metrics: input.totals.histograms.map(summarize).sort(compareSeries),
    counters: input.totals.counters.map((c) => ({ name: c.name, labels: c.labels, value: c.value })).sort(compareSeries),
    errors: input.totals.errors.map(sortedError).sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)),
    series: input.series,
    thresholds: input.thresholds,
    health: input.health,
  };
  if (input.visual !== undefined) results.visual = input.visual;
  return results;
}

function sortedError(e: ErrorEntry): ErrorEntry {
  return { kind: e.kind, count: e.count, samples: [...e.samples].sort((a, b) => a.at - b.at) };
}

/**
 * Checks that `x` (parsed JSON) is a results document this version understands and returns it. Throws an Error
 * naming the first field that is wrong (e.g. `results.metrics[3].p95: expected a finite number, got the string
 * "12"`). The schema is src/contract/results.ts.
 */
export function validateResults(x: unknown): Results {
  return decodeResults(x);
}
