/**
 * Live metrics in the Prometheus text format, for Grafana (docs/grafana-dashboard.json) or any scraper, while a run
 * goes. It reads what the progress line reads — the latest interval plus the run's status — and the run's
 * totals, and names everything after the metric catalogue with a `rookery_` prefix and the results' labels:
 * - histograms: `rookery_<name>{…labels, quantile}` gauges holding the latest interval's p50/p90/p95/p99/max
 *   (quantile "1"), and `rookery_<name>_interval_count`; a series without records in that interval is absent;
 * - counters: `rookery_<name>_total`, the run's totals so far (exact merges, like results.json);
 * - gauges (`users_*`, `harness_*`) as `rookery_<name>`, plus `rookery_harness_saturated`, the run's clock, runner
 *   counts and `rookery_errors_total{kind}`.
 *
 * prom-client writes the exposition (escaping of label values such as view paths, HELP/TYPE lines, content type):
 * the values come from our snapshots, so every metric is reset and set from them at each scrape.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { COUNTERS, GAUGES, HISTOGRAMS, type MetricSpec } from '../metrics/catalog.js';
import { MetricHistogram, scaleOf } from '../metrics/hdr.js';
import { COMMON_LABELS } from '../metrics/labels.js';
import type { Labels } from '../metrics/model.js';
import type { ProgressState } from './progress.js';

export const METRIC_PREFIX = 'rookery_';

/** Quantile label values and the percentile each reads; "1" is the interval's maximum. */
const QUANTILES: ReadonlyArray<readonly [string, number]> = [['0.5', 50], ['0.9', 90], ['0.95', 95], ['0.99', 99], ['1', 100]];

export class LiveMetrics {
  readonly registry = new Registry();
  private state: ProgressState | undefined;
  private readonly quantiles = new Map<string, Gauge>();
  private readonly intervalCounts = new Map<string, Gauge>();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly errors: Counter;
  private readonly run: {
    elapsed: Gauge;
    planned: Gauge;
    saturated: Gauge;
    runnersLive: Gauge;
    runnersTotal: Gauge;
    iterationsDropped: Gauge;
  };

  constructor() {
    const r = [this.registry];
    for (const [name, spec] of Object.entries(HISTOGRAMS) as Array<[string, MetricSpec]>) {
      const labelNames = [...spec.labels, ...(spec.optionalLabels ?? []), ...COMMON_LABELS];
      this.quantiles.set(name, new Gauge({ name: `${METRIC_PREFIX}${name}`, help: `${spec.help}; latest interval's quantiles (1 = max)`, labelNames: [...labelNames, 'quantile'], registers: r }));
      this.intervalCounts.set(name, new Gauge({ name: `${METRIC_PREFIX}${name}_interval_count`, help: `${spec.help}; records in the latest interval`, labelNames, registers: r }));
    }
    for (const [name, spec] of Object.entries(COUNTERS) as Array<[string, MetricSpec]>) {
      this.counters.set(name, new Counter({ name: `${METRIC_PREFIX}${name}_total`, help: `${spec.help}; run total so far`, labelNames: [...spec.labels, ...(spec.optionalLabels ?? []), ...COMMON_LABELS], registers: r }));
    }
    for (const [name, spec] of Object.entries(GAUGES) as Array<[string, MetricSpec]>) {
      if (name === 'harness_saturated') continue; // exported below from the live state (run.saturated)
      this.gauges.set(name, new Gauge({ name: `${METRIC_PREFIX}${name}`, help: spec.help, labelNames: [...spec.labels, ...(spec.optionalLabels ?? []), ...COMMON_LABELS], registers: r }));
    }
    this.errors = new Counter({ name: `${METRIC_PREFIX}errors_total`, help: 'Errors by kind (results.json errors), run total so far', labelNames: ['kind'], registers: r });
    this.run = {
      elapsed: new Gauge({ name: `${METRIC_PREFIX}run_elapsed_seconds`, help: 'Time since the run started', registers: r }),
      planned: new Gauge({ name: `${METRIC_PREFIX}run_planned_seconds`, help: 'Planned length of the run (load profile)', registers: r }),
      saturated: new Gauge({ name: `${METRIC_PREFIX}harness_saturated`, help: '1 while the load generator itself looks saturated (results suspect), else 0', registers: r }),
      runnersLive: new Gauge({ name: `${METRIC_PREFIX}runners_live`, help: 'Distributed runs: runners running now', registers: r }),
      runnersTotal: new Gauge({ name: `${METRIC_PREFIX}runners_total`, help: 'Distributed runs: runners given a share of the run', registers: r }),
      iterationsDropped: new Gauge({ name: `${METRIC_PREFIX}iterations_dropped`, help: 'Open model: arrivals dropped so far because maxInFlight iterations were running', registers: r }),
    };
  }

  /** The latest state; call once per interval (the progress callback). */
  update(state: ProgressState): void {
    this.state = state;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for one scrape. */
  async render(): Promise<string> {
    this.registry.resetMetrics();
    const state = this.state;
    if (state) this.fill(state);
    return this.registry.metrics();
  }

  private fill(progress: ProgressState): void {
    this.run.elapsed.set(progress.elapsedMs / 1000);
    this.run.planned.set(progress.totalMs / 1000);
    this.run.saturated.set(progress.saturated ? 1 : 0);
    this.run.iterationsDropped.set(progress.dropped);
    if (progress.runners) {
      this.run.runnersLive.set(progress.runners.live);
      this.run.runnersTotal.set(progress.runners.total);
    }
    const interval = progress.interval;
    for (const h of interval?.histograms ?? []) {
      const q = this.quantiles.get(h.name);
      const n = this.intervalCounts.get(h.name);
      if (!q || !n) continue;
      const hist = MetricHistogram.decode(h.hdr, scaleOf(h.name));
      if (hist.count === 0) continue;
      for (const [quantile, p] of QUANTILES) q.set({ ...h.labels, quantile }, hist.percentile(p));
      n.set(plain(h.labels), hist.count);
    }
    for (const g of interval?.gauges ?? []) this.gauges.get(g.name)?.set(plain(g.labels), g.value);
    // The status is newer than the interval's last reading, and is what the progress line shows.
    this.gauges.get('users_active')?.set(progress.active);
    this.gauges.get('users_target')?.set(progress.target);
    if (progress.totals) {
      const t = progress.totals();
      for (const c of t.counters) this.counters.get(c.name)?.inc(plain(c.labels), c.value);
      const byKind = new Map<string, number>();
      for (const e of t.errors) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + e.count);
      for (const [kind, count] of byKind) this.errors.inc({ kind }, count);
    }
  }
}

function plain(labels: Labels): Record<string, string> {
  return { ...labels };
}
