/**
 * Assembles the results document (`rookery/results@1`) from merged totals, and checks a document read back from
 * disk (report and compare load files through `validateResults`). Output is sorted deterministically, so equal
 * runs give byte-identical metric sections.
 */
import { compareSeries } from './labels.js';
import { summarize } from './summary.js';
import type { ErrorEntry, HealthSummary, Results, ResultsMeta, Series, Snapshot, ThresholdResult } from './model.js';
import { checkServerResults } from './server-results.js';
import { array, boolean, each, fail, labels, nullableNumber, number, numberRecord, object, ShapeError, string, stringRecord } from './shape.js';

export const RESULTS_SCHEMA = 'rookery/results@1';

export interface BuildResultsInput {
  meta: ResultsMeta;
  /** Run totals, e.g. `Accumulator.totals()`. */
  totals: Snapshot;
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
 * Checks that `x` (parsed JSON) is a results document this version understands. Throws an Error naming the first
 * field that is wrong (e.g. `results.metrics[3].p95: expected a finite number, got the string "12"`).
 */
export function validateResults(x: unknown): Results {
  const o = object(x, 'results');
  if (o.schema !== RESULTS_SCHEMA) {
    if (typeof o.schema === 'string' && o.schema.startsWith('rookery/results@')) {
      throw new Error(`results schema '${o.schema}' is not supported by this Rookery (it reads '${RESULTS_SCHEMA}')`);
    }
    throw new Error(`not a Rookery results file: schema is ${JSON.stringify(o.schema)}, expected '${RESULTS_SCHEMA}'`);
  }
  checkMeta(o.meta);
  each(o.metrics, 'results.metrics', (m, p) => {
    const e = object(m, p);
    string(e.name, `${p}.name`);
    labels(e.labels, `${p}.labels`);
    string(e.unit, `${p}.unit`);
    for (const f of ['count', 'min', 'mean', 'max', 'stddev', 'p50', 'p90', 'p95', 'p99', 'p999'] as const) number(e[f], `${p}.${f}`);
    string(e.hdr, `${p}.hdr`);
  });
  each(o.counters, 'results.counters', (c, p) => {
    const e = object(c, p);
    string(e.name, `${p}.name`);
    labels(e.labels, `${p}.labels`);
    number(e.value, `${p}.value`);
  });
  each(o.errors, 'results.errors', (c, p) => {
    const e = object(c, p);
    string(e.kind, `${p}.kind`);
    number(e.count, `${p}.count`);
    each(e.samples, `${p}.samples`, (s, sp) => {
      const sample = object(s, sp);
      string(sample.message, `${sp}.message`);
      number(sample.at, `${sp}.at`);
      if (sample.context !== undefined) object(sample.context, `${sp}.context`);
    });
  });
  checkSeries(o.series);
  each(o.thresholds, 'results.thresholds', (t, p) => {
    const e = object(t, p);
    string(e.expr, `${p}.expr`);
    boolean(e.pass, `${p}.pass`);
    if (e.actual !== undefined && e.actual !== null) number(e.actual, `${p}.actual`);
    string(e.detail, `${p}.detail`);
  });
  const h = object(o.health, 'results.health');
  boolean(h.saturated, 'results.health.saturated');
  each(h.reasons, 'results.health.reasons', string);
  number(h.eventLoopLagP99Ms, 'results.health.eventLoopLagP99Ms');
  number(h.eventLoopLagMaxMs, 'results.health.eventLoopLagMaxMs');
  numberRecord(h.cpuPeakPercent, 'results.health.cpuPeakPercent');
  numberRecord(h.rssPeakBytes, 'results.health.rssPeakBytes');
  number(h.cores, 'results.health.cores');
  if (o.server !== undefined) checkServerResults(o.server);
  if (h.notes !== undefined) each(h.notes, 'results.health.notes', string);
  if (h.probeFloorMs !== undefined) {
    const f = object(h.probeFloorMs, 'results.health.probeFloorMs');
    for (const k of ['p50', 'p95', 'count'] as const) number(f[k], `results.health.probeFloorMs.${k}`);
  }
  if (o.steady !== undefined) {
    const w = object(o.steady, 'results.steady');
    string(w.selector, 'results.steady.selector');
    for (const k of ['intervals', 'durationMs', 'excludedIntervals'] as const) number(w[k], `results.steady.${k}`);
    each(w.excluded, 'results.steady.excluded', (r, p) => {
      const e = object(r, p);
      for (const k of ['fromMs', 'toMs', 'intervals'] as const) number(e[k], `${p}.${k}`);
      string(e.phase, `${p}.phase`);
      each(e.reasons, `${p}.reasons`, string);
    });
    each(w.metrics, 'results.steady.metrics', (m, p) => {
      const e = object(m, p);
      string(e.name, `${p}.name`);
      labels(e.labels, `${p}.labels`);
      for (const f of ['count', 'p50', 'p95', 'p99'] as const) number(e[f], `${p}.${f}`);
      string(e.hdr, `${p}.hdr`);
    });
    each(w.counters, 'results.steady.counters', (c, p) => {
      const e = object(c, p);
      string(e.name, `${p}.name`);
      number(e.value, `${p}.value`);
    });
  }
  if (o.visual !== undefined) {
    const v = object(o.visual, 'results.visual');
    each(v.checkpoints, 'results.visual.checkpoints', (c, p) => {
      const e = object(c, p);
      string(e.name, `${p}.name`);
      number(e.snapshots, `${p}.snapshots`);
      number(e.mismatches, `${p}.mismatches`);
    });
  }
  return o as unknown as Results;
}

function checkMeta(x: unknown): void {
  const m = object(x, 'results.meta');
  const tool = object(m.tool, 'results.meta.tool');
  if (tool.name !== 'rookery') fail('results.meta.tool.name', "'rookery'", tool.name);
  string(tool.version, 'results.meta.tool.version');
  stringRecord(m.versions, 'results.meta.versions');
  for (const f of ['target', 'scenario', 'startedAt', 'endedAt'] as const) string(m[f], `results.meta.${f}`);
  number(m.durationMs, 'results.meta.durationMs');
  const machine = object(m.machine, 'results.meta.machine');
  for (const f of ['hostname', 'platform', 'arch', 'cpuModel', 'node'] as const) string(machine[f], `results.meta.machine.${f}`);
  number(machine.cpus, 'results.meta.machine.cpus');
  number(machine.memoryBytes, 'results.meta.machine.memoryBytes');
  string(object(m.load, 'results.meta.load').description, 'results.meta.load.description');
  if (m.variants !== undefined) each(m.variants, 'results.meta.variants', string);
  if (m.runners !== undefined) {
    each(m.runners, 'results.meta.runners', (r, p) => {
      const e = object(r, p);
      string(e.id, `${p}.id`);
      string(e.host, `${p}.host`);
      number(e.capacity, `${p}.capacity`);
      boolean(e.lost, `${p}.lost`);
    });
  }
  if (m.interrupted !== undefined) string(m.interrupted, 'results.meta.interrupted');
  if (m.variantMode !== undefined && m.variantMode !== 'interleaved' && m.variantMode !== 'sequential') fail('results.meta.variantMode', "'interleaved' or 'sequential'", m.variantMode);
  if (m.segments !== undefined) {
    each(m.segments, 'results.meta.segments', (s, p) => {
      const e = object(s, p);
      string(e.variant, `${p}.variant`);
      for (const f of ['startMs', 'holdEndMs', 'endMs'] as const) number(e[f], `${p}.${f}`);
    });
  }
}

function checkSeries(x: unknown): void {
  const s = object(x, 'results.series');
  number(s.intervalMs, 'results.series.intervalMs');
  const n = each(s.t, 'results.series.t', number).length;
  const sameLength = (arr: unknown[], path: string): void => {
    if (arr.length !== n) throw new ShapeError(`${path}: has ${arr.length} points, expected ${n} (as many as results.series.t)`);
  };
  each(s.latency, 'results.series.latency', (l, p) => {
    const e = object(l, p);
    string(e.name, `${p}.name`);
    labels(e.labels, `${p}.labels`);
    sameLength(each(e.count, `${p}.count`, number), `${p}.count`);
    for (const f of ['p50', 'p95', 'p99'] as const) sameLength(each(e[f], `${p}.${f}`, nullableNumber), `${p}.${f}`);
  });
  for (const field of ['counters', 'gauges'] as const) {
    each(s[field], `results.series.${field}`, (c, p) => {
      const e = object(c, p);
      string(e.name, `${p}.name`);
      labels(e.labels, `${p}.labels`);
      sameLength(array(e.values, `${p}.values`).map((v, i) => nullableNumber(v, `${p}.values[${i}]`)), `${p}.values`);
    });
  }
  if (s.phase !== undefined) sameLength(each(s.phase, 'results.series.phase', string), 'results.series.phase');
  if (s.stage !== undefined) sameLength(each(s.stage, 'results.series.stage', nullableNumber), 'results.series.stage');
  if (s.saturated !== undefined) sameLength(each(s.saturated, 'results.series.saturated', boolean), 'results.series.saturated');
}
