/**
 * The collector ↔ runner messages (protocol version 1), declared once: the types both sides use and the strict
 * validators every received frame goes through (src/cluster/protocol.ts frames and dispatches them). Strict means
 * known keys only, types and ranges, size limits on every string, array and record a peer controls — a frame that
 * fails is refused before anything acts on it.
 */
import { z } from 'zod';
import { describeValue, expects } from './issues.js';
import { finite, intervalSchema } from './interval.js';

export const PROTOCOL_VERSION = 1;

/** Byte and time limits. Frames above a cap are refused by `ws` itself (close 1009) or by `decodeFrame`. */
export const LIMITS = {
  /** Anything a peer sends before it has authenticated (hello is a few hundred bytes). */
  handshakeBytes: 16 * 1024,
  /** A runner's frames: one interval of up to a few hundred series, encoded histograms included. */
  runnerFrameBytes: 8 * 1024 * 1024,
  /** The collector's frames: the assign frame carries the scenario bundle, feeder rows and setup data. */
  collectorFrameBytes: 64 * 1024 * 1024,
  /** An unauthenticated peer that has not proved itself by then is dropped. */
  handshakeTimeoutMs: 5_000,
  /** Unauthenticated connections held at once; past it the oldest of the busiest address gives way (admission.ts). */
  maxPendingPeers: 32,
  /** Unauthenticated connections held at once from one address; past it that address's oldest gives way. */
  maxPendingPerAddress: 8,
  /** Strings that name things (ids, hosts, reasons) are cut to this. */
  maxNameLength: 200,
  maxReasonLength: 2_000,
} as const;

const DURATION_MAX_MS = 31 * 24 * 3600 * 1000;
const USERS_MAX = 10_000_000;

// ---------------------------------------------------------------------------------------------- building blocks

const text = (max: number = LIMITS.maxNameLength) => z.string().max(max);
const name = (max: number = LIMITS.maxNameLength) => z.string().min(1).max(max);
/** `bytes` bytes as lowercase hex: nonces, HMAC proofs, digests. */
const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), expects(`${bytes} bytes of lowercase hex`));
const whole = (min: number, max: number = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const range = (min: number, max: number) => z.number().min(min).max(max);
const ms = range(0, DURATION_MAX_MS);
/** A small string → string map (versions): bounded entries, bounded keys and values. */
const stringMap = (maxEntries = 32) =>
  z.record(text(), text()).refine((r) => Object.keys(r).length <= maxEntries, { message: `more than ${maxEntries} entries` });
const numberMap = (maxEntries = 16) =>
  z.record(text(), z.number().min(0)).refine((r) => Object.keys(r).length <= maxEntries, { message: 'too many entries' });
/** Runner capacities, one per slice. */
const weights = z.array(whole(1, USERS_MAX), expects('a non-empty array of capacities')).min(1, expects('a non-empty array of capacities')).max(10_000);
/** A slice index must name one of the weights. */
const sliced = <T extends { weights: number[]; index: number }>(m: T, ctx: z.core.$RefinementCtx): void => {
  if (Array.isArray(m.weights) && m.index > m.weights.length - 1) ctx.addIssue({ code: 'custom', path: ['index'], input: m.index, message: `expected a slice index ≤ ${m.weights.length - 1}, got the number ${m.index}` });
};

/** One part of a runner's share: its slice index in the weights and, with --iterations, its budget. */
const partSlice = z.strictObject({ index: whole(0), iterations: whole(0).optional() });

/** Every part index names one of the weights. */
function partsInRange(weights: unknown, browser: number | null, lite: readonly number[], ctx: z.core.$RefinementCtx, leaf: PropertyKey[] = []): void {
  if (!Array.isArray(weights)) return;
  const last = weights.length - 1;
  const check = (i: number, path: PropertyKey[]): void => {
    if (i > last) ctx.addIssue({ code: 'custom', path, input: i, message: `expected a slice index ≤ ${last}, got the number ${i}` });
  };
  if (browser !== null) check(browser, ['parts', 'browser', ...leaf]);
  lite.forEach((i, k) => check(i, ['parts', 'lite', k, ...leaf]));
}

// ---------------------------------------------------------------------------------------------- load profile

const profileCommon = {
  /** After the schedule ends, how long running iterations may finish before being aborted. */
  gracefulStopMs: ms,
  /** Stop after this many iterations in total; counted by the engine. */
  iterations: whole(0, USERS_MAX).optional(),
};

/** A whole (unsliced) load profile as load/profile.ts resolves it; the runner's share comes with start/reslice. */
export const wireProfileSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('constant'), users: whole(0, USERS_MAX), rampMs: ms, durationMs: ms, ...profileCommon }),
    z.strictObject({
      kind: z.literal('stages'),
      stages: z.array(z.strictObject({ durationMs: ms, target: whole(0, USERS_MAX) })).min(1).max(1_000),
      ...profileCommon,
    }),
    z.strictObject({
      kind: z.literal('arrival'),
      ratePerSec: range(0, 1_000_000),
      durationMs: ms,
      rampMs: ms.optional(),
      maxInFlight: whole(1, USERS_MAX),
      ...profileCommon,
    }),
  ],
  {
    // Zod reports a bad discriminator with the whole object as input: name the kind that was sent.
    error: (issue) => {
      const x = issue.input;
      if (typeof x !== 'object' || x === null || Array.isArray(x)) return `expected an object, got ${describeValue(x)}`;
      return `expected 'constant', 'stages' or 'arrival', got ${describeValue((x as { kind?: unknown }).kind)}`;
    },
  },
);
export type WireProfile = z.infer<typeof wireProfileSchema>;

/** Settings a runner applies to its own browsers and users (resolved on the collector: CLI wins over scenario). */
export const runnerSettingsSchema = z.strictObject({
  input: z.enum(['fast', 'playwright']),
  actionTimeoutMs: range(1, DURATION_MAX_MS),
  abortOnError: z.boolean(),
  browsers: whole(1, 10_000).optional(),
  contextsPerBrowser: whole(1, 10_000).optional(),
  blockResources: z.array(z.enum(['image', 'font', 'media'])).max(3).optional(),
});
export type RunnerSettings = z.infer<typeof runnerSettingsSchema>;

/** A runner's engine, as reported with every interval. */
export const engineProgressSchema = z.strictObject({
  active: whole(0),
  target: whole(0),
  iterations: whole(0),
  errors: whole(0),
  dropped: whole(0),
});
export type EngineProgress = z.infer<typeof engineProgressSchema>;

export const runOutcomeSchema = z.strictObject({
  iterations: whole(0),
  errors: whole(0),
  dropped: whole(0),
  interrupted: text(LIMITS.maxReasonLength).optional(),
});
export type RunOutcomeWire = z.infer<typeof runOutcomeSchema>;

/** A runner's own health summary at the end (the results' health without the collector-side notes). */
export const wireHealthSchema = z.strictObject({
  saturated: z.boolean(),
  reasons: z.array(text(LIMITS.maxReasonLength)).max(50),
  eventLoopLagP99Ms: z.number().min(0),
  eventLoopLagMaxMs: z.number().min(0),
  cpuPeakPercent: numberMap(),
  rssPeakBytes: numberMap(),
  cores: whole(0, 100_000),
});
export type WireHealth = z.infer<typeof wireHealthSchema>;

// ---------------------------------------------------------------------------------------------- messages

const v = z.literal(PROTOCOL_VERSION);
const ping = z.strictObject({ v, t: z.literal('ping'), at: finite });
const error = z.strictObject({ v, t: z.literal('error'), message: text(LIMITS.maxReasonLength) });

/** What the collector sends, by type. */
export const collectorMessageSchemas = {
  challenge: z.strictObject({ v, t: z.literal('challenge'), nonce: hex(32) }),
  welcome: z.strictObject({ v, t: z.literal('welcome'), runnerId: name(), proof: hex(32), heartbeatMs: range(50, 60_000), silenceMs: range(100, 600_000) }),
  /** `retry`: a passing condition (the collector is busy); the runner dials again within its connect timeout. */
  reject: z.strictObject({ v, t: z.literal('reject'), reason: text(LIMITS.maxReasonLength), retry: z.literal(true).optional() }),
  assign: z.strictObject({
    v,
    t: z.literal('assign'),
    runId: name(),
    scenario: z.strictObject({ name: name(), code: name(LIMITS.collectorFrameBytes), sha256: hex(32) }),
    target: name(2_000).regex(/^https?:\/\//, expects('an http(s) URL')),
    /** The whole run's profile; the runner's share comes with `start` and `reslice`. */
    profile: wireProfileSchema,
    settings: runnerSettingsSchema,
    /** Data feeder rows, inline (runners do not have the scenario's folder); null when the scenario has none. */
    feederRows: z.array(z.record(z.string(), z.unknown()), expects('null or a non-empty array of objects')).min(1, expects('null or a non-empty array of objects')).nullable(),
    /** What the scenario's setup() returned on the collector (JSON); absent without setup(). */
    setupData: z.unknown().optional(),
    /** Sequential variants: each variant's segment of the schedule (ms since the run started). */
    segments: z
      .array(z.strictObject({ variant: name(), startMs: ms, holdEndMs: ms, endMs: ms }))
      .min(1)
      .max(1_000)
      .optional(),
    /** Browser and lite users: the split of the profile's units. */
    mix: z
      .strictObject({
        browserWeight: whole(0, USERS_MAX),
        liteWeight: whole(0, USERS_MAX),
        workers: whole(1, USERS_MAX),
        fixedWorkers: whole(1, 1_024).optional(),
        usersPerWorker: whole(1, USERS_MAX),
      })
      .optional(),
    /** Pre-warm contexts before ready; pace openings by the CPU budget. */
    capacity: z.strictObject({ prewarm: z.boolean().optional(), governor: z.boolean().optional() }).optional(),
  }),
  /** Start barrier: every runner starts `inMs` after receipt (no clocks compared). */
  /**
   * `weights` deal the whole profile's units over parts; `index` is this runner's browser part. With lite users
   * (`parts`), a runner holds a browser part (or none) and one part per lite worker.
   */
  start: z
    .strictObject({
      v,
      t: z.literal('start'),
      inMs: range(0, 60_000),
      weights,
      index: whole(0),
      extraUsers: whole(-USERS_MAX, USERS_MAX),
      parts: z.strictObject({ browser: whole(0).nullable(), lite: z.array(whole(0)).max(1_024) }).optional(),
    })
    .superRefine(sliced)
    .superRefine((m, ctx) => {
      if (m.parts === undefined) return;
      partsInRange(m.weights, m.parts.browser, m.parts.lite, ctx);
    }),
  /** Users added (or removed) at run time: `delta` for the browser users, `lite` per lite worker (runs with lite users). */
  users: z.strictObject({ v, t: z.literal('users'), delta: whole(-USERS_MAX, USERS_MAX), lite: z.array(whole(-USERS_MAX, USERS_MAX)).max(1_024).optional() }),
  /**
   * A new share after a runner was lost. With lite users (`parts`), the runner's browser part (or none) and each
   * of its lite workers' parts, in the order it runs them, each with its iteration budget when the run has one.
   */
  reslice: z
    .strictObject({
      v,
      t: z.literal('reslice'),
      weights,
      index: whole(0),
      iterations: whole(0).optional(),
      parts: z.strictObject({ browser: partSlice.nullable(), lite: z.array(partSlice).max(1_024) }).optional(),
    })
    .superRefine(sliced)
    .superRefine((m, ctx) => {
      if (m.parts === undefined) return;
      partsInRange(m.weights, m.parts.browser?.index ?? null, m.parts.lite.map((p) => p.index), ctx, ['index']);
    }),
  stop: z.strictObject({ v, t: z.literal('stop'), reason: text(LIMITS.maxReasonLength) }),
  bye: z.strictObject({ v, t: z.literal('bye') }),
  ping,
  error,
} as const;

/** What a runner sends, by type. */
export const runnerMessageSchemas = {
  hello: z.strictObject({
    v,
    t: z.literal('hello'),
    /** The name the runner goes by (host-pid by default), shown in logs and results. */
    name: name(),
    host: text(),
    pid: whole(0),
    /** Users this runner can hold: its weight when users are sliced. */
    capacity: whole(1, USERS_MAX),
    /** Lite users it can hold (its weight for them) and the worker processes it runs them in. */
    lite: z.strictObject({ capacity: whole(0, USERS_MAX), workers: whole(1, 1_024) }).optional(),
    nonce: hex(32),
    proof: hex(32),
    versions: stringMap(),
  }),
  ready: z.strictObject({ v, t: z.literal('ready') }),
  failed: z.strictObject({ v, t: z.literal('failed'), message: text(LIMITS.maxReasonLength) }),
  /** Every interval: histogram deltas + counters + gauges (health) + engine status. */
  snapshot: z.strictObject({
    v,
    t: z.literal('snapshot'),
    seq: whole(0),
    /** The runner's own clock at its run start: the collector re-bases the interval's times on its own. */
    runStartedAt: z.number().min(0),
    snapshot: intervalSchema,
    /** Which part of the runner measured it (`lite-0` for a lite worker); absent for its browser users. */
    part: z.string().regex(/^[a-z0-9-]{1,40}$/, expects('a short name of a-z, 0-9 and -')).optional(),
    status: engineProgressSchema,
    health: z.strictObject({ line: text(500), saturated: z.boolean() }).optional(),
  }),
  done: z.strictObject({ v, t: z.literal('done'), lastSeq: whole(-1), outcome: runOutcomeSchema, health: wireHealthSchema, versions: stringMap() }),
  ping,
  error,
} as const;

type MessageOf<M extends Record<string, z.ZodType>> = { [K in keyof M]: z.infer<M[K]> }[keyof M];
export type CollectorMessage = MessageOf<typeof collectorMessageSchemas>;
export type RunnerMessage = MessageOf<typeof runnerMessageSchemas>;
