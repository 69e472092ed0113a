/**
 * The scenario API: what one simulated person does on real LiveView pages. A scenario file default-exports
 * `defineScenario({...})`; Rookery loads it (src/scenario/load.ts), then runs many users of it by a load profile.
 */
import type { BrowserContext, Page } from 'playwright';
import type { ServerMetricsConfig } from '../server-metrics/scraper.js';

/** A duration: milliseconds as a number, or a string like `500ms`, `30s`, `2m`, `1h`, `1m30s`. */
export type Duration = number | string;

/** One k6-style stage: move linearly to `target` users over `duration`. */
export interface Stage {
  duration: Duration;
  target: number;
}

/** How input reaches the page: `fast` runs the action inside the page (default, cheap); `playwright` uses
 * Playwright's real input pipeline with actionability checks (higher fidelity, ~10 ms and much more CPU). */
export type InputMode = 'fast' | 'playwright';

/**
 * The load model, declared explicitly (k6's executors). Each kind takes only its own settings; `iterations` and
 * `gracefulStop` stay beside `load` because they apply to every kind.
 */
export type LoadSpec = ConstantLoad | StagesLoad | ArrivalLoad;

/** Closed model, k6 `constant-vus` (with a ramp): `users` run concurrently, each iteration after the last. */
export interface ConstantLoad {
  kind: 'constant';
  /** Concurrent users. */
  users: number;
  /** How long to hold `users` after the ramp. Default 30s (10m, a cap, when only `iterations` bounds the run). */
  duration?: Duration;
  /** Users start evenly over this time; the last one at its end. Default 0 (all at once). */
  ramp?: Duration;
}

/** Closed model, k6 `ramping-vus`: from 0 users, move linearly to each stage's target over its duration. */
export interface StagesLoad {
  kind: 'stages';
  stages: Stage[];
}

/**
 * Open model, k6 `constant-arrival-rate`: `rate` new iterations (user sessions) per second whatever the app's
 * latency; arrivals beyond `maxUsers` in flight are dropped and counted (`iterations{result=dropped}`).
 */
export interface ArrivalLoad {
  kind: 'arrival';
  /** New iterations per second. */
  rate: number;
  /** How long to run at `rate` after the ramp. Default 30s. */
  duration?: Duration;
  /** The rate grows linearly from 0 over this time. Default 0. */
  ramp?: Duration;
  /** Most iterations in flight at once. Default max(1, ceil(4 × rate)). */
  maxUsers?: number;
}

export interface ScenarioOptions {
  /** Base URL that paths given to verbs are relative to. CLI: --target. */
  target?: string;
  /**
   * The load model, declared explicitly: `{ kind: 'constant', users, duration?, ramp? }`,
   * `{ kind: 'stages', stages }` or `{ kind: 'arrival', rate, duration?, ramp?, maxUsers? }`. The keys below
   * (`users`, `ramp`, `duration`, `stages`, `arrivalRate`, `maxInFlight`) are shorthand for the same models;
   * mixing `load` with them in one place is an error. Default: `{ kind: 'constant', users: 1, duration: '30s' }`.
   */
  load?: LoadSpec;
  /** Shorthand for `load: { kind: 'constant', users }`: concurrent users. CLI: --users. */
  users?: number;
  /** Shorthand: the constant or arrival model's ramp. CLI: --ramp. */
  ramp?: Duration;
  /** Shorthand: the constant or arrival model's duration at load (after the ramp). CLI: --duration. */
  duration?: Duration;
  /** Shorthand for `load: { kind: 'stages', stages }`. CLI: --stages '30s:10,1m:10,10s:0'. */
  stages?: Stage[];
  /** Shorthand for `load: { kind: 'arrival', rate }`: new user iterations started per second. CLI: --arrival-rate. */
  arrivalRate?: number;
  /** Shorthand for the arrival model's `maxUsers`: arrivals beyond this many in flight are dropped and counted. */
  maxInFlight?: number;
  /** Stop after this many iterations in total (any model). CLI: --iterations. */
  iterations?: number;
  /** At the end, how long running iterations may take to finish before they are aborted. */
  gracefulStop?: Duration;
  /** Threshold expressions, e.g. `lv_event_rtt_ms{event=inc}:p95<200`. CLI: --threshold (adds). */
  thresholds?: string[];
  /** Browser processes and contexts (users) per browser; auto-sized from cores and memory when unset. */
  browsers?: number;
  contextsPerBrowser?: number;
  /** Resource types the browser should not load. */
  blockResources?: Array<'image' | 'font' | 'media'>;
  /** Stop the whole run at the first user error instead of recording it and starting a fresh iteration. */
  abortOnError?: boolean;
  /** Default input path for LiveView verbs. */
  input?: InputMode;
  /** How long verbs wait for a LiveView to connect / a reply to patch the page. */
  actionTimeout?: Duration;
  /** Per-user data: a JSON (array) or CSV file path relative to the scenario file, or inline rows. */
  data?: string | ReadonlyArray<Record<string, unknown>>;
  /** Visual regression: share of iterations whose u.snapshot() calls capture (0..1). */
  visualSample?: number;
  /**
   * The app's Prometheus endpoints (one per node), scraped each interval during the run: a URL, a list, or
   * `{ urls, mapping, intervalMs, timeoutMs }` (mapping adds rules for your own metric names; see the README).
   * CLI: --server-metrics (repeatable; replaces the URLs, keeps the mapping).
   */
  serverMetrics?: string | string[] | ServerMetricsConfig;
  /**
   * `interleaved` (default): variants run at the same time, users split between them — the fair comparison of
   * client figures on a noisy machine. `sequential`: each variant runs alone with the same load shape (ramp,
   * hold, ramp-down, `settle` gap), one after the other, so server metrics are attributable per variant.
   * CLI: --variant-mode.
   */
  variantMode?: 'interleaved' | 'sequential';
  /** Sequential variants: idle gap after each variant's ramp-down (default 5s). CLI: --settle. */
  settle?: Duration;
  /**
   * Lite users (src/lite: the app's own LiveView client on a Node DOM, no rendering) next to the browser users.
   * Constant model: this many lite users besides `users` browser users (`users` then defaults to 0). CLI: --lite-users.
   */
  liteUsers?: number;
  /** Stages and arrival-rate models: the share (0..1] of users/arrivals that are lite users. CLI: --lite-share. */
  liteShare?: number;
  /** Lite worker processes (default: as many as needed at `liteUsersPerWorker`, at most one per core). */
  liteWorkers?: number;
  /** Most lite users one worker process holds before another is started (default: measured, see BENCHMARKS.md). */
  liteUsersPerWorker?: number;
}

/** What a LiveView verb observed. Round-trip and bytes come from the WebSocket frames (CDP clock); patch time
 * from the page (page clock). They are separate clock domains; each interval is measured within one. */
export interface ActionTiming {
  /** LiveView event name of the push this action caused (undefined when it caused none). */
  event: string | undefined;
  /** The action's name: `opts.action`, else the event name (undefined when it caused no event). */
  action: string | undefined;
  view: string;
  /** push → phx_reply, from frames. */
  rttMs: number | undefined;
  /** action → DOM patched, from the page; ≥ rttMs. */
  patchMs: number;
  /** Reply frame bytes. */
  bytes: number | undefined;
  pushed: boolean;
}

export interface MountTiming {
  view: string;
  /** Navigation start → LiveView connected and rendered (page clock). */
  mountMs: number;
  /** Dead render: navigation start → document response end. */
  documentMs: number | undefined;
  /** phx_join → reply, from frames. */
  joinMs: number | undefined;
  joinBytes: number | undefined;
}

/** Per-call options of the action verbs. */
export interface ActionOptions {
  input?: InputMode;
  /**
   * What this action is, in the scenario's words (default: the LiveView event name). Recorded as the `action`
   * label on per-event metrics; `rookery compare` pairs variants by it, so `insert` on a stream page (event
   * `append`) is compared with `insert` on a list page (event `add`).
   */
  action?: string;
}

export interface LiveViewVerbs {
  /** Navigate to `path` (relative to the target) and resolve when the LiveView is connected and settled. */
  goto(path: string): Promise<MountTiming>;
  /** Click (phx-click) and wait for the reply to patch the page; live navigation links wait for the new view. */
  click(selector: string, opts?: ActionOptions): Promise<ActionTiming>;
  /** Set a field's value at once (one phx-change) and wait for the reply. */
  fill(selector: string, text: string, opts?: ActionOptions): Promise<ActionTiming>;
  /** Type key by key (one phx-change per key), waiting for each reply; optional delay between keys. */
  type(selector: string, text: string, opts?: ActionOptions & { delayMs?: number }): Promise<ActionTiming[]>;
  /** Submit a form (phx-submit) and wait for the reply. */
  submit(selector: string, opts?: ActionOptions): Promise<ActionTiming>;
  /** Wait until connected, no phx-*-loading, no pending refs and no unanswered pushes. */
  waitSettled(opts?: { timeoutMs?: number }): Promise<void>;
}

export interface SnapshotOptions {
  /** Selectors of regions to paint over before comparing (dynamic content). */
  mask?: string[];
  fullPage?: boolean;
  /** Max share of differing pixels (0..1) before it counts as a mismatch. */
  threshold?: number;
}

export interface Throttle {
  /** Resolves when the caller may proceed. */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

export interface User<Data = unknown, Row = Record<string, unknown>> {
  readonly page: Page;
  readonly context: BrowserContext;
  /** 0-based, unique within the run (across runners). */
  readonly userId: number;
  /** 0-based iteration number of this user. */
  readonly iteration: number;
  /** The variant this user runs, when the scenario declares variants. */
  readonly variant: string | undefined;
  /** The variant's value (e.g. a path), when the scenario declares variants. */
  readonly variantValue: string | undefined;
  /** What setup() returned. */
  readonly data: Data;
  /** This user's row of the data feeder (round-robin by userId), or an empty object. */
  readonly row: Row;
  /** Aborted when the run is stopping; long waits in scenario code should honour it. */
  readonly signal: AbortSignal;
  readonly lv: LiveViewVerbs;
  /** Time a block as `step_ms{step=name}`. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Pause like a person: a fixed time or uniformly random in [min, max]. */
  think(ms: number | readonly [number, number]): Promise<void>;
  /** Count a pass/fail outcome as `checks{check,result}`; returns the outcome. */
  check(name: string, condition: boolean | (() => boolean | Promise<boolean>)): Promise<boolean>;
  /** A throttle shared by all users of the run (declared with the scenario's `throttles`). */
  throttle(name: string): Throttle;
  /** Visual checkpoint: compare the settled page with its baseline (sampled; see options.visualSample). */
  snapshot(name: string, opts?: SnapshotOptions): Promise<void>;
}

export interface SetupContext {
  target: string;
  options: Readonly<ScenarioOptions>;
}

export type ThrottleSpec =
  | { kind: 'rate'; perSecond: number }
  | { kind: 'interarrival'; everyMs: number }
  | { kind: 'parallel'; max: number };

export interface Scenario<Data = unknown, Row = Record<string, unknown>> {
  name: string;
  options?: ScenarioOptions;
  /** A/B variants run interleaved in one run, users split evenly; metrics get a `variant` label. */
  variants?: Readonly<Record<string, string>>;
  throttles?: Readonly<Record<string, ThrottleSpec>>;
  setup?: (ctx: SetupContext) => Data | Promise<Data>;
  /** One iteration of one user. Called repeatedly until the load profile ends. */
  user: (u: User<Data, Row>) => Promise<void>;
  teardown?: (ctx: SetupContext, data: Data) => void | Promise<void>;
}

/**
 * Declares a scenario. Types flow from `setup`'s return value to `u.data`; at run time it is the identity (a
 * scenario file is recognised by its shape, see isScenario).
 */
export function defineScenario<Data = undefined, Row = Record<string, unknown>>(scenario: Scenario<Data, Row>): Scenario<Data, Row> {
  return scenario;
}

export function isScenario(value: unknown): value is Scenario<unknown, Record<string, unknown>> {
  return typeof value === 'object' && value !== null && typeof (value as { user?: unknown }).user === 'function' && typeof (value as { name?: unknown }).name === 'string';
}
