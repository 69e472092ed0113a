/**
 * Realistic `Results` for report tests, recorded into the engine's own histogram value (`MetricHistogram`: same
 * configuration and storage convention, ms stored as µs) and summarised by the engine's `summarize`, so the fakes
 * state the same mean and percentiles a real run would. Seeded: the same options give the same file.
 */
import { MetricHistogram, scaleOf, scaleOfUnit } from '../../src/metrics/hdr.js';
import { summarize } from '../../src/metrics/summary.js';
import { seededRandom } from '../../src/report/significance.js';
import type {
  CounterEntry,
  ErrorEntry,
  Labels,
  MetricSummary,
  Results,
  SeriesLatency,
  SeriesValues,
  ThresholdResult,
} from '../../src/metrics/model.js';

export interface Spread {
  /** Median of a log-normal distribution (ms, bytes or count). */
  median: number;
  /** Log-space standard deviation (0.3 ≈ p95 at 1.6 × median). */
  sigma: number;
}

export interface FakeEvent {
  event: string;
  view: string;
  count: number;
  rttMs: Spread;
  /** Extra client-side time on top of the RTT for lv_patch_ms. */
  patchExtraMs?: Spread;
  diffBytes: Spread;
  staticBytes?: number;
  components?: number;
  streamOps?: number;
}

export interface FakeView {
  view: string;
  mounts: number;
  mountMs: Spread;
  joinBytes: number;
}

export interface FakeResultsOptions {
  seed?: number;
  scenario?: string;
  target?: string;
  intervals?: number;
  intervalMs?: number;
  users?: number;
  events?: FakeEvent[];
  views?: FakeView[];
  /** Split metrics by a `variant` label; each variant may override events/views. */
  variants?: Record<string, { events?: FakeEvent[]; views?: FakeView[] }>;
  errors?: ErrorEntry[];
  thresholds?: ThresholdResult[];
  saturated?: boolean;
}

export const DEFAULT_EVENTS: FakeEvent[] = [
  {
    event: 'inc',
    view: '/counter',
    count: 3000,
    rttMs: { median: 4.2, sigma: 0.35 },
    patchExtraMs: { median: 1.2, sigma: 0.4 },
    diffBytes: { median: 62, sigma: 0.05 },
    staticBytes: 0,
    components: 0,
    streamOps: 0,
  },
  {
    event: 'add',
    view: '/stream',
    count: 1200,
    rttMs: { median: 7.5, sigma: 0.4 },
    patchExtraMs: { median: 2.5, sigma: 0.4 },
    diffBytes: { median: 310, sigma: 0.08 },
    staticBytes: 40,
    components: 0,
    streamOps: 1,
  },
  {
    event: 'validate',
    view: '/form',
    count: 900,
    rttMs: { median: 5.5, sigma: 0.3 },
    patchExtraMs: { median: 1.8, sigma: 0.3 },
    diffBytes: { median: 180, sigma: 0.2 },
    staticBytes: 0,
    components: 2,
    streamOps: 0,
  },
];

export const DEFAULT_VIEWS: FakeView[] = [
  { view: '/counter', mounts: 120, mountMs: { median: 85, sigma: 0.25 }, joinBytes: 1800 },
  { view: '/stream', mounts: 60, mountMs: { median: 140, sigma: 0.3 }, joinBytes: 14_000 },
  { view: '/form', mounts: 40, mountMs: { median: 110, sigma: 0.25 }, joinBytes: 4200 },
];

/** The product's seeded generator (mulberry32). */
export const rng = seededRandom;

function normal(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function logNormal(rand: () => number, s: Spread): number {
  return s.median * Math.exp(s.sigma * normal(rand));
}

/** Encodes samples (in the metric's unit) the way the engine stores them. */
export function encodeSamples(samples: readonly number[], unit: string): string {
  return MetricHistogram.fromSamples(samples, scaleOfUnit(unit)).encode();
}

function labelKey(name: string, labels: Labels): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort())}`;
}

class Recorder {
  readonly entries = new Map<string, { name: string; labels: Labels; total: MetricHistogram; perInterval: MetricHistogram[] }>();
  constructor(private readonly intervals: number) {}

  record(name: string, labels: Labels, interval: number, value: number): void {
    const key = labelKey(name, labels);
    let e = this.entries.get(key);
    if (!e) {
      const scale = scaleOf(name);
      e = { name, labels, total: MetricHistogram.empty(scale), perInterval: Array.from({ length: this.intervals }, () => MetricHistogram.empty(scale)) };
      this.entries.set(key, e);
    }
    e.total.record(value);
    e.perInterval[interval]!.record(value);
  }

  summaries(): MetricSummary[] {
    return [...this.entries.values()].map(({ name, labels, total }) => summarize({ name, labels, hdr: total.encode() }));
  }

  series(): SeriesLatency[] {
    return [...this.entries.values()].map(({ name, labels, perInterval }) => {
      const p = (h: MetricHistogram, q: number): number | null => (h.count === 0 ? null : h.percentile(q));
      return {
        name,
        labels,
        count: perInterval.map((h) => h.count),
        p50: perInterval.map((h) => p(h, 50)),
        p95: perInterval.map((h) => p(h, 95)),
        p99: perInterval.map((h) => p(h, 99)),
      };
    });
  }
}

/** Users ramp up over the first sixth of the run, then hold. */
function usersAt(i: number, intervals: number, users: number): number {
  const ramp = Math.max(1, Math.floor(intervals / 6));
  return i < ramp ? Math.round((users * (i + 1)) / ramp) : users;
}

/** Spreads `count` samples across intervals in proportion to the active users. */
function intervalFor(k: number, count: number, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  const target = ((k + 0.5) / count) * total;
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]!;
    if (acc >= target) return i;
  }
  return weights.length - 1;
}

export function fakeResults(opts: FakeResultsOptions = {}): Results {
  const seed = opts.seed ?? 1;
  const rand = rng(seed);
  const intervals = opts.intervals ?? 60;
  const intervalMs = opts.intervalMs ?? 1000;
  const users = opts.users ?? 50;
  const rec = new Recorder(intervals);
  const weights = Array.from({ length: intervals }, (_, i) => usersAt(i, intervals, users));
  const counters = new Map<string, CounterEntry>();
  const counterSeries = new Map<string, SeriesValues>();
  const count = (name: string, labels: Labels, interval: number, by = 1): void => {
    const key = labelKey(name, labels);
    const c = counters.get(key) ?? { name, labels, value: 0 };
    c.value += by;
    counters.set(key, c);
    const s = counterSeries.get(key) ?? { name, labels, values: new Array<number | null>(intervals).fill(0) };
    s.values[interval] = (s.values[interval] ?? 0) + by;
    counterSeries.set(key, s);
  };

  const variantEntries: Array<[string | undefined, FakeEvent[], FakeView[]]> = opts.variants
    ? Object.entries(opts.variants).map(([name, v]) => [name, v.events ?? opts.events ?? DEFAULT_EVENTS, v.views ?? opts.views ?? DEFAULT_VIEWS])
    : [[undefined, opts.events ?? DEFAULT_EVENTS, opts.views ?? DEFAULT_VIEWS]];

  for (const [variant, events, views] of variantEntries) {
    const withVariant = (l: Record<string, string>): Labels => (variant === undefined ? l : { ...l, variant });
    for (const v of views) {
      const labels = withVariant({ view: v.view });
      for (let k = 0; k < v.mounts; k++) {
        const i = intervalFor(k, v.mounts, weights);
        const mount = logNormal(rand, v.mountMs);
        rec.record('lv_mount_ms', labels, i, mount);
        rec.record('lv_join_ms', labels, i, mount * 0.25);
        rec.record('http_document_ms', labels, i, mount * 0.35);
        rec.record('lv_join_bytes', labels, i, v.joinBytes * (0.98 + 0.04 * rand()));
        count('lv_joins', withVariant({ view: v.view, cause: 'mount' }), i);
      }
    }
    for (const e of events) {
      const labels = withVariant({ event: e.event, view: e.view });
      for (let k = 0; k < e.count; k++) {
        const i = intervalFor(k, e.count, weights);
        const rtt = logNormal(rand, e.rttMs);
        rec.record('lv_event_rtt_ms', labels, i, rtt);
        rec.record('lv_patch_ms', labels, i, rtt + logNormal(rand, e.patchExtraMs ?? { median: 1, sigma: 0.3 }));
        const bytes = Math.max(1, logNormal(rand, e.diffBytes));
        const statics = e.staticBytes ?? 0;
        rec.record('lv_diff_bytes', labels, i, bytes);
        rec.record('lv_diff_static_bytes', labels, i, statics);
        rec.record('lv_diff_dynamic_bytes', labels, i, Math.max(0, bytes - statics));
        rec.record('lv_diff_components', labels, i, e.components ?? 0);
        rec.record('lv_stream_ops', labels, i, e.streamOps ?? 0);
        count('lv_events', labels, i);
        count('ws_frames', withVariant({ dir: 'sent' }), i);
        count('ws_frames', withVariant({ dir: 'received' }), i);
        count('ws_bytes', withVariant({ dir: 'received' }), i, Math.round(bytes));
      }
    }
  }
  const iterationsTotal = Math.round(weights.reduce((a, b) => a + b, 0) / 4);
  for (let k = 0; k < iterationsTotal; k++) {
    const i = intervalFor(k, iterationsTotal, weights);
    count('iterations', { result: 'ok' }, i);
    rec.record('iteration_ms', {}, i, logNormal(rand, { median: 3800, sigma: 0.1 }));
  }
  const lagScale = opts.saturated ? 40 : 2.5;
  for (let i = 0; i < intervals; i++) {
    for (let k = 0; k < 20; k++) rec.record('harness_event_loop_lag_ms', {}, i, logNormal(rand, { median: lagScale * (0.6 + weights[i]! / users), sigma: 0.5 }));
  }

  const errors: ErrorEntry[] = opts.errors ?? [
    {
      kind: 'timeout',
      count: 2,
      samples: [
        { message: 'event "add" got no reply within 30000 ms', at: Date.UTC(2025, 0, 15, 12, 0, 31), context: { user: 17, iteration: 4, view: '/stream' } },
        { message: 'event "add" got no reply within 30000 ms', at: Date.UTC(2025, 0, 15, 12, 0, 48), context: { user: 3, iteration: 9, view: '/stream' } },
      ],
    },
  ];
  const errorTotal = errors.reduce((s, e) => s + e.count, 0);
  for (const e of errors) {
    counters.set(labelKey('lv_errors', { kind: e.kind }), { name: 'lv_errors', labels: { kind: e.kind }, value: e.count });
    const values = new Array<number | null>(intervals).fill(0);
    for (let k = 0; k < e.count; k++) values[Math.floor(((k + 0.5) / e.count) * intervals)]! += 1;
    counterSeries.set(labelKey('lv_errors', { kind: e.kind }), { name: 'lv_errors', labels: { kind: e.kind }, values });
  }

  const t = Array.from({ length: intervals }, (_, i) => (i + 1) * intervalMs);
  const gauge = (name: string, labels: Labels, values: number[]): SeriesValues => ({ name, labels, values });
  const cpuNode = weights.map((w) => Math.round((opts.saturated ? 95 : 20) * (0.3 + w / users) + 5 * rand()));
  const cpuChromium = weights.map((w) => Math.round((opts.saturated ? 190 : 70) * (0.2 + w / users) + 10 * rand()));
  const lagSeries = rec.series().find((s) => s.name === 'harness_event_loop_lag_ms');
  const lagP99 = Math.max(...(lagSeries?.p99.map((v) => v ?? 0) ?? [0]));

  const started = Date.UTC(2025, 0, 15, 12, 0, 0);
  const durationMs = intervals * intervalMs;
  const results: Results = {
    schema: 'rookery/results@1',
    meta: {
      tool: { name: 'rookery', version: '0.1.0' },
      versions: { phoenix_live_view: '1.0.19', chromium: '156.0.0.0', playwright: '1.65.1' },
      target: opts.target ?? 'http://127.0.0.1:4000',
      scenario: opts.scenario ?? 'demo-mix',
      startedAt: new Date(started).toISOString(),
      endedAt: new Date(started + durationMs).toISOString(),
      durationMs,
      machine: { hostname: 'ci-runner-1', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Intel Xeon (fake)', memoryBytes: 8_000_000_000, node: 'v20.19.0' },
      load: { description: `${users} users, ramp ${Math.floor(intervals / 6)}s, constant`, users, rampMs: Math.floor(intervals / 6) * intervalMs },
      ...(opts.variants ? { variants: Object.keys(opts.variants) } : {}),
    },
    metrics: rec.summaries(),
    counters: [...counters.values()],
    errors,
    series: {
      intervalMs,
      t,
      latency: rec.series(),
      counters: [...counterSeries.values()],
      gauges: [
        gauge('users_active', {}, weights),
        gauge('users_target', {}, weights.map(() => users)),
        gauge('harness_cpu_percent', { process: 'node' }, cpuNode),
        gauge('harness_cpu_percent', { process: 'chromium' }, cpuChromium),
        gauge('harness_rss_bytes', { process: 'node' }, weights.map((w) => 180_000_000 + w * 400_000)),
        gauge('harness_rss_bytes', { process: 'chromium' }, weights.map((w) => 300_000_000 + w * 30_000_000)),
      ],
    },
    thresholds: opts.thresholds ?? [
      { expr: 'lv_event_rtt_ms{event=inc}:p95<200', pass: true, actual: 7.9, detail: 'p95 7.9 ms < 200 ms' },
      { expr: 'lv_errors:count<1', pass: errorTotal < 1, actual: errorTotal, detail: `${errorTotal} errors` },
    ],
    health: {
      saturated: opts.saturated ?? false,
      reasons: opts.saturated ? ['event-loop lag p99 above 50 ms for 41 s', 'node CPU at 95 % of one core'] : [],
      eventLoopLagP99Ms: lagP99,
      eventLoopLagMaxMs: lagP99 * 1.6,
      cpuPeakPercent: { node: Math.max(...cpuNode), chromium: Math.max(...cpuChromium) },
      rssPeakBytes: { node: 180_000_000 + users * 400_000, chromium: 300_000_000 + users * 30_000_000 },
      cores: 2,
    },
  };
  return results;
}
