/**
 * A runner's work: one slice of a run — its browser users on a browser pool, its lite users in worker processes —
 * turned into a stream of intervals. The same code runs the one in-process runner of a local run and
 * each remote runner of a distributed one (src/cluster/runner.ts), so everything a local run supports (lite
 * users, sequential variants, throttles, the ramp governor, pre-warmed contexts, visual checks) works on runners.
 *
 * What happens to the snapshots is the caller's: a local run merges them in-process (RunCollector), a runner
 * sends them to its collector. Lifecycle: `preflight()` (the first browser starts: no browser is one clear
 * error), `prepare()` (lite workers load the scenario), `run()`, then `close()` (always).
 */
import type { LoadedScenario } from '../scenario/load.js';
import type { Feeder } from '../scenario/feeder.js';
import type { InputMode, User } from '../scenario/define.js';
import { LoadEngine, type EngineOutcome } from './engine.js';
import { BrowserPool, type BlockableResource } from '../browser/pool.js';
import { HealthSampler } from '../health/sampler.js';
import { formatHealthLine, sampleWarnings } from '../health/format.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { HealthSummary, Interval, VariantSegment } from '../metrics/model.js';
import { profilePeakUsers, type LoadProfile } from './profile.js';
import type { Calibration } from './capacity.js';
import { DEFAULT_RAMP_COSTS, governLeases, openRatePerSecond, RampGovernor, type RampCosts } from './governor.js';
import { prewarmContexts } from './prewarm.js';
import { CpuMeter } from '../health/meter.js';
import type { LiteGroup, LiteWorkersFactory } from './lite-group.js';
import { foldWorkerHealth } from '../health/worker-health.js';
import { createThrottle } from './throttle.js';
import { LoadConfigError } from '../common/config-error.js';

/** How a slice's users behave and where its browsers come from (resolved once for the run: CLI wins). */
export interface SliceSettings {
  input: InputMode;
  actionTimeoutMs: number;
  abortOnError: boolean;
  browsers?: number;
  contextsPerBrowser?: number;
  blockResources?: BlockableResource[];
}

/** Engine status summed over the slice's browser users and lite workers. */
export interface SliceStatus {
  active: number;
  target: number;
  iterations: number;
  errors: number;
  dropped: number;
}

export interface SliceSpec {
  loaded: LoadedScenario;
  target: string;
  settings: SliceSettings;
  /** Browser users may come (a pool is set up); a runner knows before its slice arrives. */
  browserUsers: boolean;
  /** Users the pool must hold (a runner sizes it for re-slicing and added users). */
  poolUsers: number;
  /** Sequential variants: each variant's segment of the schedule. */
  segments?: readonly VariantSegment[] | undefined;
  feeder: Feeder;
  /** Lite workers load the data themselves: the scenario's `data` option (or its rows) and its folder. */
  data: string | ReadonlyArray<Record<string, unknown>> | undefined;
  dataDir: string;
  /** User ids numbered run-wide (a slice of a bigger run, or browser users next to lite ones). */
  globalUserIds: boolean;
}

/** A runner's share of the run: its browser users and one profile per lite worker process. */
export interface SliceProfiles {
  browser: LoadProfile | undefined;
  lite: readonly LoadProfile[];
}

export interface SliceEnv {
  /** Interval 0 of this slice's snapshots begins here (epoch ms). */
  startedAt: number;
  registry: MetricsRegistry;
  /** Measured costs (pool sizing, the governor's budget). */
  calibration?: Calibration | undefined;
  /** Open the pool's contexts before the load (default false); pace openings by the CPU budget (default true). */
  prewarm?: boolean;
  governor?: boolean;
  liteWorkers?: LiteWorkersFactory | undefined;
  launchArgs?: readonly string[] | undefined;
  browserEndpoint?: string | undefined;
  /** A pool set up (and maybe pre-warmed) before the slice was known: a runner's, launched before it said ready. */
  pool?: BrowserPool | undefined;
  /** The CPU cost of one context open, measured by an earlier pre-warm: paces the ramp governor. */
  openCpuSeconds?: number | undefined;
  visual?: ((u: User<unknown>, name: string, opts: Parameters<User['snapshot']>[1]) => Promise<void>) | undefined;
  /** A remote runner: intervals carry the spans of settled connected counts (memory per LiveView, pairing.ts). */
  connectedSpans?: boolean;
  /** Every interval: `part` is undefined for the browser users, `lite-<n>` for lite worker n. */
  onInterval: (snapshot: Interval, part: string | undefined) => void;
  onVersion: (name: string, value: string) => void;
  log?: ((line: string) => void) | undefined;
}

/** The most users a profile ever asks for, at least 1: sizes the browser pool. */
export function peakUsers(profile: LoadProfile): number {
  return Math.max(1, profilePeakUsers(profile));
}

/**
 * The most browser users the whole run has at once: the profile's peak without its lite share (`mix`: the plan's
 * browser:lite weights). What a runner pre-warms at most, before it knows its own slice.
 */
export function peakBrowserUsers(profile: LoadProfile, mix: { browserWeight: number; liteWeight: number } | undefined): number {
  const peak = peakUsers(profile);
  const total = mix ? mix.browserWeight + mix.liteWeight : 0;
  return mix && total > 0 ? Math.ceil((peak * mix.browserWeight) / total) : peak;
}

/**
 * Opens `count` contexts of the pool before the load (they are reused by the first users) and measures what one
 * open costs in CPU-seconds (undefined when none opened). Logs one line: the pre-warm is visible.
 */
export async function prewarmPool(pool: BrowserPool, count: number, signal: AbortSignal | undefined, log: ((line: string) => void) | undefined): Promise<number | undefined> {
  const meter = new CpuMeter(() => pool.pids());
  const before = meter.read();
  const w = await prewarmContexts(pool, count, signal);
  const cpu = CpuMeter.between(before, meter.read());
  log?.(`prewarm: ${w.contexts} contexts opened in ${(w.ms / 1000).toFixed(1)} s, ${(cpu / Math.max(1, w.contexts)).toFixed(3)} CPU-s each${w.failed > 0 ? ` (${w.failed} failed)` : ''}`);
  return w.contexts > 0 ? cpu / w.contexts : undefined;
}

export class SliceRun {
  readonly pool: BrowserPool | undefined;
  readonly health: HealthSampler;
  private readonly spec: SliceSpec;
  private readonly env: SliceEnv;
  private readonly costs: RampCosts;
  private readonly governor: RampGovernor | undefined;
  private readonly throttles: ReadonlyMap<string, ReturnType<typeof createThrottle>>;
  private engine: LoadEngine | undefined;
  private lite: LiteGroup | undefined;
  private pendingUsers = 0;
  private pendingStop: string | undefined;
  private lastSample: { line: string; saturated: boolean } | undefined;
  private sampling = false;
  private slices: { browser: LoadProfile | undefined; lite: LoadProfile[] } = { browser: undefined, lite: [] };
  private setupData: unknown;

  constructor(spec: SliceSpec, env: SliceEnv) {
    this.spec = spec;
    this.env = env;
    const cal = env.calibration;
    const s = spec.settings;
    this.pool = env.pool ?? (spec.browserUsers
      ? new BrowserPool({
          users: Math.max(1, spec.poolUsers),
          ...(cal ? { measured: { perUserBytes: cal.perUserBytes, userCpuPerSecond: cal.userCpuPerSecond } } : {}),
          ...(s.browsers !== undefined ? { browsers: s.browsers } : {}),
          ...(s.contextsPerBrowser !== undefined ? { contextsPerBrowser: s.contextsPerBrowser } : {}),
          ...(s.blockResources ? { blockResources: s.blockResources } : {}),
          ...(env.launchArgs ? { launchArgs: env.launchArgs } : {}),
          ...(env.browserEndpoint ? { browserEndpoint: env.browserEndpoint } : {}),
          // Relative URLs in page.goto / context.request resolve against the target, as with Playwright's use.baseURL.
          contextOptions: { baseURL: spec.target },
        })
      : undefined);
    const pool = this.pool;
    this.health = new HealthSampler({ intervalMs: 1_000, pids: () => pool?.pids() ?? [], sink: env.registry });
    this.costs = cal ? { openCpuSeconds: cal.openCpuSeconds, userCpuPerSecond: cal.userCpuPerSecond } : { ...DEFAULT_RAMP_COSTS };
    if (env.openCpuSeconds !== undefined) this.costs.openCpuSeconds = env.openCpuSeconds;
    const governor: RampGovernor | undefined =
      env.governor === false || !pool
        ? undefined
        : new RampGovernor((): number => {
            const sample = this.health.latest();
            return openRatePerSecond({
              cores: this.health.cores,
              costs: this.costs,
              activeUsers: pool.stats().leased,
              // The harness's own CPU (Node + its browsers): other tenants of a shared machine are not ours to budget.
              measuredCpuPercent: sample ? sample.cpuPercent.node + (sample.cpuPercent.chromium ?? 0) : undefined,
              previousRate: governor?.currentRate ?? 0,
            });
          });
    this.governor = governor;
    // One set of throttles for the whole slice: the browser users' engine and every lite worker share it.
    this.throttles = new Map(Object.entries(spec.loaded.scenario.throttles ?? {}).map(([name, t]) => [name, createThrottle(t, `throttles.${name}`)]));
  }

  /** Starts the first browser: no usable browser is one clear error before the load, not one per iteration. */
  async preflight(): Promise<void> {
    await this.pool?.preflight();
  }

  /** Harness health sampling (CPU, lag, memory of this process and its browsers) starts; once. */
  startHealth(): void {
    if (this.sampling) return;
    this.sampling = true;
    this.health.start();
  }

  /**
   * The browser users' engine is set up with what the scenario's setup() returned; lite workers start and load
   * the scenario. Health sampling starts if it has not.
   */
  async prepare(setupData: unknown, slices: SliceProfiles): Promise<void> {
    if (slices.lite.length > 0 && this.spec.settings.input === 'playwright') throw new LoadConfigError('--input playwright needs browser users: lite users only have the in-page input path (run them with --input fast)');
    if (slices.browser && !this.pool) throw new Error('SliceRun: browser users in a slice set up without a pool');
    this.startHealth();
    this.setupData = setupData;
    this.slices = { browser: slices.browser, lite: [...slices.lite] };
    this.createEngine();
    const { spec, env } = this;
    if (slices.lite.length === 0) return;
    if (!env.liteWorkers) throw new LoadConfigError('this run cannot start lite users (no lite worker factory was given; the rookery CLI passes one)');
    const loaded = spec.loaded;
    this.lite = env.liteWorkers({
      setup: {
        bundle: { ...loaded.bundle, file: loaded.file, resolveDir: spec.dataDir },
        target: spec.target,
        input: spec.settings.input,
        actionTimeoutMs: spec.settings.actionTimeoutMs,
        abortOnError: spec.settings.abortOnError,
        setupData,
        data: spec.data,
        dataDir: spec.dataDir,
        startedAt: env.startedAt,
      },
      slices: [...slices.lite],
      throttles: this.throttles,
      onInterval: (s, source) => env.onInterval(s, source),
      onVersion: (v) => env.onVersion('phoenix_live_view', v),
      onError: (kind, message) => env.registry.error(kind, message),
      ...(env.log ? { log: env.log } : {}),
    });
    await this.lite.start();
    if (this.pendingStop !== undefined) this.lite.stop(this.pendingStop);
  }

  private createEngine(): void {
    const { spec, env, pool, governor } = this;
    const browser = this.slices.browser;
    if (!browser || !pool || this.engine) return;
    const engine = new LoadEngine({
      scenario: spec.loaded.scenario,
      profile: browser,
      throttles: this.throttles,
      ...(spec.globalUserIds ? { userIds: 'global' as const } : {}),
      target: spec.target,
      // Reusing an idle (e.g. pre-warmed) context opens nothing, so it never waits for the governor.
      leases: governor ? governLeases(pool, governor, () => pool.stats().idle === 0) : pool,
      registry: env.registry,
      feeder: spec.feeder,
      setupData: this.setupData,
      input: spec.settings.input,
      actionTimeoutMs: spec.settings.actionTimeoutMs,
      abortOnError: spec.settings.abortOnError,
      ...(env.visual ? { visual: env.visual } : {}),
      onInterval: (s) => env.onInterval(s, undefined),
      onClientVersion: (v) => env.onVersion('phoenix_live_view', v),
      ...(env.log ? { log: env.log } : {}),
      ...(spec.segments ? { sequential: spec.segments } : {}),
      ...(env.connectedSpans ? { connectedSpans: true } : {}),
    });
    this.engine = engine;
    if (this.pendingUsers !== 0) engine.addUsers(this.pendingUsers);
    this.pendingUsers = 0;
    if (this.pendingStop !== undefined) engine.stop(this.pendingStop);
  }

  /**
   * Opens the pool's contexts before the load when asked (`prewarm`): `users` of them (default: the slice's
   * peak). Their measured cost then paces the ramp's own openings. A runner pre-warms before it says ready.
   */
  async prewarm(signal?: AbortSignal, users?: number): Promise<void> {
    const { env, pool } = this;
    const count = users ?? (this.slices.browser ? peakUsers(this.slices.browser) : 0);
    if (!env.prewarm || !pool || count <= 0 || signal?.aborted || this.pendingStop !== undefined) return;
    const cost = await prewarmPool(pool, count, signal, env.log);
    if (cost !== undefined) this.costs.openCpuSeconds = cost;
  }

  /** Runs the slice to its end (or a stop): browser users and lite workers together, summed. */
  async run(): Promise<EngineOutcome | undefined> {
    const outcomes = await Promise.all([this.engine?.run(), this.lite?.run()]);
    const defined = outcomes.filter((o): o is EngineOutcome => o !== undefined);
    if (defined.length === 0) return undefined;
    return {
      iterations: defined.reduce((n, o) => n + o.iterations, 0),
      errors: defined.reduce((n, o) => n + o.errors, 0),
      dropped: defined.reduce((n, o) => n + o.dropped, 0),
      interrupted: defined.find((o) => o.interrupted)?.interrupted,
    };
  }

  /** Users, iterations and errors over the browser users and every lite worker. */
  status(): SliceStatus {
    const e = this.engine?.status();
    const l = this.lite?.status();
    const sum = (k: keyof SliceStatus) => (e?.[k] ?? 0) + (l?.[k] ?? 0);
    return { active: sum('active'), target: sum('target'), iterations: sum('iterations'), errors: sum('errors'), dropped: sum('dropped') };
  }

  /** Elapsed and planned time of the browser users' schedule, when they run. */
  clock(): { elapsedMs: number; totalMs: number } | undefined {
    const e = this.engine?.status();
    return e ? { elapsedMs: e.elapsedMs, totalMs: e.totalMs } : undefined;
  }

  /** The latest health sample as a one-liner, and whether it looks saturated. */
  healthNow(): { line: string; saturated: boolean } | undefined {
    const sample = this.health.latest();
    if (sample) this.lastSample = { line: formatHealthLine(sample, this.health.cores), saturated: sampleWarnings(sample, this.health.cores).length > 0 };
    return this.lastSample;
  }

  /** Context openings waiting for the ramp governor, and the rate it allows now. */
  opening(): { waiting: number; perSecond: number } | undefined {
    const g = this.governor;
    return g && g.waiting > 0 ? { waiting: g.waiting, perSecond: g.currentRate } : undefined;
  }

  /** The browser users' connected LiveViews now, and whether that is settled (server metrics scraping). */
  connectedSample(): ReturnType<LoadEngine['connectedSample']> | undefined {
    return this.engine?.connectedSample();
  }

  /** Runtime control: users added (or removed) on top of the schedule; closed models only. */
  addUsers(delta: number): void {
    const browser = this.slices.browser;
    if (browser?.kind === 'arrival') return;
    if (this.engine) this.engine.addUsers(delta);
    else this.pendingUsers += delta;
  }

  /** A new share of the run for the browser users (a distributed run re-dealt after a runner was lost). */
  reslice(profile: LoadProfile): void {
    if (this.slices.browser) this.slices = { ...this.slices, browser: profile };
    this.engine?.reslice(profile);
  }

  /**
   * Runtime control for lite users: users added (or removed) per lite worker, in worker order. prepare() creates
   * the lite group synchronously (a runner calls it as it starts), so nothing comes before it.
   */
  addLiteUsers(deltas: readonly number[]): void {
    if (this.slices.lite.some((p) => p.kind === 'arrival')) return;
    deltas.forEach((delta, index) => {
      if (delta === 0 || index >= this.slices.lite.length) return;
      this.lite?.addUsers(index, delta);
    });
  }

  /** A new share for each lite worker (a distributed run re-dealt after a runner was lost), in worker order. */
  resliceLite(profiles: readonly LoadProfile[]): void {
    profiles.forEach((profile, index) => {
      if (index >= this.slices.lite.length) return;
      this.slices.lite[index] = profile;
      this.lite?.reslice(index, profile);
    });
  }

  stop(reason: string): void {
    this.pendingStop ??= reason;
    this.engine?.stop(reason);
    this.lite?.stop(reason);
  }

  /** The harness's health verdict; lite workers' own lag, CPU and memory count like the browsers'. */
  healthSummary(data: { totals(): Interval; intervals(): Interval[] }): HealthSummary {
    const summary = this.health.summary();
    return this.lite ? foldWorkerHealth(summary, data.totals(), data.intervals(), { client: 'lite', process: 'lite' }) : summary;
  }

  /** Stops sampling and ends every worker and browser; then reports the Chromium version seen. */
  async close(): Promise<void> {
    await this.health.stop().catch(() => undefined);
    await this.lite?.close();
    await this.pool?.close();
    const chromium = this.pool?.browserVersion();
    if (chromium) this.env.onVersion('chromium', chromium);
  }
}
