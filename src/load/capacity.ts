/**
 * Capacity from measured costs: what one user of a scenario costs on this machine (CPU to open its context, CPU
 * per second while it runs, CPU per action, memory) and how many such users the machine holds below the CPU
 * budget. Pure arithmetic over measurements (calibrate.ts takes them), so it is tested with made-up numbers.
 */
import { CPU_BUDGET_FRACTION, MEMORY_HEADROOM_FRACTION, planPool } from '../browser/plan.js';
import type { MachineCapacity } from '../health/machine.js';

export const CALIBRATION_SCHEMA = 'rookery/calibration@1';

export interface Calibration {
  schema: typeof CALIBRATION_SCHEMA;
  scenario: string;
  /** ISO time of the measurement. */
  measuredAt: string;
  machine: { hostname: string; cores: number; memoryBytes: number; cpuModel: string };
  chromium: string | undefined;
  /** Users the calibration ran, and for how long (steady part). */
  users: number;
  steadyMs: number;
  /** CPU-seconds (browser + harness) to open one context with its page. */
  openCpuSeconds: number;
  /** CPU-seconds per second of one active user. */
  userCpuPerSecond: number;
  /** LiveView events completed during the steady part, and CPU-ms per event (undefined without events). */
  actions: number;
  cpuPerActionMs: number | undefined;
  /** Browser memory (PSS) per extra user, and the browser's own share, bytes. */
  perUserBytes: number;
  browserBaseBytes: number;
  /** Whole-machine CPU before the calibration started (% of one core): other work on the machine. */
  idleMachineCpuPercent: number | undefined;
  /** Users this machine holds below CPU_BUDGET_FRACTION of its cores (and within memory). */
  capacityUsers: number;
  limitedBy: 'cpu' | 'memory';
  /** Lite users' costs (`rookery calibrate --lite`); absent in calibrations of browser users only. */
  lite?: LiteCalibration | undefined;
}

/** What one lite user (src/lite: the app's LiveView client on happy-dom, in a worker process) costs here. */
export interface LiteCalibration {
  /** Lite users at the end of the measurement (half of them joined in its second part), and its steady part, ms. */
  users: number;
  steadyMs: number;
  /** Node flags of the worker measured (the run's defaults unless overridden). */
  execArgv: string[];
  /** CPU-seconds (worker + parent) for one user to load its page and join the LiveView, its actions excluded. */
  connectCpuSeconds: number;
  /** CPU-seconds per second of one active lite user, and per LiveView event (undefined without events). */
  userCpuPerSecond: number;
  actions: number;
  cpuPerActionMs: number | undefined;
  /** Worker PSS per extra user, and the worker's own share (Node, happy-dom, young generation), bytes. */
  perUserBytes: number;
  workerBaseBytes: number;
  /** Lite users this machine holds below CPU_BUDGET_FRACTION of its cores (and within memory). */
  capacityUsers: number;
  limitedBy: 'cpu' | 'memory';
}

export interface LiteRawMeasurements {
  /** Users running in the first part, and in the second (after `joined` more connected). */
  half: number;
  users: number;
  joined: number;
  /** CPU-seconds from the start of the second part (before the new users joined) to the start of the steady part. */
  joinCpuSeconds: number;
  joinWindowMs: number;
  /** How long the new users took to arrive (linear ramp). */
  joinRampMs: number;
  steadyMs: number;
  steadyCpuSeconds: number;
  actions: number;
  /** Worker PSS at the end of the first part (`half` users) and of the steady part (`users`). */
  pssHalfBytes: number;
  pssAllBytes: number;
}

export interface LiteDerivedCosts {
  connectCpuSeconds: number;
  userCpuPerSecond: number;
  cpuPerActionMs: number | undefined;
  perUserBytes: number;
  workerBaseBytes: number;
}

/**
 * Lite costs from two operating points: `half` users running, then `users` after the rest joined over a ramp.
 * The join window's CPU minus what the users already running (and the joining ones, once in) spend at the steady
 * rate is the connects' cost; memory per user is the PSS difference over the users added.
 */
export function deriveLiteCosts(m: LiteRawMeasurements): LiteDerivedCosts {
  if (!(m.users > m.half && m.half > 0 && m.joined > 0 && m.steadyMs > 0 && m.joinWindowMs > 0)) {
    throw new RangeError('lite calibration needs users running, more joining, and a steady period');
  }
  const userCpuPerSecond = m.steadyCpuSeconds / m.users / (m.steadyMs / 1000);
  // Each joining user is active from its arrival (uniform over the ramp) to the end of the window.
  const userSeconds = (m.half * m.joinWindowMs + m.joined * Math.max(0, m.joinWindowMs - m.joinRampMs / 2)) / 1000;
  const perUserBytes = Math.max(0, (m.pssAllBytes - m.pssHalfBytes) / (m.users - m.half));
  return {
    connectCpuSeconds: Math.max(0, m.joinCpuSeconds - userCpuPerSecond * userSeconds) / m.joined,
    userCpuPerSecond,
    cpuPerActionMs: m.actions > 0 ? (m.steadyCpuSeconds * 1000) / m.actions : undefined,
    perUserBytes,
    workerBaseBytes: Math.max(0, m.pssHalfBytes - perUserBytes * m.half),
  };
}

/**
 * Lite users a machine holds when nothing was measured, per core, at one click every 2 s per user: on a quiet
 * 2-core machine 1000 lite users used 82 % of it with click→patch p95 4.7 ms, and 1300 still passed (lite-density
 * bench, BENCHMARKS.md "Lite users"). A scenario that does more per second fits fewer: calibrate it.
 */
export const DEFAULT_LITE_USERS_PER_CORE = 500;
/** Memory per lite user and per worker process when nothing was measured (BENCHMARKS.md, "Lite users"). */
export const DEFAULT_LITE_USER_BYTES = 2 * 2 ** 20;
export const DEFAULT_LITE_WORKER_BYTES = 300 * 2 ** 20;

/** Lite capacity from measured costs: the CPU budget and the memory left after one worker per core. */
export function liteCapacityOf(i: { cores: number; memoryBytes: number; userCpuPerSecond: number; perUserBytes: number; workerBaseBytes: number; otherCpuPercent?: number | undefined }): { users: number; limitedBy: 'cpu' | 'memory'; cpuUsers: number; memoryUsers: number } {
  const cores = Math.max(1, i.cores);
  const budget = Math.max(0, cores * CPU_BUDGET_FRACTION - (i.otherCpuPercent ?? 0) / 100);
  const cpuUsers = i.userCpuPerSecond > 0 ? Math.floor(budget / i.userCpuPerSecond + 1e-9) : Number.MAX_SAFE_INTEGER;
  const free = i.memoryBytes * (1 - MEMORY_HEADROOM_FRACTION) - cores * i.workerBaseBytes;
  const memoryUsers = Math.max(0, Math.floor(free / Math.max(1, i.perUserBytes)));
  return cpuUsers <= memoryUsers ? { users: cpuUsers, limitedBy: 'cpu', cpuUsers, memoryUsers } : { users: memoryUsers, limitedBy: 'memory', cpuUsers, memoryUsers };
}

/**
 * How many lite users `machine` holds: from the calibration's lite costs when it has them (`rookery calibrate
 * --lite` on that machine), else DEFAULT_LITE_USERS_PER_CORE per core, bounded by memory at the default costs.
 * Runners of a distributed run deal lite users by this figure.
 */
export function liteCapacity(calibration: Pick<Calibration, 'lite'> | undefined, machine: MachineCapacity): number {
  const lite = calibration?.lite;
  if (lite) {
    return liteCapacityOf({ cores: machine.cores, memoryBytes: machine.memoryBytes, userCpuPerSecond: lite.userCpuPerSecond, perUserBytes: lite.perUserBytes, workerBaseBytes: lite.workerBaseBytes }).users;
  }
  const byMemory = liteCapacityOf({ cores: machine.cores, memoryBytes: machine.memoryBytes, userCpuPerSecond: 0, perUserBytes: DEFAULT_LITE_USER_BYTES, workerBaseBytes: DEFAULT_LITE_WORKER_BYTES }).memoryUsers;
  return Math.min(Math.max(1, machine.cores) * DEFAULT_LITE_USERS_PER_CORE, byMemory);
}

export interface RawMeasurements {
  /** Contexts opened while `openCpuSeconds` was measured (and added between the two PSS readings). */
  opened: number;
  openCpuSeconds: number;
  users: number;
  steadyMs: number;
  steadyCpuSeconds: number;
  actions: number;
  /** Browser PSS with one context, and with `opened` more. */
  pssOneBytes: number;
  pssAllBytes: number;
}

export interface DerivedCosts {
  openCpuSeconds: number;
  userCpuPerSecond: number;
  cpuPerActionMs: number | undefined;
  perUserBytes: number;
  browserBaseBytes: number;
}

export function deriveCosts(m: RawMeasurements): DerivedCosts {
  if (!(m.opened > 0) || !(m.users > 0) || !(m.steadyMs > 0)) throw new RangeError('calibration needs at least one context opened, one user and a steady period');
  const perUserBytes = Math.max(0, (m.pssAllBytes - m.pssOneBytes) / m.opened);
  return {
    openCpuSeconds: m.openCpuSeconds / m.opened,
    userCpuPerSecond: m.steadyCpuSeconds / m.users / (m.steadyMs / 1000),
    cpuPerActionMs: m.actions > 0 ? (m.steadyCpuSeconds * 1000) / m.actions : undefined,
    perUserBytes,
    browserBaseBytes: Math.max(0, m.pssOneBytes - perUserBytes),
  };
}

export interface CapacityInput {
  cores: number;
  memoryBytes: number;
  headlessShell: boolean;
  userCpuPerSecond: number;
  perUserBytes: number;
  /** CPU other processes used before the run, % of one core (taken out of the budget). */
  otherCpuPercent?: number | undefined;
}

export function capacityOf(i: CapacityInput): { users: number; limitedBy: 'cpu' | 'memory'; cpuUsers: number; memoryUsers: number } {
  const budget = Math.max(0, Math.max(1, i.cores) * CPU_BUDGET_FRACTION - (i.otherCpuPercent ?? 0) / 100);
  // + 1e-9: 0.8 / 0.01 is 79.999… in binary floating point.
  const cpuUsers = i.userCpuPerSecond > 0 ? Math.floor(budget / i.userCpuPerSecond + 1e-9) : Number.MAX_SAFE_INTEGER;
  // A PSS difference over a few users can measure 0 (noise): then the pool's default per-context figure stands in,
  // never an unbounded memory capacity.
  const memoryUsers = planPool({ users: 1, cores: i.cores, memoryBytes: i.memoryBytes, headlessShell: i.headlessShell, ...(i.perUserBytes > 0 ? { perContextBytes: i.perUserBytes } : {}) }).memoryCapacityUsers;
  return cpuUsers <= memoryUsers ? { users: cpuUsers, limitedBy: 'cpu', cpuUsers, memoryUsers } : { users: memoryUsers, limitedBy: 'memory', cpuUsers, memoryUsers };
}

/** The sentence said before the load goes up. `warn` when the request exceeds the capacity. */
export function capacityMessage(c: Pick<Calibration, 'capacityUsers' | 'scenario' | 'limitedBy' | 'measuredAt'>, requested: number): { text: string; warn: boolean } {
  const holds = `this machine holds ≈ ${c.capacityUsers} users of ${c.scenario} below ${Math.round(CPU_BUDGET_FRACTION * 100)} % CPU` +
    (c.limitedBy === 'memory' ? ' (memory is the limit)' : '');
  const warn = requested > c.capacityUsers;
  const tail = warn
    ? `; you asked for ${requested}: expect a saturated harness (the ramp governor will open contexts slowly, and steady-state figures will leave saturated intervals out)`
    : `; you asked for ${requested}`;
  return { text: `${holds}${tail} (calibrated ${c.measuredAt})`, warn };
}

/** Checks a calibration file read back from disk. */
export function validateCalibration(x: unknown, file: string): Calibration {
  const o = x as Partial<Calibration> | null;
  const bad = (why: string): never => {
    throw new Error(`${file}: not a Rookery calibration (${why}); run \`rookery calibrate <scenario>\` again`);
  };
  if (!o || typeof o !== 'object') return bad('not an object');
  if (o.schema !== CALIBRATION_SCHEMA) return bad(`schema ${JSON.stringify(o.schema)}, expected '${CALIBRATION_SCHEMA}'`);
  for (const k of ['openCpuSeconds', 'userCpuPerSecond', 'perUserBytes', 'capacityUsers', 'users', 'steadyMs'] as const) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || o[k] < 0) bad(`${k} must be a number ≥ 0`);
  }
  if (typeof o.scenario !== 'string') bad('scenario missing');
  if (!o.machine || typeof o.machine.cores !== 'number' || typeof o.machine.hostname !== 'string') bad('machine missing');
  if (o.lite !== undefined) {
    const l = o.lite as Partial<LiteCalibration> | null;
    if (!l || typeof l !== 'object') bad('lite must be an object');
    for (const k of ['users', 'steadyMs', 'connectCpuSeconds', 'userCpuPerSecond', 'perUserBytes', 'workerBaseBytes', 'capacityUsers'] as const) {
      const v = (l as Partial<LiteCalibration>)[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`lite.${k} must be a number ≥ 0`);
    }
  }
  return o as Calibration;
}
