/**
 * Live metrics (Prometheus text format): the exposition carries the latest interval's quantiles exactly as HDR
 * reads them, run totals for counters, users and harness health, labelled like the results (escaped); and the
 * Grafana dashboard in docs/ queries only metric names the exporter really writes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LiveMetrics } from '../../src/report/prometheus.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import { decodeHistogram } from '../../src/metrics/hdr.js';
import type { ProgressState } from '../../src/report/progress.js';
import type { Interval } from '../../src/metrics/model.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format: every line is a comment or `name{labels} value`. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    const body = m[2] ?? '';
    let lm: RegExpExecArray | null;
    let consumed = 0;
    while ((lm = re.exec(body))) {
      labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = re.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${line}`);
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

function pick(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** Two intervals of a small run through the real registry and accumulator. */
function state(): { progress: ProgressState; interval: Interval; totals: Interval } {
  const reg = new MetricsRegistry({ startedAt: 0 });
  const acc = new Accumulator({ startedAt: 0, intervalMs: 1000 });
  const odd = '/items/"quoted"\\path';
  reg.record('lv_event_rtt_ms', { event: 'inc', view: '/counter' }, 100);
  reg.count('lv_events', { event: 'inc', view: '/counter' }, 3);
  reg.count('iterations', { result: 'ok' }, 2);
  reg.error('user.timeout', 'slow');
  acc.add(reg.takeInterval(1000));
  for (let i = 1; i <= 100; i++) reg.record('lv_event_rtt_ms', { event: 'inc', view: '/counter' }, i);
  reg.record('lv_mount_ms', { view: odd, variant: 'b' }, 42.5);
  reg.record('harness_event_loop_lag_ms', {}, 12);
  reg.count('lv_events', { event: 'inc', view: '/counter' }, 100);
  reg.count('lv_errors', { kind: 'disconnect' });
  reg.error('user.timeout', 'slow again');
  reg.gauge('harness_cpu_percent', { process: 'node' }, 37.5);
  reg.gauge('harness_rss_bytes', { process: 'chromium' }, 1_000_000);
  const interval = reg.takeInterval(2000);
  acc.add(interval);
  const progress: ProgressState = {
    elapsedMs: 2000,
    totalMs: 60_000,
    active: 7,
    target: 10,
    iterations: 2,
    errors: 2,
    dropped: 0,
    interval,
    health: undefined,
    saturated: true,
    runners: { live: 2, total: 3 },
    totals: () => acc.totals(),
  };
  return { progress, interval, totals: acc.totals() };
}

describe('LiveMetrics', () => {
  it('writes the latest interval\'s quantiles, run totals, users and health, labelled like the results', async () => {
    const live = new LiveMetrics();
    const { progress, interval } = state();
    live.update(progress);
    const { samples, types } = parse(await live.render());
    expect(live.contentType).toMatch(/^text\/plain; version=0\.0\.4/);

    const rtt = decodeHistogram(interval.histograms.find((h) => h.name === 'lv_event_rtt_ms')!.hdr);
    const q = (quantile: string) => pick(samples, 'rookery_lv_event_rtt_ms', { event: 'inc', view: '/counter', quantile });
    expect(q('0.95').map((s) => s.value)).toEqual([rtt.getValueAtPercentile(95) / 1000]);
    expect(q('0.5')[0]!.value).toBe(rtt.getValueAtPercentile(50) / 1000);
    expect(q('1')[0]!.value).toBe(rtt.getValueAtPercentile(100) / 1000);
    // Only the latest interval: the first interval's 100 ms record is not in it.
    expect(q('1')[0]!.value).toBeLessThan(100.1);
    expect(pick(samples, 'rookery_lv_event_rtt_ms_interval_count', { event: 'inc' })[0]!.value).toBe(100);
    expect(types.get('rookery_lv_event_rtt_ms')).toBe('gauge');

    // Label values survive escaping; the variant label is kept.
    expect(pick(samples, 'rookery_lv_mount_ms', { view: '/items/"quoted"\\path', variant: 'b', quantile: '0.5' })[0]!.value).toBeCloseTo(42.5, 1);

    // Counters are run totals, not the interval's delta.
    expect(pick(samples, 'rookery_lv_events_total', { event: 'inc', view: '/counter' })[0]!.value).toBe(103);
    expect(pick(samples, 'rookery_iterations_total', { result: 'ok' })[0]!.value).toBe(2);
    expect(pick(samples, 'rookery_lv_errors_total', { kind: 'disconnect' })[0]!.value).toBe(1);
    expect(pick(samples, 'rookery_errors_total', { kind: 'user.timeout' })[0]!.value).toBe(2);
    expect(types.get('rookery_lv_events_total')).toBe('counter');

    expect(pick(samples, 'rookery_users_active')[0]!.value).toBe(7);
    expect(pick(samples, 'rookery_users_target')[0]!.value).toBe(10);
    expect(pick(samples, 'rookery_harness_cpu_percent', { process: 'node' })[0]!.value).toBe(37.5);
    expect(pick(samples, 'rookery_harness_rss_bytes', { process: 'chromium' })[0]!.value).toBe(1_000_000);
    expect(pick(samples, 'rookery_harness_event_loop_lag_ms', { quantile: '0.99' })[0]!.value).toBeCloseTo(12, 1);
    expect(pick(samples, 'rookery_harness_saturated')[0]!.value).toBe(1);
    expect(pick(samples, 'rookery_run_elapsed_seconds')[0]!.value).toBe(2);
    expect(pick(samples, 'rookery_run_planned_seconds')[0]!.value).toBe(60);
    expect(pick(samples, 'rookery_runners_live')[0]!.value).toBe(2);
  });

  it('a series with no records in the latest interval is absent, not stale', async () => {
    const live = new LiveMetrics();
    const { progress } = state();
    live.update(progress);
    await live.render();
    live.update({ ...progress, interval: { ...progress.interval!, histograms: [] } });
    const { samples } = parse(await live.render());
    expect(pick(samples, 'rookery_lv_event_rtt_ms')).toEqual([]);
    expect(pick(samples, 'rookery_lv_events_total', { event: 'inc' })[0]!.value).toBe(103);
  });
});

describe('docs/grafana-dashboard.json', () => {
  it('is valid JSON whose every queried metric the exporter writes', async () => {
    const dashboard = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ definition: string }> };
    };
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => v.definition)];
    const queried = new Set(exprs.flatMap((e) => e.match(/\brookery_[a-z0-9_]+/g) ?? []));
    expect(queried.size).toBeGreaterThan(15);
    const live = new LiveMetrics();
    live.update(state().progress);
    const { types } = parse(await live.render());
    const missing = [...queried].filter((name) => !types.has(name));
    expect(missing).toEqual([]);
    for (const p of dashboard.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
  });
});
