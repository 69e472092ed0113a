/**
 * `rookery calibrate <scenario>`: a short measured run that tells what one user of this scenario costs on this
 * machine, and how many users the machine holds below the CPU budget — before anyone asks it for more.
 *
 * 1. launch the browser with one context (not counted: a run pays it once), measure its PSS;
 * 2. open `users` more contexts and measure the CPU-seconds that took (browser + harness) → CPU per open;
 * 3. run the scenario with those users for `steady` seconds (no contexts opened) → CPU per user-second, per
 *    LiveView event; PSS with all contexts → memory per user.
 * The result is written as JSON; `rookery run` reads it to warn, to pace the ramp and to size the pool.
 */
import { roundTo } from '../common/round.js';
import { dirname } from 'node:path';
import { cpus, hostname } from 'node:os';
import { loadScenario } from '../scenario/load.js';
import { loadFeeder } from '../scenario/feeder.js';
import { BrowserPool } from '../browser/pool.js';
import { machineCapacity } from '../health/machine.js';
import { CpuMeter } from '../health/meter.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { Accumulator } from '../metrics/accumulator.js';
import { LoadEngine } from './engine.js';
import { checkTarget } from './run-local.js';
import { LoadConfigError } from '../common/config-error.js';
import { prewarmContexts } from './prewarm.js';
import { capacityOf, deriveCosts, CALIBRATION_SCHEMA, type Calibration, type LiteCalibration } from './capacity.js';
import { CPU_BUDGET_FRACTION } from '../browser/plan.js';

/** How long `rookery calibrate` measures at a steady load (its `--duration`). */
export const DEFAULT_CALIBRATE_STEADY_MS = 20_000;

export interface CalibrateOptions {
  scenarioFile: string;
  target?: string | undefined;
  /** Users measured at once. Default: 2 per core, at least 2, at most 8. */
  users?: number | undefined;
  /** Steady part, ms. Default 20 s. */
  steadyMs?: number | undefined;
  log?: (line: string) => void;
}

export async function calibrate(opts: CalibrateOptions): Promise<Calibration> {
  const log = opts.log ?? (() => {});
  const loaded = await loadScenario(opts.scenarioFile);
  const scenario = loaded.scenario;
  const target = opts.target ?? scenario.options?.target;
  if (!target) throw new LoadConfigError(`no target: pass --target URL or set options.target in ${loaded.file}`);
  await checkTarget(target);
  const machine = machineCapacity();
  const users = Math.max(1, Math.floor(opts.users ?? Math.min(8, Math.max(2, machine.cores * 2))));
  const steadyMs = opts.steadyMs ?? DEFAULT_CALIBRATE_STEADY_MS;
  const pool = new BrowserPool({ users: users + 1, blockResources: scenario.options?.blockResources ?? [] });
  const meter = new CpuMeter(() => pool.pids());
  try {
    // 0. what the rest of the machine is doing (nothing of ours runs yet but this process, idle).
    const idle0 = meter.read();
    await new Promise((r) => setTimeout(r, 1000));
    const idle1 = meter.read();
    const idleMachine = CpuMeter.machinePercent(idle0, idle1, machine.cores);
    const otherCpuPercent = idleMachine === undefined ? undefined : Math.max(0, idleMachine - CpuMeter.between(idle0, idle1) * 100);
    // 1. browser + one context (kept leased so step 2 opens new ones).
    const first = await pool.acquire(-1);
    await new Promise((r) => setTimeout(r, 500));
    const pssOne = meter.pssBytes();
    // 2. open `users` contexts.
    log(`calibrate: opening ${users} contexts…`);
    const before = meter.read();
    const warm = await prewarmContexts(pool, users);
    const afterOpen = meter.read();
    if (warm.contexts === 0) throw new Error('calibrate: no context could be opened');
    await first.release();
    // 3. the scenario, `users` at once, no ramp: every lease reuses a prewarmed context.
    log(`calibrate: running ${users} users of ${scenario.name} for ${Math.round(steadyMs / 1000)} s…`);
    const registry = new MetricsRegistry({ startedAt: Date.now() });
    const acc = new Accumulator({ startedAt: Date.now(), intervalMs: 1000 });
    const engine = new LoadEngine({
      scenario,
      profile: { kind: 'constant', users, rampMs: 0, durationMs: steadyMs, gracefulStopMs: 5_000 },
      target,
      leases: pool,
      registry,
      feeder: loadFeeder(scenario.options?.data, dirname(loaded.file)),
      setupData: await scenario.setup?.({ target, options: scenario.options ?? {} }),
      input: scenario.options?.input ?? 'fast',
      actionTimeoutMs: 15_000,
      abortOnError: false,
      onInterval: (s) => acc.add(s),
    });
    // Steady CPU is measured after the users' first navigation has settled (a few seconds in), to the end.
    let steadyStart: ReturnType<CpuMeter['read']> | undefined;
    let steadyT0 = 0;
    let eventsAtStart = 0;
    const settle = Math.min(5_000, steadyMs / 4);
    const timer = setTimeout(() => {
      steadyStart = meter.read();
      steadyT0 = performance.now();
      eventsAtStart = countEvents(acc);
    }, settle);
    let pssAll = 0;
    const pssTimer = setTimeout(() => {
      pssAll = meter.pssBytes();
    }, steadyMs - 1000);
    const outcome = await engine.run();
    clearTimeout(timer);
    clearTimeout(pssTimer);
    const steadyEnd = meter.read();
    const steadyElapsed = performance.now() - steadyT0;
    const actions = countEvents(acc) - eventsAtStart;
    if (!steadyStart) throw new Error('calibrate: the run ended before the steady period began');
    if (outcome.iterations === 0) throw new Error(`calibrate: no iteration of ${scenario.name} completed (${outcome.errors} errors): fix the scenario or target first`);
    const derived = deriveCosts({
      opened: warm.contexts,
      openCpuSeconds: CpuMeter.between(before, afterOpen),
      users,
      steadyMs: steadyElapsed,
      steadyCpuSeconds: CpuMeter.between(steadyStart, steadyEnd),
      actions,
      pssOneBytes: pssOne,
      pssAllBytes: pssAll || meter.pssBytes(),
    });
    const cap = capacityOf({
      cores: machine.cores,
      memoryBytes: machine.memoryBytes,
      headlessShell: true,
      userCpuPerSecond: derived.userCpuPerSecond,
      perUserBytes: derived.perUserBytes,
    });
    return {
      schema: CALIBRATION_SCHEMA,
      scenario: scenario.name,
      measuredAt: new Date().toISOString(),
      machine: { hostname: hostname(), cores: machine.cores, memoryBytes: machine.memoryBytes, cpuModel: cpus()[0]?.model ?? 'unknown' },
      chromium: pool.browserVersion(),
      users,
      steadyMs: Math.round(steadyElapsed),
      openCpuSeconds: roundTo(derived.openCpuSeconds, 4),
      userCpuPerSecond: roundTo(derived.userCpuPerSecond, 5),
      actions,
      cpuPerActionMs: derived.cpuPerActionMs === undefined ? undefined : roundTo(derived.cpuPerActionMs, 2),
      perUserBytes: Math.round(derived.perUserBytes),
      browserBaseBytes: Math.round(derived.browserBaseBytes),
      idleMachineCpuPercent: otherCpuPercent === undefined ? undefined : roundTo(otherCpuPercent, 1),
      capacityUsers: cap.users,
      limitedBy: cap.limitedBy,
    };
  } finally {
    await pool.close();
  }
}

/** Human summary of a calibration (the CLI prints it). */
export function describeCalibration(c: Calibration): string {
  const mb = (b: number): string => `${Math.round(b / 2 ** 20)} MB`;
  return [
    `${c.scenario} on ${c.machine.hostname} (${c.machine.cores} cores, Chromium ${c.chromium ?? '(version unknown)'}), ${c.users} users for ${Math.round(c.steadyMs / 1000)} s:`,
    `  CPU per context open  ${c.openCpuSeconds.toFixed(3)} CPU-s`,
    `  CPU per user          ${(c.userCpuPerSecond * 1000).toFixed(1)} ms per second (${(c.userCpuPerSecond * 100).toFixed(2)} % of a core)`,
    `  CPU per action        ${c.cpuPerActionMs === undefined ? '– (no LiveView event)' : `${c.cpuPerActionMs.toFixed(1)} ms`} over ${c.actions} events`,
    `  memory per user       ${mb(c.perUserBytes)} PSS (browser base ${mb(c.browserBaseBytes)})`,
    `this machine holds ≈ ${c.capacityUsers} users of ${c.scenario} below 70 % CPU (limited by ${c.limitedBy})`,
    ...(c.lite ? describeLite(c.lite, c.scenario) : []),
    ...(c.idleMachineCpuPercent !== undefined && c.idleMachineCpuPercent >= 10
      ? [`  note: other processes used ${Math.round(c.idleMachineCpuPercent)} % CPU when calibration began; while they run, fewer users fit`]
      : []),
  ].join('\n');
}

function describeLite(l: LiteCalibration, scenario: string): string[] {
  const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;
  return [
    `lite users (${l.users} in one worker, ${l.execArgv.join(' ') || 'no V8 flags'}, ${Math.round(l.steadyMs / 1000)} s):`,
    `  CPU per connect       ${(l.connectCpuSeconds * 1000).toFixed(1)} ms (page, scripts, LiveView join)`,
    `  CPU per user          ${(l.userCpuPerSecond * 1000).toFixed(2)} ms per second`,
    `  CPU per action        ${l.cpuPerActionMs === undefined ? '– (no LiveView event)' : `${l.cpuPerActionMs.toFixed(2)} ms`} over ${l.actions} events`,
    `  memory per user       ${mb(l.perUserBytes)} PSS (worker base ${mb(l.workerBaseBytes)})`,
    `this machine holds ≈ ${l.capacityUsers} lite users of ${scenario} below ${Math.round(CPU_BUDGET_FRACTION * 100)} % CPU (limited by ${l.limitedBy})`,
  ];
}

function countEvents(acc: Accumulator): number {
  return acc.totals().counters.filter((c) => c.name === 'lv_events').reduce((n, c) => n + c.value, 0);
}
