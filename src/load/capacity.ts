/**
 * Capacity from measured costs: what one user of a scenario costs on this machine (CPU to open its context, CPU
 * per second while it runs, CPU per action, memory) and how many such users the machine holds below the CPU
 * budget. Pure arithmetic over measurements (calibrate.ts takes them), so it is tested with made-up numbers.
 */
import { CPU_BUDGET_FRACTION, planPool } from '../browser/plan.js';

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
  const memoryUsers = planPool({ users: 1, cores: i.cores, memoryBytes: i.memoryBytes, headlessShell: i.headlessShell, perContextBytes: Math.max(1, i.perUserBytes) }).memoryCapacityUsers;
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
  return o as Calibration;
}
