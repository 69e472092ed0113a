/**
 * Scrapes → series. Pure: the scraper (scraper.ts) feeds one round of exposition texts at a time; this turns
 * cumulative exports into per-interval values and merges app nodes.
 *
 * Decisions:
 * - The first good scrape of a node is its baseline: counters and histograms count only what happened after it
 *   (i.e. during the run), gauges are read from it on.
 * - Counters become rates (increase per second over the node's own scrape interval); a counter that went down
 *   was reset (app restart) and its new value is the increase.
 * - Histograms become per-interval bucket deltas; percentiles are interpolated within buckets (Prometheus'
 *   histogram_quantile); the mean (sum / count) is exact.
 * - Nodes merge by summing: gauges (memory of the cluster), rates, bucket deltas. Histograms with different
 *   bucket bounds on different nodes stay separate series (labelled `node`), since their buckets cannot add.
 * - A node that fails a round contributes nothing to it; the merged gauges it had reported read null in that
 *   round (a sum missing a node would look like a drop), its counters catch up at its next good scrape.
 * - Long runs are downsampled to at most `maxPoints` (adjacent rounds merged: last gauge, time-weighted rate,
 *   summed buckets).
 */
import { compareSeries } from '../metrics/labels.js';
import type { Labels } from '../metrics/model.js';
import { compileRules, matchFamily, renameLabels, type CompiledRule, type MappingRule } from './mapping.js';
import { parseExposition } from './parse.js';
import type { ServerHistogramSeries, ServerMetricsResults, ServerTarget, ServerValueSeries } from '../metrics/server-results.js';

export const DEFAULT_MAX_POINTS = 600;
/** Series kept per role; further label sets are dropped (a PromEx endpoint can export thousands). */
export const MAX_SERIES_PER_ROLE = 200;

interface Meta {
  role: string;
  metric: string;
  unit: string;
  labels: Labels;
}
interface NodeState {
  at: number;
  counters: Map<string, Meta & { value: number }>;
  gauges: Map<string, Meta & { value: number }>;
  histograms: Map<string, Meta & { le: number[]; cumulative: number[]; count: number; sum: number }>;
}
interface HistDelta extends Meta {
  le: number[];
  buckets: number[];
  count: number;
  sum: number;
}
interface Round {
  at: number;
  /** Seconds since the previous round (for time-weighted downsampling of rates). */
  dt: number;
  gauges: Map<string, (Meta & { value: number | null })>;
  rates: Map<string, Meta & { value: number }>;
  histograms: Map<string, HistDelta>;
  connected: Map<string, { labels: Labels; value: number | null }> | undefined;
  /** When the round's scrapes were sent (epoch ms); `at` is when the last answer came. */
  sentAt: number;
}

export interface RoundInput {
  /** Index of the target URL. */
  node: number;
  /** The exposition text, or why the scrape failed. */
  text?: string;
  error?: string;
}

function key(role: string, metric: string, labels: Labels): string {
  return JSON.stringify([role, metric, ...Object.keys(labels).sort().flatMap((k) => [k, labels[k]])]);
}

/** Interpolated quantile (0..1) of non-cumulative `buckets` over finite bounds `le` (+Inf last); null if empty. */
export function bucketQuantile(le: readonly number[], buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]!;
    if (n > 0 && cum + n >= rank) {
      if (i >= le.length) return le.length > 0 ? le[le.length - 1]! : null; // in +Inf: the highest finite bound
      const upper = le[i]!;
      const lower = i === 0 ? Math.min(0, upper) : le[i - 1]!;
      return lower + ((upper - lower) * (rank - cum)) / n;
    }
    cum += n;
  }
  return le.length > 0 ? le[le.length - 1]! : null;
}

export class ServerMetricsBuilder {
  private readonly rules: CompiledRule[];
  private readonly nodes = new Map<number, NodeState>();
  private readonly rounds: Round[] = [];
  private readonly targets: ServerTarget[];
  private readonly perRole = new Map<string, Set<string>>();
  private lastRoundAt: number;

  constructor(
    urls: readonly string[],
    private readonly opts: { startedAt: number; intervalMs: number; mapping?: readonly MappingRule[]; maxPoints?: number },
  ) {
    this.rules = compileRules(opts.mapping ?? []);
    this.targets = urls.map((url) => ({ url, scrapes: 0, failures: 0, unmappedFamilies: 0 }));
    this.lastRoundAt = opts.startedAt;
  }

  /**
   * One round: every node's scrape (or failure) taken at about `at` (epoch ms), and the LiveViews the harness
   * held connected when the round started, if it can tell.
   */
  addRound(at: number, inputs: readonly RoundInput[], connected?: ReadonlyArray<{ labels: Labels; value: number | null }>, sentAt = at): void {
    const round: Round = {
      at,
      sentAt,
      dt: Math.max(0, (at - this.lastRoundAt) / 1000),
      gauges: new Map(),
      rates: new Map(),
      histograms: new Map(),
      connected: connected === undefined ? undefined : new Map(connected.map((c) => [key('connected', '', c.labels), { labels: c.labels, value: c.value }])),
    };
    let hadBaseline = false;
    for (let input of inputs) {
      const target = this.targets[input.node];
      if (!target) throw new RangeError(`server metrics: no target #${input.node}`);
      let state: NodeState | undefined;
      if (input.text !== undefined) {
        try {
          state = this.read(input.text, at, target);
        } catch (err) {
          input = { node: input.node, error: `unparseable exposition: ${err instanceof Error ? err.message : String(err)}` };
        }
      }
      const prev = this.nodes.get(input.node);
      if (state === undefined) {
        target.failures++;
        target.lastError = (input.error ?? 'no answer').slice(0, 300);
        // Its gauges are unknown this round: the merged sum would be wrong, so it is null.
        if (prev) for (const [k, g] of prev.gauges) round.gauges.set(k, { ...g, value: null });
        continue;
      }
      target.scrapes++;
      this.nodes.set(input.node, state);
      if (!prev) continue; // baseline
      hadBaseline = true;
      this.accumulate(round, prev, state, input.node);
    }
    // The very first round only sets baselines: it has no interval to report.
    if (hadBaseline || this.rounds.length > 0) this.rounds.push(round);
    this.lastRoundAt = at;
  }

  /**
   * `pairCounts`: the connected counts for a round's window (distributed runs, where they come after the fact
   * from the runners' spans); null when unknown. Replaces what addRound was given.
   */
  result(scrapedBy: 'local' | 'collector', pairCounts?: (w: { before: number; after: number }) => ReadonlyArray<{ labels: Labels; value: number }> | null): ServerMetricsResults {
    if (pairCounts) {
      // Every label set seen in any round, so that a round that knows the counts lists its zeros too.
      const counted = this.rounds.map((r) => pairCounts({ before: r.sentAt, after: r.at }));
      const seen = new Map<string, Labels>();
      for (const c of counted) for (const row of c ?? []) seen.set(key('connected', '', row.labels), row.labels);
      if (seen.size > 0) this.rounds.forEach((r, i) => {
        const c = counted[i];
        r.connected = new Map([...seen].map(([k, labels]) => [k, { labels, value: c === null || c === undefined ? null : (c.find((row) => key('connected', '', row.labels) === k)?.value ?? 0) }]));
      });
    }
    const rounds = this.downsample(this.opts.maxPoints ?? DEFAULT_MAX_POINTS);
    const n = rounds.length;
    const values = new Map<string, ServerValueSeries>();
    const hists = new Map<string, ServerHistogramSeries>();
    rounds.forEach((r, i) => {
      for (const [k, g] of r.gauges) {
        let s = values.get(`g${k}`);
        if (!s) values.set(`g${k}`, (s = { role: g.role, metric: g.metric, kind: 'gauge', unit: g.unit, labels: g.labels, values: new Array<number | null>(n).fill(null) }));
        s.values[i] = g.value;
      }
      for (const [k, c] of r.rates) {
        let s = values.get(`r${k}`);
        if (!s) values.set(`r${k}`, (s = { role: c.role, metric: c.metric, kind: 'rate', unit: `${c.unit}/s`, labels: c.labels, values: new Array<number | null>(n).fill(null) }));
        s.values[i] = c.value;
      }
      for (const [k, h] of r.histograms) {
        let s = hists.get(k);
        if (!s) {
          const finite = h.le.filter((b) => Number.isFinite(b));
          s = {
            role: h.role, metric: h.metric, unit: h.unit, labels: h.labels, le: finite,
            buckets: Array.from({ length: n }, () => new Array<number>(finite.length + 1).fill(0)),
            count: new Array<number>(n).fill(0), sum: new Array<number>(n).fill(0),
            p50: new Array<number | null>(n).fill(null), p95: new Array<number | null>(n).fill(null), p99: new Array<number | null>(n).fill(null),
          };
          hists.set(k, s);
        }
        s.buckets[i] = h.buckets;
        s.count[i] = h.count;
        s.sum[i] = h.sum;
        s.p50[i] = bucketQuantile(s.le, h.buckets, 0.5);
        s.p95[i] = bucketQuantile(s.le, h.buckets, 0.95);
        s.p99[i] = bucketQuantile(s.le, h.buckets, 0.99);
      }
    });
    // A view absent from a round's counts had none connected (0); null means the count changed mid-scrape.
    let connected: Map<string, { labels: Labels; values: (number | null)[] }> | undefined;
    rounds.forEach((r) => {
      if (!r.connected) return;
      connected ??= new Map();
      for (const [k, c] of r.connected) if (!connected.has(k)) connected.set(k, { labels: c.labels, values: [] });
    });
    if (connected) {
      for (const [k, s] of connected) s.values = rounds.map((r) => (r.connected === undefined ? null : r.connected.has(k) ? r.connected.get(k)!.value : 0));
    }
    const byRole = (a: { role: string; metric: string; labels: Labels }, b: { role: string; metric: string; labels: Labels }): number =>
      a.role !== b.role ? (a.role < b.role ? -1 : 1) : compareSeries({ name: a.metric, labels: a.labels }, { name: b.metric, labels: b.labels });
    const factor = Math.max(1, Math.ceil(this.rounds.length / (this.opts.maxPoints ?? DEFAULT_MAX_POINTS)));
    return {
      schema: 'rookery/server-metrics@1',
      scrapedBy,
      intervalMs: this.opts.intervalMs * factor,
      targets: this.targets.map((t) => ({ ...t })),
      t: rounds.map((r) => r.at - this.opts.startedAt),
      series: [...values.values()].sort(byRole),
      histograms: [...hists.values()].sort(byRole),
      ...(connected ? { connected: [...connected.values()].sort((a, b) => compareSeries({ name: '', labels: a.labels }, { name: '', labels: b.labels })) } : {}),
    };
  }

  private read(text: string, at: number, target: ServerTarget): NodeState {
    const families = parseExposition(text);
    const state: NodeState = { at, counters: new Map(), gauges: new Map(), histograms: new Map() };
    let unmapped = 0;
    for (const fam of families) {
      const m = matchFamily(this.rules, fam.name);
      if (!m) {
        unmapped++;
        continue;
      }
      if (fam.type === 'histogram') {
        for (const h of fam.histograms) {
          const labels = renameLabels(h.labels, m.rename);
          const k = this.admit(m.role, fam.name, labels);
          if (k === undefined) continue;
          state.histograms.set(k, {
            role: m.role, metric: fam.name, unit: m.unit, labels,
            le: h.le.map((b) => b * m.factor), cumulative: h.cumulative, count: h.count, sum: h.sum * m.factor,
          });
        }
        continue;
      }
      for (const s of fam.samples) {
        const labels = renameLabels(s.labels, m.rename);
        const k = this.admit(m.role, fam.name, labels);
        if (k === undefined) continue;
        const entry = { role: m.role, metric: fam.name, unit: m.unit, labels, value: s.value * m.factor };
        if (fam.type === 'counter') state.counters.set(k, entry);
        else state.gauges.set(k, entry);
      }
    }
    target.unmappedFamilies = unmapped;
    return state;
  }

  /** The series key, or undefined when the role already holds its maximum of series. */
  private admit(role: string, metric: string, labels: Labels): string | undefined {
    const k = key(role, metric, labels);
    let set = this.perRole.get(role);
    if (!set) this.perRole.set(role, (set = new Set()));
    if (set.has(k)) return k;
    if (set.size >= MAX_SERIES_PER_ROLE) return undefined;
    set.add(k);
    return k;
  }

  private accumulate(round: Round, prev: NodeState, cur: NodeState, node: number): void {
    for (const [k, g] of cur.gauges) {
      const have = round.gauges.get(k);
      round.gauges.set(k, { ...g, value: have === undefined ? g.value : have.value === null ? null : have.value + g.value });
    }
    const dt = (cur.at - prev.at) / 1000;
    if (dt > 0) {
      for (const [k, c] of cur.counters) {
        const before = prev.counters.get(k)?.value ?? 0;
        const inc = c.value >= before ? c.value - before : c.value;
        const have = round.rates.get(k);
        round.rates.set(k, { ...c, value: (have?.value ?? 0) + inc / dt });
      }
    }
    for (const [k0, h] of cur.histograms) {
      const p = prev.histograms.get(k0);
      let cumDelta: number[];
      let count: number;
      let sum: number;
      const sameBounds = p !== undefined && p.le.length === h.le.length && p.le.every((b, i) => b === h.le[i]);
      const reset = sameBounds && (h.count < p!.count || h.cumulative.some((c, i) => c < p!.cumulative[i]!));
      if (sameBounds && !reset) {
        cumDelta = h.cumulative.map((c, i) => c - p!.cumulative[i]!);
        count = h.count - p!.count;
        sum = h.sum - p!.sum;
      } else if (p === undefined || reset) {
        // New series (first observation after the baseline) or a reset: everything it holds is new.
        cumDelta = h.cumulative;
        count = h.count;
        sum = h.sum;
      } else {
        continue; // bounds changed between scrapes: cannot take a delta
      }
      const buckets = cumDelta.map((c, i) => Math.max(0, c - (i === 0 ? 0 : cumDelta[i - 1]!)));
      let k = k0;
      const have = round.histograms.get(k);
      if (have && !(have.le.length === h.le.length && have.le.every((b, i) => b === h.le[i]))) {
        const labels = { ...h.labels, node: String(node) };
        k = key(h.role, h.metric, labels);
        round.histograms.set(k, { role: h.role, metric: h.metric, unit: h.unit, labels, le: h.le, buckets, count, sum: Number.isFinite(sum) ? sum : 0 });
        continue;
      }
      if (have) {
        have.buckets = have.buckets.map((b, i) => b + buckets[i]!);
        have.count += count;
        have.sum += Number.isFinite(sum) ? sum : 0;
      } else {
        round.histograms.set(k, { role: h.role, metric: h.metric, unit: h.unit, labels: h.labels, le: h.le, buckets, count, sum: Number.isFinite(sum) ? sum : 0 });
      }
    }
  }

  private downsample(maxPoints: number): Round[] {
    const factor = Math.max(1, Math.ceil(this.rounds.length / maxPoints));
    if (factor === 1) return this.rounds;
    const out: Round[] = [];
    for (let i = 0; i < this.rounds.length; i += factor) {
      const group = this.rounds.slice(i, i + factor);
      const last = group[group.length - 1]!;
      const merged: Round = { at: last.at, sentAt: last.sentAt, dt: group.reduce((s, r) => s + r.dt, 0), gauges: new Map(last.gauges), rates: new Map(), histograms: new Map(), connected: last.connected };
      for (const r of group) {
        for (const [k, c] of r.rates) {
          const have = merged.rates.get(k);
          merged.rates.set(k, { ...c, value: (have?.value ?? 0) + (c.value * r.dt) / (merged.dt || 1) });
        }
        for (const [k, h] of r.histograms) {
          const have = merged.histograms.get(k);
          if (have) {
            have.buckets = have.buckets.map((b, j) => b + (h.buckets[j] ?? 0));
            have.count += h.count;
            have.sum += h.sum;
          } else {
            merged.histograms.set(k, { ...h, buckets: [...h.buckets] });
          }
        }
      }
      out.push(merged);
    }
    return out;
  }
}
