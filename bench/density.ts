/**
 * Density: the most concurrent *active* users this machine sustains — each on /counter clicking `#inc` once
 * every 2 s — with zero errors, zero lost clicks and harness event-loop lag p99 < 100 ms.
 *
 *   npm run build && node bench/run.js density [--steps 50,100,150,...] [--hold 60] [--input fast|playwright]
 *     [--no-raw] [--ab-args '--flag …'] [--governor] [--calibrate [--calibrated-duration 60] [--overload 2]]
 *
 * Every step also runs the raw baseline (support/raw-playwright.ts: plain Playwright, same browser, switches, page
 * and click rate, no probe) in the same invocation, right before Rookery, so each figure is also a ratio to raw
 * Playwright on the same machine at the same time. `--ab-args` adds a third run per step with extra Chromium
 * switches, for A/B of launch flags (CPU per click per Chromium process kind, before/after).
 *
 * Each step is its own bounded `rookery run` (in a forked process, see support/step-child.ts) against the fixture
 * running in another process; steps go up until the first one that fails. A step is judged on its hold window
 * (after the ramp, all users on); errors and lost clicks count over the whole run. Lost clicks are checked
 * against the fixture's ground truth: clicks completed = `inc` events the server handled = round trips matched.
 *
 * `--calibrate` adds issue 13's capacity checks after the steps (see calibratedChecks): `rookery calibrate` on this
 * workload, then a run at the calibrated user count as a user would start it (no ramp given, so the governor paces
 * context opening), judged over the WHOLE run; then a run asking for `--overload` × that count, which must warn
 * before the ramp, hold users back at the governor and keep saturated seconds out of its steady-state figures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess, type FixtureProcess } from './support/fixture-process.js';
import { describeMachine, type MachineDescription } from './support/machine-description.js';
import { waitForQuietMachine, type QuietOutcome } from './support/quiet-machine.js';
import { runStep, type MeasuredStep } from './support/run-step.js';
import { repoRoot } from './support/repo-root.js';
import { errorTotal, lostClicks } from './support/window-measure.js';
import { spawn } from 'node:child_process';
import { readCalibration } from '../src/load/calibration-file.js';
import type { CapacityObservations } from './support/step-protocol.js';

const flags = parseFlags(process.argv.slice(2), {
  steps: '50,100,150,200,250,300,350,400,450,500',
  hold: '60',
  settle: '15',
  'ramp-rate': '4',
  'think-ms': '2000',
  input: 'fast',
  browsers: '',
  'contexts-per-browser': '',
  'max-busy': '30',
  'wait-retries': '10',
  'wait-s': '30',
  'keep-going': false,
  'cpu-prof': false,
  'no-raw': false,
  'ab-args': '',
  governor: false,
  calibrate: false,
  'calibrated-duration': '60',
  overload: '2',
  out: '',
});

type Mode = 'raw' | 'rookery' | 'rookery+ab';

const MAX_LAG_P99_MS = 100;
const TARGET = { patchP95Ms: 50, lagP99Ms: 50 };

interface StepReport {
  mode: Mode;
  users: number;
  rampS: number;
  quiet: QuietOutcome;
  measured: MeasuredStep;
  fixtureIncEvents: number;
  lost: number;
  errors: number;
  pass: boolean;
  meetsTarget: boolean;
  failReasons: string[];
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number | undefined, d = 1): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(d));
const MiB = 2 ** 20;

async function measureStep(fixture: FixtureProcess, users: number, profileDir: string | undefined, mode: Mode): Promise<StepReport> {
  const thinkMs = num(flags, 'think-ms');
  const rampS = Math.max(10, Math.ceil(users / num(flags, 'ramp-rate')));
  const settleS = num(flags, 'settle');
  const holdS = num(flags, 'hold');
  const quiet = await waitForQuietMachine({ maxBusyPercent: num(flags, 'max-busy'), waitMs: num(flags, 'wait-s') * 1000, retries: num(flags, 'wait-retries'), log });
  await fixture.reset();
  process.env.ROOKERY_BENCH_THINK_MS = String(thinkMs);
  const durationS = settleS + holdS + 3;
  log(`step ${users} users [${mode}]: ramp ${rampS}s, hold ${holdS}s (machine ${quiet.busyPercent.toFixed(0)} % busy before, load ${quiet.load1.toFixed(2)})`);
  const abArgs = str(flags, 'ab-args').split(/\s+/).filter(Boolean);
  const measured = await runStep(
    {
      mode: mode === 'raw' ? 'raw' : 'rookery',
      thinkMs,
      governor: Boolean(flags.governor),
      ...(mode === 'rookery+ab' ? { launchArgs: abArgs } : {}),
      scenario: join(repoRoot(), 'bench', 'scenarios', 'density-counter.ts'),
      target: fixture.url,
      users,
      ramp: `${rampS}s`,
      duration: `${durationS}s`,
      gracefulStop: '15s',
      input: str(flags, 'input') === 'playwright' ? 'playwright' : 'fast',
      ...(str(flags, 'browsers') ? { browsers: num(flags, 'browsers') } : {}),
      ...(str(flags, 'contexts-per-browser') ? { contextsPerBrowser: num(flags, 'contexts-per-browser') } : {}),
      holdFromMs: (rampS + settleS) * 1000,
      holdToMs: (rampS + settleS + holdS) * 1000,
    },
    { fixturePid: fixture.pid, timeoutMs: (rampS + durationS + 15 + 120) * 1000, ...(profileDir ? { cpuProfileDir: profileDir } : {}), log },
  );
  const truth = await fixture.stats();
  const fixtureIncEvents = truth.events.filter((e) => e.event === 'inc' && e.status === 'ok').length;
  const { hold, whole } = measured.result;
  const errors = errorTotal(whole) + whole.iterationsError;
  const { lost, detail: lostDetail } = lostClicks(whole, fixtureIncEvents);
  const failReasons: string[] = [];
  if (errors > 0) failReasons.push(`${errors} error(s): ${whole.errorSamples.slice(0, 2).join(' | ')}`);
  if (lost > 0) failReasons.push(lostDetail);
  if (hold.lag.p99 >= MAX_LAG_P99_MS) failReasons.push(`event-loop lag p99 ${fmt(hold.lag.p99)} ms ≥ ${MAX_LAG_P99_MS}`);
  if (hold.usersActiveMin < users) failReasons.push(`only ${hold.usersActiveMin} of ${users} users active in the hold window`);
  if (measured.result.interrupted) failReasons.push(`interrupted: ${measured.result.interrupted}`);
  const pass = failReasons.length === 0;
  return {
    mode,
    users,
    rampS,
    quiet,
    measured,
    fixtureIncEvents,
    lost,
    errors,
    pass,
    meetsTarget: pass && hold.patch.p95 < TARGET.patchP95Ms && hold.lag.p99 < TARGET.lagP99Ms,
    failReasons,
  };
}

function stepLine(r: StepReport, cores: number): string {
  const { hold } = r.measured.result;
  const cpu = r.measured.cpu;
  const mem = r.measured.memory;
  const perUser = mem ? (mem.chromiumBytes + mem.harnessBytes) / r.users / MiB : undefined;
  return [
    `${r.pass ? 'PASS' : 'FAIL'} ${String(r.users).padStart(4)} users ${r.mode.padEnd(10)}`,
    `clicks/s ${fmt(hold.iterationsOk / Math.max(1, hold.intervals), 1)}`,
    `patch p50/p95/p99 ${fmt(hold.patch.p50)}/${fmt(hold.patch.p95)}/${fmt(hold.patch.p99)} ms`,
    `rtt p95 ${fmt(hold.rtt.p95)} ms`,
    `lag p99 ${fmt(hold.lag.p99)} ms (max ${fmt(hold.lag.max, 0)})`,
    cpu
      ? `cpu node ${fmt(cpu.harness, 0)}% chromium ${fmt(cpu.chromium, 0)}% fixture ${fmt(cpu.fixture, 0)}% irq ${fmt(cpu.irq, 0)}% steal ${fmt(cpu.steal, 0)}% others ${fmt(cpu.others, 0)}% = machine ${fmt(cpu.machine, 0)}/${cores * 100}%`
      : 'cpu –',
    cpu ? `chromium by process ${Object.entries(cpu.chromiumByKind).filter(([, v]) => v >= 0.5).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${fmt(v, 0)}%`).join(', ')}` : '',
    `mem/user ${fmt(perUser)} MiB PSS`,
    `errors ${r.errors} lost ${r.lost}`,
    ...(r.pass ? [] : [`— ${r.failReasons.join('; ')}`]),
  ].join(' | ');
}

/** What ran out first, from the failing step (or the last one measured when none failed). */
function limiter(r: StepReport, cores: number): string {
  const cpu = r.measured.cpu;
  const { hold, whole } = r.measured.result;
  const parts: string[] = [];
  if (cpu) {
    const capacity = cores * 100;
    const clicks = Math.max(1, hold.iterationsOk);
    const perClick = (pct: number): string => fmt(((pct / 100) * cpu.seconds * 1000) / clicks, 2);
    parts.push(
      `machine CPU ${fmt(cpu.machine, 0)}% of ${capacity}% (node ${fmt(cpu.harness, 0)}%, chromium ${fmt(cpu.chromium, 0)}%, fixture ${fmt(cpu.fixture, 0)}%, irq/softirq ${fmt(cpu.irq, 0)}%, steal ${fmt(cpu.steal, 0)}%, others ${fmt(cpu.others, 0)}%)`,
      `CPU per click: node ${perClick(cpu.harness)} ms, chromium ${perClick(cpu.chromium)} ms, fixture ${perClick(cpu.fixture)} ms`,
    );
    if (cpu.others >= 0.15 * capacity) parts.unshift(`CAUTION: other work used ${fmt(cpu.others, 0)}% of the machine during this step; its numbers are pessimistic`);
    if (cpu.machine >= 0.9 * capacity) parts.unshift('LIMIT: CPU (both cores busy)');
    else if (cpu.harness >= 85) parts.unshift('LIMIT: the Node harness process (one core; CDP traffic + verb round trips)');
    else if (hold.lag.p99 >= MAX_LAG_P99_MS) parts.unshift('LIMIT: Node event-loop stalls without CPU saturation (GC or long tasks)');
  }
  if (r.errors > 0) parts.push(`errors: ${whole.errorSamples.slice(0, 3).join(' | ')}`);
  return parts.join('\n  ');
}

/** CPU-ms per click of each process group over the hold window (undefined without /proc readings or clicks). */
function perClick(r: StepReport): Record<string, number> | undefined {
  const cpu = r.measured.cpu;
  const clicks = r.measured.result.hold.iterationsOk;
  if (!cpu || clicks === 0) return undefined;
  const ms = (pct: number): number => ((pct / 100) * cpu.seconds * 1000) / clicks;
  const out: Record<string, number> = { node: ms(cpu.harness), chromium: ms(cpu.chromium) };
  for (const [kind, pct] of Object.entries(cpu.chromiumByKind)) out[`chromium:${kind}`] = ms(pct);
  return out;
}

const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || !(b > 0) ? '–' : `${(a / b).toFixed(2)}×`);

/** Rookery against raw Playwright (and the A/B variant against Rookery) at one step. */
function comparisonLines(step: StepReport[]): string[] {
  const by = (m: Mode) => step.find((r) => r.mode === m);
  const raw = by('raw');
  const rk = by('rookery');
  const ab = by('rookery+ab');
  const lines: string[] = [];
  const pair = (label: string, x: StepReport | undefined, base: StepReport | undefined): void => {
    if (!x || !base) return;
    const hx = x.measured.result.hold;
    const hb = base.measured.result.hold;
    const cx = perClick(x);
    const cb = perClick(base);
    const kinds = [...new Set([...Object.keys(cx ?? {}), ...Object.keys(cb ?? {})])].filter((k) => (cx?.[k] ?? 0) >= 0.05 || (cb?.[k] ?? 0) >= 0.05);
    lines.push(
      `  ${x.users} users ${label}: clicks ${hx.iterationsOk}/${hb.iterationsOk} (${ratio(hx.iterationsOk, hb.iterationsOk)}), ` +
        `click→patch p95 ${fmt(hx.patch.p95)}/${fmt(hb.patch.p95)} ms (${ratio(hx.patch.p95, hb.patch.p95)}), lag p99 ${fmt(hx.lag.p99)}/${fmt(hb.lag.p99)} ms`,
      `    CPU ms per click ${label}: ${kinds.map((k) => `${k} ${fmt(cx?.[k], 2)}/${fmt(cb?.[k], 2)} (${ratio(cx?.[k], cb?.[k])})`).join(', ')}`,
    );
  };
  pair('rookery/raw', rk, raw);
  pair('ab/rookery', ab, rk);
  return lines;
}

interface CalibratedRun {
  users: number;
  quiet: QuietOutcome;
  measured: MeasuredStep;
  fixtureIncEvents: number;
  lost: number;
  errors: number;
  /** Whole run, ramp included: lag p99 < 50 ms, click→patch p95 < 50 ms, no errors or lost clicks. */
  meetsTarget: boolean;
  capacity: CapacityObservations | undefined;
}

interface CalibratedReport {
  calibrationFile: string;
  capacityUsers: number;
  limitedBy: string;
  calibrateOutput: string;
  atCapacity: CalibratedRun;
  overload: CalibratedRun;
  /** The 2× run warned before the ramp, the governor held users back, and the steady state left saturated seconds out (or had none). */
  overloadHandled: boolean;
}

/** `rookery calibrate` (the CLI, from dist/) on the density workload; returns the file it wrote. */
async function runCalibrate(fixture: FixtureProcess, file: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'bin', 'rookery.js'), 'calibrate', join(repoRoot(), 'bench', 'scenarios', 'density-counter.ts'), '--target', fixture.url, '--out', file],
    { env: { ...process.env, ROOKERY_BENCH_THINK_MS: String(num(flags, 'think-ms')) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`rookery calibrate exited ${code}: ${out.trim().split('\n').slice(-5).join('\n')}`);
  return out;
}

async function calibratedRun(fixture: FixtureProcess, users: number, calibrationFile: string): Promise<CalibratedRun> {
  const durationS = num(flags, 'calibrated-duration');
  const quiet = await waitForQuietMachine({ maxBusyPercent: num(flags, 'max-busy'), waitMs: num(flags, 'wait-s') * 1000, retries: num(flags, 'wait-retries'), log });
  await fixture.reset();
  log(`calibrated run: ${users} users, no ramp given (governor paces openings), ${durationS} s (machine ${quiet.busyPercent.toFixed(0)} % busy before, load ${quiet.load1.toFixed(2)})`);
  const measured = await runStep(
    {
      mode: 'rookery',
      governor: true,
      calibrationFile,
      scenario: join(repoRoot(), 'bench', 'scenarios', 'density-counter.ts'),
      target: fixture.url,
      users,
      duration: `${durationS}s`,
      gracefulStop: '15s',
      input: str(flags, 'input') === 'playwright' ? 'playwright' : 'fast',
      // The /proc window spans the whole run: it is what is judged here.
      holdFromMs: 0,
      holdToMs: durationS * 1000,
    },
    { fixturePid: fixture.pid, timeoutMs: (durationS + 15 + 180) * 1000, log },
  );
  const truth = await fixture.stats();
  const fixtureIncEvents = truth.events.filter((e) => e.event === 'inc' && e.status === 'ok').length;
  const { whole } = measured.result;
  const errors = errorTotal(whole) + whole.iterationsError;
  const { lost } = lostClicks(whole, fixtureIncEvents);
  return {
    users,
    quiet,
    measured,
    fixtureIncEvents,
    lost,
    errors,
    meetsTarget: errors === 0 && lost === 0 && whole.lag.p99 < TARGET.lagP99Ms && whole.patch.p95 < TARGET.patchP95Ms,
    capacity: measured.result.capacity,
  };
}

async function calibratedChecks(fixture: FixtureProcess): Promise<CalibratedReport> {
  const file = join(repoRoot(), 'rookery-results', 'bench', `calibration-density-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(resolve(file, '..'), { recursive: true });
  await waitForQuietMachine({ maxBusyPercent: num(flags, 'max-busy'), waitMs: num(flags, 'wait-s') * 1000, retries: num(flags, 'wait-retries'), log });
  await fixture.reset();
  log(`calibrating density-counter (rookery calibrate, load ${currentLoad1()})`);
  const calibrateOutput = await runCalibrate(fixture, file);
  log(calibrateOutput.trim());
  const c = readCalibration(file);
  const atCapacity = await calibratedRun(fixture, c.capacityUsers, file);
  log(calibratedRunLine('at capacity', atCapacity));
  const overloadUsers = Math.round(c.capacityUsers * num(flags, 'overload'));
  const overload = await calibratedRun(fixture, overloadUsers, file);
  log(calibratedRunLine(`${num(flags, 'overload')}× capacity`, overload));
  const oc = overload.capacity;
  const overloadHandled =
    !!oc &&
    /^WARNING:/.test(oc.capacityLine ?? '') &&
    oc.maxWaiting > 0 &&
    // Saturated seconds of the hold phase are listed, not mixed in; a run that never saturated has nothing to leave out.
    (oc.saturatedSeconds === 0 || (oc.steady !== undefined && oc.steady.excludedIntervals > 0));
  return { calibrationFile: file, capacityUsers: c.capacityUsers, limitedBy: c.limitedBy, calibrateOutput, atCapacity, overload, overloadHandled };
}

function currentLoad1(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';
}

function calibratedRunLine(label: string, r: CalibratedRun): string {
  const w = r.measured.result.whole;
  const cap = r.capacity;
  const cpu = r.measured.cpu;
  return [
    `${r.meetsTarget ? 'MEETS' : 'MISSES'} target, ${label}: ${r.users} users, whole run`,
    `clicks ${w.iterationsOk}`,
    `click→patch p50/p95/p99 ${fmt(w.patch.p50)}/${fmt(w.patch.p95)}/${fmt(w.patch.p99)} ms`,
    `lag p99 ${fmt(w.lag.p99)} ms`,
    `errors ${r.errors} lost ${r.lost}`,
    cpu ? `machine ${fmt(cpu.machine, 0)}% (others ${fmt(cpu.others, 0)}%)` : '',
    cap
      ? `capacity line: ${cap.capacityLine ?? '(none)'}; most waiting for the governor ${cap.maxWaiting}` +
        (cap.minOpeningPerSecond !== undefined ? ` (opening ≥ ${fmt(cap.minOpeningPerSecond, 2)}/s)` : '') +
        `; saturated seconds ${cap.saturatedSeconds}; steady ${cap.steady ? `${cap.steady.intervals} intervals (${cap.steady.selector}), ${cap.steady.excludedIntervals} left out, RTT p95 ${fmt(cap.steady.eventRttP95)} ms` : 'none'} vs whole-run RTT p95 ${fmt(cap.wholeEventRttP95)} ms`
      : '',
    `load ${fmt(r.measured.load1Before, 2)}→${fmt(r.measured.load1After, 2)}`,
  ]
    .filter(Boolean)
    .join(' | ');
}

function calibratedLines(c: CalibratedReport): string[] {
  return [
    '',
    `calibrated capacity (rookery calibrate, ${c.calibrationFile}): ${c.capacityUsers} users, limited by ${c.limitedBy}`,
    `  ${calibratedRunLine('at capacity', c.atCapacity)}`,
    `  ${calibratedRunLine(`${num(flags, 'overload')}× capacity`, c.overload)}`,
    `  ${num(flags, 'overload')}× request handled (warning before the ramp, governor held users back, saturated seconds kept out of the steady state): ${c.overloadHandled ? 'yes' : 'NO'}`,
  ];
}

async function main(): Promise<void> {
  const machine: MachineDescription = describeMachine();
  log(`machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.chromium}${machine.headlessShell ? ' (headless shell)' : ''}, Node ${machine.node}, Playwright ${machine.playwright}`);
  const steps = str(flags, 'steps').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  const profileRoot = flags['cpu-prof'] ? resolve(repoRoot(), 'rookery-results', 'bench', `density-prof-${Date.now()}`) : undefined;
  const modes: Mode[] = [...(flags['no-raw'] ? [] : (['raw'] as const)), 'rookery', ...(str(flags, 'ab-args') ? (['rookery+ab'] as const) : [])];
  const fixture = await startFixtureProcess();
  const reports: StepReport[] = [];
  const failed = new Set<Mode>();
  let calibrated: CalibratedReport | undefined;
  try {
    for (const users of steps) {
      const step: StepReport[] = [];
      for (const mode of modes) {
        if (failed.has(mode) && !flags['keep-going']) continue;
        const dir = profileRoot && mode !== 'raw' ? join(profileRoot, `${users}-${mode}`) : undefined;
        if (dir) mkdirSync(dir, { recursive: true });
        const r = await measureStep(fixture, users, dir, mode);
        reports.push(r);
        step.push(r);
        log(stepLine(r, machine.cores));
        if (!r.pass) failed.add(mode);
      }
      for (const l of comparisonLines(step)) log(l);
      if (modes.every((m) => failed.has(m)) && !flags['keep-going']) break;
    }
    if (flags.calibrate) calibrated = await calibratedChecks(fixture);
  } finally {
    await fixture.close();
  }

  const lines: string[] = ['', `density (${str(flags, 'input')} input, one click every ${num(flags, 'think-ms')} ms per user; load before each step in the step line)`];
  for (const r of reports) lines.push(`  ${stepLine(r, machine.cores)}`);
  lines.push('', 'same step, same machine, same minutes:');
  for (const users of [...new Set(reports.map((r) => r.users))]) lines.push(...comparisonLines(reports.filter((r) => r.users === users)));
  const summary: Record<string, { sustained: number; atTarget: number }> = {};
  for (const mode of modes) {
    const mine = reports.filter((r) => r.mode === mode);
    const sustained = Math.max(0, ...mine.filter((r) => r.pass).map((r) => r.users));
    const atTarget = Math.max(0, ...mine.filter((r) => r.meetsTarget).map((r) => r.users));
    summary[mode] = { sustained, atTarget };
    lines.push(`${mode}: sustained ${sustained} users, ${atTarget} at click→patch p95 < ${TARGET.patchP95Ms} ms and lag p99 < ${TARGET.lagP99Ms} ms`);
  }
  if (summary.raw && summary.rookery) {
    lines.push(`rookery / raw Playwright, users at target: ${ratio(summary.rookery.atTarget, summary.raw.atTarget)} (${summary.rookery.atTarget} vs ${summary.raw.atTarget}; steps are ${str(flags, 'steps')})`);
  }
  const best = reports.filter((r) => r.mode === 'rookery' && r.pass).reduce<StepReport | undefined>((a, r) => (!a || r.users > a.users ? r : a), undefined);
  const firstFail = reports.find((r) => r.mode === 'rookery' && !r.pass);
  if (best) {
    const mem = best.measured.memory;
    const hold = best.measured.result.hold;
    lines.push(
      `rookery sustained: ${best.users} active users = ${fmt(best.users / machine.cores, 0)} users per core` +
        (mem ? `, ${fmt((mem.chromiumBytes + mem.harnessBytes) / best.users / MiB)} MiB PSS per user (chromium ${fmt(mem.chromiumBytes / best.users / MiB)}, node ${fmt(mem.harnessBytes / MiB, 0)} MiB total)` : ''),
      `  click→patch p95 ${fmt(hold.patch.p95)} ms, RTT p95 ${fmt(hold.rtt.p95)} ms, lag p99 ${fmt(hold.lag.p99)} ms; target (p95 < ${TARGET.patchP95Ms} ms, lag p99 < ${TARGET.lagP99Ms} ms) ${best.meetsTarget ? 'met' : 'not met'}`,
      `  ${limiter(best, machine.cores)}`,
    );
  } else lines.push('rookery: no step passed');
  if (firstFail) lines.push(`rookery first failing step: ${firstFail.users} users — ${firstFail.failReasons.join('; ')}`, `  ${limiter(firstFail, machine.cores)}`);
  if (calibrated) lines.push(...calibratedLines(calibrated));
  if (profileRoot) lines.push(`CPU profiles of the harness process: ${profileRoot}/<users>-<mode>/*.cpuprofile`);
  process.stdout.write(`${lines.join('\n')}\n`);

  const out = str(flags, 'out') || join(repoRoot(), 'rookery-results', 'bench', `density-${str(flags, 'input')}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify({ bench: 'density', flags, machine, steps: reports, summary, calibrated }, null, 2));
  log(`results: ${out}`);
}

await main();
