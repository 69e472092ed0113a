/**
 * Load profiles: how many users (closed model) or how many new iterations per second (open model) a run wants
 * at each moment. Resolved once from scenario options and CLI flags, then read by the engine through pure
 * schedule functions of elapsed time, so a run is reproducible and never drifts with timer jitter.
 *
 * The model is declared with `load: { kind: 'constant' | 'stages' | 'arrival', … }` (k6's executors; see
 * expandLoad). The older keys (`users`, `ramp`, `duration`, `stages`, `arrivalRate`, `maxInFlight`, and the CLI
 * flags of the same names) are shorthand for the same three models; within one layer (scenario options, or the
 * CLI/API overrides) `load` and a shorthand key together are an error.
 *
 * Defaults (when neither the scenario nor the CLI says):
 * - model: constant users; users 1; ramp 0; duration (hold after the ramp) 30s;
 * - with `iterations` and no duration: the duration is a 10m cap (as k6's maxDuration), the run normally ends
 *   when the engine has counted the iterations;
 * - gracefulStop 10s; arrival model: no ramp, maxInFlight = max(1, ceil(4 × rate)).
 */
import type { LoadSpec, ScenarioOptions, Stage } from '../scenario/define.js';
import { apportionment } from './apportion.js';
import { LoadConfigError } from '../common/config-error.js';
import { formatDuration, parseDuration } from './duration.js';

export const PROFILE_DEFAULTS = {
  users: 1,
  rampMs: 0,
  durationMs: 30_000,
  /** Duration cap when only `iterations` bounds the run. */
  iterationsMaxDurationMs: 600_000,
  gracefulStopMs: 10_000,
  /** maxInFlight = max(1, ceil(rate × this)): an iteration may take ~4 s before arrivals start being dropped. */
  maxInFlightPerRate: 4,
} as const;

/** This runner's part of a distributed run: global units (users, arrivals, iterations) are dealt by
 * `apportionment(weights)` and this slice owns the ones dealt to `index`. */
export interface ProfileSlice {
  readonly weights: readonly number[];
  readonly index: number;
}

interface ProfileCommon {
  /** Stop after this many iterations in total; counted by the engine. */
  iterations?: number;
  /** After the schedule ends, how long running iterations may finish before being aborted. */
  gracefulStopMs: number;
  /** Set on a runner's share of a distributed run (see sliceProfile). */
  slice?: ProfileSlice;
}

export interface ConstantProfile extends ProfileCommon {
  kind: 'constant';
  users: number;
  /** Users start evenly over the ramp; the last one at its end. */
  rampMs: number;
  /** Hold at `users` after the ramp. */
  durationMs: number;
}

export interface StagesProfile extends ProfileCommon {
  kind: 'stages';
  /** From 0 users, move linearly to each target over its duration (k6 ramping-vus). */
  stages: Array<{ durationMs: number; target: number }>;
}

export interface ArrivalProfile extends ProfileCommon {
  kind: 'arrival';
  /** New iterations per second once ramped. */
  ratePerSec: number;
  /** Run at `ratePerSec` for this long after the ramp. */
  durationMs: number;
  /** The rate grows linearly from 0 over this time (default 0). */
  rampMs?: number;
  /** Arrivals beyond this many running iterations are dropped (and counted by the engine). */
  maxInFlight: number;
}

export type LoadProfile = ConstantProfile | StagesProfile | ArrivalProfile;

/** How messages name the overrides: as command-line flags (default) or as the option keys of run(). */
export interface ProfileNaming {
  overrides?: 'flags' | 'options';
}

/** CLI flags that override scenario options. `stagesSpec` is the raw `--stages` text. */
export type ProfileOverrides = Partial<ScenarioOptions> & { stagesSpec?: string };

// ---------------------------------------------------------------------------------------------------------------
// Resolution: scenario options + CLI overrides → one validated profile.

type Source = 'scenario' | 'cli';
/** How a setting is named in messages when it came from `load` (e.g. `options.load.rate`), per layer. */
type Names = Readonly<Record<Source, Readonly<Record<string, string>>>>;
const FLAG: Record<string, string> = {
  users: '--users',
  ramp: '--ramp',
  duration: '--duration',
  stages: '--stages',
  stagesSpec: '--stages',
  arrivalRate: '--arrival-rate',
  maxInFlight: '--max-in-flight',
  iterations: '--iterations',
  gracefulStop: '--graceful-stop',
};
const flagOrOption = (source: Source, key: string): string => (source === 'cli' ? (FLAG[key] ?? `--${key}`) : `options.${key}`);

// ---------------------------------------------------------------------------------------------------------------
// The explicit model: `load: { kind, … }` → the shorthand keys resolveProfile has always read.

/** The shorthand keys, each meaning part of one model. */
export const SHORTHAND_LOAD_KEYS = ['users', 'ramp', 'duration', 'stages', 'arrivalRate', 'maxInFlight'] as const;

/** Each kind's own settings and the shorthand key each one means. */
const LOAD_SETTINGS: Readonly<Record<LoadSpec['kind'], Readonly<Record<string, (typeof SHORTHAND_LOAD_KEYS)[number]>>>> = {
  constant: { users: 'users', duration: 'duration', ramp: 'ramp' },
  stages: { stages: 'stages' },
  arrival: { rate: 'arrivalRate', duration: 'duration', ramp: 'ramp', maxUsers: 'maxInFlight' },
};
const REQUIRED: Readonly<Record<LoadSpec['kind'], string>> = { constant: 'users', stages: 'stages', arrival: 'rate' };

export interface ExpandedLoad<T> {
  /** The layer with `load` replaced by the shorthand keys it means. */
  layer: T;
  /** Shorthand key → how to name it in messages (`options.load.rate`), for the keys that came from `load`. */
  names: Record<string, string>;
}

/**
 * One layer of settings (scenario options, or the CLI/API overrides) with its `load` declaration turned into the
 * shorthand keys, so everything after this reads one shape. `where` names the layer's `load` in messages
 * (`options.load`, `load`). A `load` that is not one of the three kinds, has a setting its kind does not take,
 * lacks its kind's required setting, or sits beside a shorthand key of the same layer is a LoadConfigError.
 */
export function expandLoad<T extends object>(layer: T, where: string, shorthandName: (key: string) => string = (k) => k): ExpandedLoad<T> {
  const record = layer as Readonly<Record<string, unknown>>;
  const load = record.load;
  if (load === undefined) return { layer, names: {} };
  if (typeof load !== 'object' || load === null || Array.isArray(load)) {
    throw new LoadConfigError(`${where}: expected { kind: 'constant' | 'stages' | 'arrival', … }, got ${JSON.stringify(load)}`);
  }
  const spec = load as Readonly<Record<string, unknown>>;
  const kind = spec.kind;
  if (kind !== 'constant' && kind !== 'stages' && kind !== 'arrival') {
    throw new LoadConfigError(`${where}.kind: ${JSON.stringify(kind)} is not a load model; use 'constant' (users), 'stages' or 'arrival' (rate)`);
  }
  const clash = [...SHORTHAND_LOAD_KEYS, 'stagesSpec'].find((k) => record[k] !== undefined);
  if (clash) {
    throw new LoadConfigError(`${where} and ${shorthandName(clash)} cannot be combined: ${where} declares the whole load model and ${shorthandName(clash)} is shorthand for part of one; give the setting inside ${where}`);
  }
  const settings = LOAD_SETTINGS[kind];
  const out: Record<string, unknown> = { ...record };
  delete out.load;
  const names: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'kind' || value === undefined) continue;
    const shorthand = settings[key];
    if (!shorthand) {
      throw new LoadConfigError(`${where}.${key} does not apply to kind '${kind}' (it takes ${Object.keys(settings).join(', ')})`);
    }
    out[shorthand] = value;
    names[shorthand] = `${where}.${key}`;
  }
  const required = REQUIRED[kind];
  if (spec[required] === undefined) throw new LoadConfigError(`${where}.${required}: required for kind '${kind}'`);
  return { layer: out as T, names };
}

type Kind = LoadProfile['kind'];
const MODEL_KEYS = ['users', 'stages', 'arrivalRate'] as const;
/** Which models a setting means something in; anything else is a contradiction worth an error. */
const APPLIES_TO: Record<'ramp' | 'duration' | 'maxInFlight', readonly Kind[]> = {
  ramp: ['constant', 'arrival'],
  duration: ['constant', 'arrival'],
  maxInFlight: ['arrival'],
};

/**
 * One validated profile from the scenario's options and CLI overrides. CLI values win. If the CLI picks a model
 * (`--users`, `--stages`, `--arrival-rate`) the scenario's model is replaced; its ramp/duration still apply when
 * they fit the CLI's model and are ignored when they don't. Contradictions within what is in effect (e.g.
 * `--arrival-rate` with `--users`, `--ramp` with stages) are errors naming both settings.
 */
export function resolveProfile(options: ScenarioOptions = {}, overrides: ProfileOverrides = {}, naming: ProfileNaming = {}): LoadProfile {
  // Overrides are named as flags (`--users`) for the CLI, as option keys (`users`) for run() from code.
  const overrideName = (key: string): string => (naming.overrides === 'options' ? (key === 'stagesSpec' ? 'stages' : key) : flagOrOption('cli', key));
  const plainName = (source: Source, key: string): string => (source === 'cli' ? overrideName(key) : flagOrOption(source, key));
  const fromScenario = expandLoad(options, 'options.load', (k) => plainName('scenario', k));
  const fromCli = expandLoad(overrides, 'load', overrideName);
  const names: Names = { scenario: fromScenario.names, cli: fromCli.names };
  const settingName = (source: Source, key: string): string => names[source][key] ?? plainName(source, key);
  const cli = cliLayer(fromCli.layer);
  const scenario = fromScenario.layer as Readonly<Record<string, unknown>>;
  const modelSource: Source = MODEL_KEYS.some((k) => cli[k] !== undefined) ? 'cli' : 'scenario';
  const model = modelSource === 'cli' ? cli : scenario;
  const kind = modelKind(model, modelSource, settingName);

  // A setting from the CLI always counts; a scenario setting counts unless the CLI replaced the scenario's model.
  const pick = (key: 'ramp' | 'duration' | 'maxInFlight'): { value: unknown; name: string } | undefined => {
    const fromCli = cli[key] !== undefined;
    const value = fromCli ? cli[key] : scenario[key];
    if (value === undefined) return undefined;
    const source: Source = fromCli ? 'cli' : 'scenario';
    if (APPLIES_TO[key].includes(kind)) return { value, name: settingName(source, key) };
    if (source === 'scenario' && modelSource === 'cli') return undefined; // belonged to the replaced model
    const modelKey = kind === 'stages' ? 'stages' : kind === 'arrival' ? 'arrivalRate' : 'users';
    const why = key === 'maxInFlight' ? 'it only limits the arrival-rate model' : 'stages carry their own durations';
    const modelName = model[modelKey] === undefined ? 'the default model (constant users)' : settingName(modelSource, modelKey);
    throw new LoadConfigError(`${settingName(source, key)} does not apply to ${modelName}: ${why}`);
  };
  const common = commonSettings(cli, scenario, settingName);

  if (kind === 'stages') {
    pick('ramp');
    pick('duration');
    pick('maxInFlight');
    const stages = validateStages(model.stages, settingName(modelSource, 'stages'));
    return { kind, stages, ...common };
  }

  const ramp = pick('ramp');
  const duration = pick('duration');
  const rampMs = ramp ? parseDuration(ramp.value as string | number, ramp.name) : PROFILE_DEFAULTS.rampMs;
  const durationMs = duration
    ? parseDuration(duration.value as string | number, duration.name)
    : common.iterations !== undefined ? PROFILE_DEFAULTS.iterationsMaxDurationMs : PROFILE_DEFAULTS.durationMs;
  if (rampMs + durationMs <= 0) {
    throw new LoadConfigError(`${duration?.name ?? ramp?.name ?? '--duration'}: ramp and duration are both 0, so there is nothing to run`);
  }

  if (kind === 'arrival') {
    const rateName = settingName(modelSource, 'arrivalRate');
    const ratePerSec = toNumber(model.arrivalRate, rateName);
    if (!(ratePerSec > 0)) throw new LoadConfigError(`${rateName}: ${String(model.arrivalRate)} must be > 0 arrivals per second`);
    const max = pick('maxInFlight');
    const maxInFlight = max
      ? positiveInteger(max.value, max.name)
      : Math.max(1, Math.ceil(ratePerSec * PROFILE_DEFAULTS.maxInFlightPerRate));
    return { kind, ratePerSec, durationMs, rampMs, maxInFlight, ...common };
  }

  pick('maxInFlight');
  const users = model.users === undefined ? PROFILE_DEFAULTS.users : positiveInteger(model.users, settingName(modelSource, 'users'));
  return { kind, users, rampMs, durationMs, ...common };
}

function cliLayer(overrides: ProfileOverrides): Record<string, unknown> {
  const cli: Record<string, unknown> = { ...overrides };
  for (const key of Object.keys(cli)) if (cli[key] === undefined) delete cli[key];
  if (cli.stagesSpec !== undefined && cli.stages !== undefined) {
    throw new LoadConfigError('--stages given twice (as text and as a list); give one');
  }
  if (cli.stagesSpec !== undefined) cli.stages = cli.stagesSpec;
  return cli;
}

function modelKind(layer: Readonly<Record<string, unknown>>, source: Source, settingName: (source: Source, key: string) => string): Kind {
  const set = MODEL_KEYS.filter((k) => layer[k] !== undefined);
  if (set.length > 1) {
    const [a, b] = set.map((k) => settingName(source, k));
    const why = set.includes('arrivalRate')
      ? 'an arrival rate (open model) and a user count (closed model) are different ways to drive load'
      : 'stages already say how many users to run at each moment';
    throw new LoadConfigError(`${a} and ${b} cannot be combined: ${why}; give one`);
  }
  return set[0] === 'stages' ? 'stages' : set[0] === 'arrivalRate' ? 'arrival' : 'constant';
}

function commonSettings(
  cli: Readonly<Record<string, unknown>>,
  scenario: Readonly<Record<string, unknown>>,
  settingName: (source: Source, key: string) => string,
): { iterations?: number; gracefulStopMs: number } {
  const iterSource: Source = cli.iterations !== undefined ? 'cli' : 'scenario';
  const iterValue = cli.iterations ?? scenario.iterations;
  const stopSource: Source = cli.gracefulStop !== undefined ? 'cli' : 'scenario';
  const stopValue = cli.gracefulStop ?? scenario.gracefulStop;
  const gracefulStopMs = stopValue === undefined ? PROFILE_DEFAULTS.gracefulStopMs : parseDuration(stopValue as string | number, settingName(stopSource, 'gracefulStop'));
  return iterValue === undefined ? { gracefulStopMs } : { iterations: positiveInteger(iterValue, settingName(iterSource, 'iterations')), gracefulStopMs };
}

/** Parses `--stages` text: comma-separated `duration:target`, e.g. `30s:10,1m:10,10s:0`. */
export function parseStages(spec: string, what = '--stages'): StagesProfile['stages'] {
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) throw new LoadConfigError(`${what}: empty; expected duration:target pairs like 30s:10,1m:10,10s:0`);
  const stages = parts.map((part, i) => {
    const m = /^([^:\s]+)\s*:\s*([^:\s]+)$/.exec(part);
    if (!m) throw new LoadConfigError(`${what}: stage ${i + 1} ${JSON.stringify(part)} is not duration:target (e.g. 30s:10)`);
    return { durationMs: parseDuration(m[1] as string, `${what} stage ${i + 1}`), target: nonNegativeInteger(m[2], `${what} stage ${i + 1} target`) };
  });
  return checkStagesTotal(stages, what);
}

function validateStages(value: unknown, what: string): StagesProfile['stages'] {
  if (typeof value === 'string') return parseStages(value, what);
  if (!Array.isArray(value) || value.length === 0) throw new LoadConfigError(`${what}: expected a non-empty list of { duration, target }`);
  const stages = (value as unknown[]).map((raw, i) => {
    if (typeof raw !== 'object' || raw === null) throw new LoadConfigError(`${what}[${i}]: expected { duration, target }, got ${JSON.stringify(raw)}`);
    const stage = raw as Partial<Stage>;
    if (stage.duration === undefined) throw new LoadConfigError(`${what}[${i}]: missing duration`);
    if (stage.target === undefined) throw new LoadConfigError(`${what}[${i}]: missing target`);
    return { durationMs: parseDuration(stage.duration, `${what}[${i}].duration`), target: nonNegativeInteger(stage.target, `${what}[${i}].target`) };
  });
  return checkStagesTotal(stages, what);
}

function checkStagesTotal(stages: StagesProfile['stages'], what: string): StagesProfile['stages'] {
  if (stages.reduce((sum, s) => sum + s.durationMs, 0) <= 0) throw new LoadConfigError(`${what}: all stage durations are 0, so there is nothing to run`);
  return stages;
}

/** Flags arrive as text from the command line; accept plain decimal numbers written as strings too. */
function toNumber(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) return Number(value);
  throw new LoadConfigError(`${what}: ${JSON.stringify(value)} is not a number`);
}

function positiveInteger(value: unknown, what: string): number {
  const n = toNumber(value, what);
  if (!Number.isSafeInteger(n) || n < 1) throw new LoadConfigError(`${what}: ${String(value)} must be a whole number ≥ 1`);
  return n;
}

function nonNegativeInteger(value: unknown, what: string): number {
  const n = toNumber(value, what);
  if (!Number.isSafeInteger(n) || n < 0) throw new LoadConfigError(`${what}: ${String(value)} must be a whole number ≥ 0`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Schedules: pure functions of elapsed time since the run started.

/** The most users a profile ever asks for (0 for stages that never leave 0); an arrival profile's cap on users in flight. */
export function profilePeakUsers(profile: LoadProfile): number {
  if (profile.kind === 'constant') return profile.users;
  if (profile.kind === 'stages') return Math.max(0, ...profile.stages.map((s) => s.target));
  return profile.maxInFlight;
}

/** Length of the schedule (ramps, holds, stages), excluding the graceful stop. */
export function totalDurationMs(profile: LoadProfile): number {
  if (profile.kind === 'stages') return profile.stages.reduce((sum, s) => sum + s.durationMs, 0);
  return (profile.rampMs ?? 0) + profile.durationMs;
}

/**
 * Closed models: how many users should be running at `elapsedMs`, an integer ≥ 0 (0 before the start, at and
 * after the end, and always 0 for the arrival model). Ramps move one user at a time at evenly spaced moments and
 * reach their target exactly at their end, going up or down. For a slice, this runner's part of the whole.
 */
export function targetUsersAt(profile: LoadProfile, elapsedMs: number): number {
  return partOf(profile, wholeTargetAt(profile, elapsedMs));
}

/**
 * The most users this profile's runner or worker holds at once: for a slice, its part of the whole's peak (what
 * targetUsersAt reaches). An arrival slice's `maxInFlight` is already its own, and is a cap (an upper bound on users
 * in flight), not the concurrency to expect.
 */
export function slicePeakUsers(profile: LoadProfile): number {
  const peak = profilePeakUsers(profile);
  return profile.kind === 'arrival' ? peak : partOf(profile, peak);
}

/** A slice's part of `whole` users (apportion.ts); the whole's count for a whole profile. */
function partOf(profile: LoadProfile, whole: number): number {
  return profile.slice ? apportionment(profile.slice.weights).unitsOf(profile.slice.index, whole) : whole;
}

function wholeTargetAt(profile: LoadProfile, t: number): number {
  if (profile.kind === 'arrival' || !(t >= 0) || t >= totalDurationMs(profile)) return 0;
  if (profile.kind === 'constant') return t < profile.rampMs ? ramp(0, profile.users, t, profile.rampMs) : profile.users;
  let from = 0;
  let start = 0;
  for (const stage of profile.stages) {
    if (t < start + stage.durationMs) return ramp(from, stage.target, t - start, stage.durationMs);
    from = stage.target;
    start += stage.durationMs;
  }
  return from; // unreachable: t < total was checked above
}

/** Level `into` ms into a linear move from `from` to `to` lasting `over` ms: steps at over/|Δ|, 2·over/|Δ|, …. */
function ramp(from: number, to: number, into: number, over: number): number {
  const steps = Math.floor((Math.abs(to - from) * into) / over);
  return from + Math.sign(to - from) * steps;
}

/** Tolerance for floating error when the expected arrival count is an exact integer (arrival at a boundary). */
const EPSILON = 1e-9;

/**
 * Open model: how many arrivals are scheduled in [fromMs, toMs). Arrival k is due when the expected count
 * ∫rate reaches k (k = 0, 1, …; the first at 0), with the rate rising linearly over the ramp. Counts over adjacent
 * windows add up exactly, however the engine slices time. 0 for closed models. For a slice, this runner's part.
 */
export function arrivalsDue(profile: LoadProfile, fromMs: number, toMs: number): number {
  if (profile.kind !== 'arrival' || !(toMs > fromMs)) return 0;
  const before = arrivalsBefore(profile, fromMs);
  const upTo = arrivalsBefore(profile, toMs);
  if (!profile.slice) return upTo - before;
  const deal = apportionment(profile.slice.weights);
  return deal.unitsOf(profile.slice.index, upTo) - deal.unitsOf(profile.slice.index, before);
}

/** Global arrivals scheduled strictly before `t` (clamped to the schedule). */
export function arrivalsBefore(profile: ArrivalProfile, t: number): number {
  if (!(t > 0)) return 0;
  const clamped = Math.min(t, totalDurationMs(profile));
  const rampMs = profile.rampMs ?? 0;
  const perMs = profile.ratePerSec / 1000;
  const expected = clamped < rampMs
    ? (perMs * clamped * clamped) / (2 * rampMs)
    : (perMs * rampMs) / 2 + perMs * (clamped - rampMs);
  return Math.max(0, Math.ceil(expected - EPSILON));
}

/**
 * The run-wide number of a slice's `localIndex`-th user or arrival (0-based), so user ids stay unique across
 * runners and feeders/variants see the same ids as in a single-machine run. Identity for whole profiles.
 */
export function globalIndex(profile: LoadProfile, localIndex: number): number {
  return profile.slice ? apportionment(profile.slice.weights).globalUnit(profile.slice.index, localIndex) : localIndex;
}

/** e.g. "20 users, ramp 10s, hold 20s"; "stages 30s→10, 1m→10, 10s→0 (1m40s)"; "5/s arrivals, …". */
export function describeProfile(profile: LoadProfile): string {
  let text: string;
  if (profile.kind === 'constant') {
    text = [`${profile.users} ${profile.users === 1 ? 'user' : 'users'}`, ...(profile.rampMs > 0 ? [`ramp ${formatDuration(profile.rampMs)}`] : []), `hold ${formatDuration(profile.durationMs)}`].join(', ');
  } else if (profile.kind === 'stages') {
    text = `stages ${profile.stages.map((s) => `${formatDuration(s.durationMs)}→${s.target}`).join(', ')} (${formatDuration(totalDurationMs(profile))})`;
  } else {
    const rampMs = profile.rampMs ?? 0;
    text = [`${profile.ratePerSec}/s arrivals`, ...(rampMs > 0 ? [`ramp ${formatDuration(rampMs)}`] : []), `hold ${formatDuration(profile.durationMs)}`, `max ${profile.maxInFlight} in flight`].join(', ');
  }
  if (profile.iterations !== undefined) text += `, stop after ${profile.iterations} iterations`;
  if (profile.slice) {
    const { weights, index } = profile.slice;
    text += ` (slice ${index + 1} of ${weights.length}, weight ${weights[index]}/${weights.reduce((a, b) => a + b, 0)})`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Distribution.

/**
 * Runner `share.index`'s part of `profile`, by capacity weights. The slices' targetUsersAt / arrivalsDue sum to
 * the whole's at every moment (see apportion.ts for how units are dealt). Iterations and maxInFlight are split
 * the same way; maxInFlight is at least 1 per slice, so with more runners than slots the sum may exceed it.
 */
export function sliceProfile(profile: LoadProfile, share: ProfileSlice): LoadProfile {
  if (profile.slice) throw new LoadConfigError('sliceProfile: the profile is already a slice; slice the whole profile');
  const deal = apportionment(share.weights);
  if (!Number.isInteger(share.index) || share.index < 0 || share.index >= share.weights.length) {
    throw new LoadConfigError(`sliceProfile: index ${share.index} out of range 0..${share.weights.length - 1}`);
  }
  const slice: ProfileSlice = { weights: [...share.weights], index: share.index };
  const iterations = profile.iterations === undefined ? {} : { iterations: deal.unitsOf(share.index, profile.iterations) };
  if (profile.kind === 'arrival') {
    return { ...profile, ...iterations, maxInFlight: Math.max(1, deal.unitsOf(share.index, profile.maxInFlight)), slice };
  }
  return { ...profile, ...iterations, slice };
}

/** A/B variants: user 0 → first, 1 → second, 2 → first, … so every variant runs at the same time, evenly. */
export function splitVariants(variantNames: readonly string[], userId: number): string {
  if (variantNames.length === 0) throw new RangeError('splitVariants: no variants');
  if (!Number.isSafeInteger(userId) || userId < 0) throw new RangeError(`splitVariants: user id ${userId} must be a whole number ≥ 0`);
  return variantNames[userId % variantNames.length] as string;
}
