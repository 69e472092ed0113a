/**
 * `rookery calibrate --lite`: what one lite user of a scenario costs on this machine, measured on one real lite
 * worker process (the run's own code and V8 flags) in two parts:
 *
 * 1. `users / 2` lite users run the scenario for a few seconds (the worker's heap and young generation grow to
 *    their working size); the worker's PSS is read;
 * 2. the other half joins over a short ramp; after a settle, the steady part measures the CPU of the worker (and of
 *    this process, which merges its snapshots as a run's parent does) per user-second and per LiveView event;
 *    the PSS is read again.
 *
 * The join window's CPU, less what the running users spend at the steady rate, is the connects' cost (page load,
 * scripts, LiveView join); the PSS difference over the added users is the memory per user, the rest the worker's
 * own. Pure arithmetic in src/load/capacity.ts (`deriveLiteCosts`, `liteCapacityOf`).
 */
import { roundTo } from '../common/round.js';
import { dirname } from 'node:path';
import { loadScenario } from '../scenario/load.js';
import { machineCapacity } from '../health/machine.js';
import { CpuMeter } from '../health/meter.js';
import { checkTarget } from '../load/run-local.js';
import { DEFAULT_CALIBRATE_STEADY_MS } from '../load/calibrate.js';
import { LoadConfigError } from '../common/config-error.js';
import { deriveLiteCosts, liteCapacityOf, type LiteCalibration } from '../load/capacity.js';
import type { Interval } from '../metrics/model.js';
import { LiteWorkerGroup } from './workers.js';
import { execArgvOverride, liteWorkerExecArgv } from './gc-settings.js';
import { LITE_USERS_PER_WORKER } from '../load/mix-plan.js';

/** Lite users `rookery calibrate --lite` measures (its `--lite-users`). */
export const DEFAULT_LITE_CALIBRATE_USERS = 100;
export interface CalibrateLiteOptions {
  scenarioFile: string;
  target?: string | undefined;
  /** Lite users at the end (half run first). Default 100. */
  users?: number | undefined;
  /** Steady part, ms. Default 20 s. */
  steadyMs?: number | undefined;
  /**
   * Worker V8 flags. Default: ROOKERY_LITE_EXEC_ARGV, else those of a full worker of a run (liteWorkerExecArgv of
   * LITE_USERS_PER_WORKER, the users per worker the capacity figures assume), not of the few users measured: the
   * costs are per user of the workers the calibration sizes.
   */
  execArgv?: readonly string[] | undefined;
  /** Lengths of the first part, the join ramp and the settle before the steady part (tests shorten them). */
  phasesMs?: { first: number; joinRamp: number; settle: number } | undefined;
  log?: (line: string) => void;
}

const PHASES_MS = { first: 8_000, joinRamp: 4_000, settle: 3_000 };

const sum = (snaps: readonly { to: number; s: Interval }[], name: string, fromMs: number, toMs: number, labels: Record<string, string> = {}): number =>
  snaps
    .filter((x) => x.to > fromMs && x.to <= toMs)
    .flatMap((x) => x.s.counters)
    .filter((c) => c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v))
    .reduce((n, c) => n + c.value, 0);

export async function calibrateLite(opts: CalibrateLiteOptions): Promise<LiteCalibration> {
  const log = opts.log ?? (() => {});
  const loaded = await loadScenario(opts.scenarioFile);
  const { scenario } = loaded;
  const options = scenario.options ?? {};
  const target = opts.target ?? options.target;
  if (!target) throw new LoadConfigError(`no target: pass --target URL or set options.target in ${loaded.file}`);
  await checkTarget(target);
  const users = Math.max(2, Math.floor(opts.users ?? DEFAULT_LITE_CALIBRATE_USERS));
  const half = Math.floor(users / 2);
  const steadyMs = opts.steadyMs ?? DEFAULT_CALIBRATE_STEADY_MS;
  const { first: FIRST_PART_MS, joinRamp: JOIN_RAMP_MS, settle: SETTLE_MS } = opts.phasesMs ?? PHASES_MS;
  const execArgv = [...(opts.execArgv ?? execArgvOverride() ?? liteWorkerExecArgv(LITE_USERS_PER_WORKER))];
  const machine = machineCapacity();
  const startedAt = Date.now();
  const snaps: { to: number; s: Interval }[] = [];
  const errors: string[] = [];
  const group = new LiteWorkerGroup({
    execArgv,
    setup: {
      bundle: { ...loaded.bundle, file: loaded.file, resolveDir: dirname(loaded.file) },
      target,
      input: options.input ?? 'fast',
      actionTimeoutMs: 15_000,
      abortOnError: false,
      setupData: await scenario.setup?.({ target, options }),
      data: options.data,
      dataDir: dirname(loaded.file),
      startedAt,
    },
    slices: [{
      kind: 'stages',
      gracefulStopMs: 5_000,
      stages: [
        { durationMs: 0, target: half },
        { durationMs: FIRST_PART_MS, target: half },
        { durationMs: JOIN_RAMP_MS, target: users },
        { durationMs: SETTLE_MS + steadyMs, target: users },
      ],
    }],
    onInterval: (s) => {
      snaps.push({ to: s.to, s });
      for (const e of s.errors) if (errors.length < 3) errors.push(`${e.kind}: ${e.samples[0]?.message ?? ''}`);
    },
    log: (line) => log(line),
  });
  const meter = new CpuMeter(() => group.pids());
  await group.start();
  try {
    log(`calibrate: ${half} lite users for ${FIRST_PART_MS / 1000} s, then ${users} for ${Math.round((SETTLE_MS + steadyMs) / 1000)} s…`);
    const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + ms - performance.now())));
    const t0 = performance.now();
    const done = group.run();
    await at(FIRST_PART_MS);
    const failed = sum(snaps, 'iterations', -Infinity, Infinity, { result: 'error' });
    if (sum(snaps, 'iterations', -Infinity, Infinity, { result: 'ok' }) === 0 && failed > 0) {
      group.stop('calibration failed');
      await done;
      throw new Error(`calibrate --lite: ${scenario.name} does not run as a lite user: ${failed} error(s), no iteration completed${errors.length ? ` (${errors.join(' | ')})` : ''}`);
    }
    const joinStart = meter.read();
    const pssHalf = meter.pssBytes();
    const joinFromMs = Date.now();
    await at(FIRST_PART_MS + JOIN_RAMP_MS + SETTLE_MS);
    const steadyStart = meter.read();
    const steadyFromMs = Date.now();
    await at(FIRST_PART_MS + JOIN_RAMP_MS + SETTLE_MS + steadyMs - 500);
    const pssAll = meter.pssBytes();
    const steadyEnd = meter.read();
    const steadyToMs = Date.now();
    const outcome = await done;
    if (sum(snaps, 'iterations', -Infinity, Infinity, { result: 'ok' }) === 0) throw new Error(`calibrate --lite: no iteration of ${scenario.name} completed as a lite user (${outcome.errors} errors${errors.length ? `: ${errors.join(' | ')}` : ''})`);
    const joined = sum(snaps, 'lv_joins', joinFromMs, steadyFromMs + 1_000, { cause: 'initial' });
    // Snapshots end on the worker's ticks: the events of intervals ending inside the steady part.
    const actions = sum(snaps, 'lv_events', steadyFromMs + 500, steadyToMs + 500);
    const derived = deriveLiteCosts({
      half,
      users,
      joined: joined > 0 ? joined : users - half,
      joinCpuSeconds: CpuMeter.between(joinStart, steadyStart),
      joinWindowMs: steadyFromMs - joinFromMs,
      joinRampMs: JOIN_RAMP_MS,
      steadyMs: steadyToMs - steadyFromMs,
      steadyCpuSeconds: CpuMeter.between(steadyStart, steadyEnd),
      actions,
      pssHalfBytes: pssHalf,
      pssAllBytes: pssAll,
    });
    const cap = liteCapacityOf({ cores: machine.cores, memoryBytes: machine.memoryBytes, userCpuPerSecond: derived.userCpuPerSecond, perUserBytes: derived.perUserBytes, workerBaseBytes: derived.workerBaseBytes });
    if (errors.length > 0) log(`calibrate --lite: errors while measuring (costs may be off): ${errors.join(' | ')}`);
    return {
      users,
      steadyMs: Math.round(steadyToMs - steadyFromMs),
      execArgv,
      connectCpuSeconds: roundTo(derived.connectCpuSeconds, 4),
      userCpuPerSecond: roundTo(derived.userCpuPerSecond, 6),
      actions,
      cpuPerActionMs: derived.cpuPerActionMs === undefined ? undefined : roundTo(derived.cpuPerActionMs, 2),
      perUserBytes: Math.round(derived.perUserBytes),
      workerBaseBytes: Math.round(derived.workerBaseBytes),
      capacityUsers: cap.users,
      limitedBy: cap.limitedBy,
    };
  } finally {
    group.stop('calibration over');
    await group.close();
  }
}
