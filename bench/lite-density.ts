/**
 * Lite density: the most lite users (src/lite: the app's own LiveView client on happy-dom, in worker processes)
 * this machine holds — each on /counter clicking `#inc` once every 2 s — with zero errors, zero lost clicks,
 * click→patch p95 < 50 ms and harness event-loop lag p99 < 50 ms; and the memory per user. Same rules as
 * bench/density.ts (each step a bounded run in its own process against the fixture in another; fixture ground
 * truth for lost clicks; hold-window numbers; the machine's load recorded), plus one browser step in the same run
 * so the ratio lite : browser is measured on the same machine at the same time, not taken from another run.
 *
 *   npm run build && node bench/run.js lite-density [--steps 200,300,400,500,600] [--browser-users 100] [--hold 40]
 *
 * Memory per user is PSS of the whole harness tree (parent + workers, or parent + Chromium) divided by users, and
 * the marginal cost between the two largest passing steps (what one more user costs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess, type FixtureProcess } from './support/fixture-process.js';
import { describeMachine } from './support/machine-description.js';
import { waitForQuietMachine, type QuietOutcome } from './support/quiet-machine.js';
import { runStep, type MeasuredStep } from './support/run-step.js';
import { repoRoot } from './support/repo-root.js';
import { errorTotal, lostClicks } from './support/window-measure.js';

const flags = parseFlags(process.argv.slice(2), {
  steps: '200,300,400,500,600',
  'browser-users': '100',
  workers: '',
  hold: '40',
  settle: '10',
  'ramp-rate': '20',
  'think-ms': '2000',
  'max-busy': '30',
  'wait-retries': '10',
  'wait-s': '30',
  'keep-going': false,
  /** Node flags of the lite workers for every lite step (ROOKERY_LITE_EXEC_ARGV); default: the built-in ones. */
  'exec-argv': '',
  /** Also run the largest passing lite step again with these worker flags, to compare; several separated by ';'
   *  (e.g. "--max-semi-space-size=16;--max-semi-space-size=32"). */
  'compare-exec-argv': '',
  /** Lite users ramp up at this many per second (connects are ~15–20 ms of CPU each). */
  'lite-ramp-rate': '20',
  out: '',
});

const TARGET = { patchP95Ms: 50, lagP99Ms: 50 };
const MiB = 2 ** 20;
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number | undefined, d = 1): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(d));

interface StepReport {
  kind: 'lite' | 'browser';
  users: number;
  quiet: QuietOutcome;
  measured: MeasuredStep;
  lost: number;
  errors: number;
  pass: boolean;
  failReasons: string[];
  pssPerUserMiB: number | undefined;
  cpuMsPerClick: number | undefined;
}

async function measure(fixture: FixtureProcess, kind: 'lite' | 'browser', users: number, execArgv = str(flags, 'exec-argv')): Promise<StepReport & { execArgv: string }> {
  if (execArgv) process.env.ROOKERY_LITE_EXEC_ARGV = execArgv;
  else delete process.env.ROOKERY_LITE_EXEC_ARGV;
  const rampS = Math.max(10, Math.ceil(kind === 'lite' ? users / num(flags, 'lite-ramp-rate') : users / num(flags, 'ramp-rate') / 5));
  const settleS = num(flags, 'settle');
  const holdS = num(flags, 'hold');
  const quiet = await waitForQuietMachine({ maxBusyPercent: num(flags, 'max-busy'), waitMs: num(flags, 'wait-s') * 1000, retries: num(flags, 'wait-retries'), log });
  await fixture.reset();
  process.env.ROOKERY_BENCH_THINK_MS = str(flags, 'think-ms');
  const durationS = settleS + holdS + 3;
  log(`${kind} step ${users} users: ramp ${rampS}s, hold ${holdS}s (machine ${quiet.busyPercent.toFixed(0)} % busy before, load ${quiet.load1.toFixed(2)})`);
  const measured = await runStep(
    {
      scenario: join(repoRoot(), 'bench', 'scenarios', 'lite-density-counter.ts'),
      target: fixture.url,
      ...(kind === 'lite' ? { liteUsers: users, ...(str(flags, 'workers') ? { liteWorkers: num(flags, 'workers') } : {}) } : { users }),
      ramp: `${rampS}s`,
      duration: `${durationS}s`,
      gracefulStop: '15s',
      input: 'fast',
      holdFromMs: (rampS + settleS) * 1000,
      holdToMs: (rampS + settleS + holdS) * 1000,
    },
    { fixturePid: fixture.pid, timeoutMs: (rampS + durationS + 15 + 120) * 1000, log },
  );
  const truth = await fixture.stats();
  const serverClicks = truth.events.filter((e) => e.event === 'inc' && e.status === 'ok').length;
  const { hold, whole } = measured.result;
  const errors = errorTotal(whole) + whole.iterationsError;
  const { lost, detail: lostDetail } = lostClicks(whole, serverClicks);
  const failReasons: string[] = [];
  if (errors > 0) failReasons.push(`${errors} error(s): ${whole.errorSamples.slice(0, 2).join(' | ')}`);
  if (lost > 0) failReasons.push(lostDetail);
  if (hold.patch.p95 >= TARGET.patchP95Ms) failReasons.push(`click→patch p95 ${fmt(hold.patch.p95)} ms ≥ ${TARGET.patchP95Ms}`);
  if (hold.lag.p99 >= TARGET.lagP99Ms) failReasons.push(`event-loop lag p99 ${fmt(hold.lag.p99)} ms ≥ ${TARGET.lagP99Ms}`);
  if (hold.usersActiveMin < users) failReasons.push(`only ${hold.usersActiveMin} of ${users} users active in the hold window`);
  if (measured.result.interrupted) failReasons.push(`interrupted: ${measured.result.interrupted}`);
  const mem = measured.memory;
  const cpu = measured.cpu;
  const clicks = Math.max(1, hold.iterationsOk);
  return {
    execArgv: execArgv || 'default (per worker: src/lite/gc-settings.ts)',
    kind,
    users,
    quiet,
    measured,
    lost,
    errors,
    pass: failReasons.length === 0,
    failReasons,
    pssPerUserMiB: mem ? (mem.chromiumBytes + mem.harnessBytes) / users / MiB : undefined,
    // Harness tree CPU (parent + workers or parent + Chromium) per click in the hold window.
    cpuMsPerClick: cpu ? (((cpu.harness + cpu.chromium) / 100) * cpu.seconds * 1000) / clicks : undefined,
  };
}

function line(r: StepReport, cores: number): string {
  const { hold } = r.measured.result;
  const cpu = r.measured.cpu;
  const children = r.kind === 'lite' ? 'workers' : 'chromium';
  return [
    `${r.pass ? 'PASS' : 'FAIL'} ${r.kind.padEnd(7)} ${String(r.users).padStart(4)} users${r.kind === 'lite' ? ` [${(r as StepReport & { execArgv?: string }).execArgv}]` : ''}`,
    `clicks/s ${fmt(hold.iterationsOk / Math.max(1, hold.intervals), 1)}`,
    `patch p50/p95/p99 ${fmt(hold.patch.p50)}/${fmt(hold.patch.p95)}/${fmt(hold.patch.p99)} ms`,
    `rtt p95 ${fmt(hold.rtt.p95)} ms`,
    `lag p99 ${fmt(hold.lag.p99)} ms`,
    cpu ? `cpu parent ${fmt(cpu.harness, 0)}% ${children} ${fmt(cpu.chromium, 0)}% fixture ${fmt(cpu.fixture, 0)}% others ${fmt(cpu.others, 0)}% = machine ${fmt(cpu.machine, 0)}/${cores * 100}%` : 'cpu –',
    `cpu/click ${fmt(r.cpuMsPerClick, 2)} ms`,
    `PSS/user ${fmt(r.pssPerUserMiB, 2)} MiB`,
    ...(r.kind === 'lite' && r.measured.memory?.nodeChildren ? [`workers ${r.measured.memory.nodeChildren.map((c) => `${fmt(c.pssBytes / MiB, 0)} MiB [${c.flags.join(' ')}]`).join(', ')}`] : []),
    `load ${fmt(r.measured.load1Before, 2)}→${fmt(r.measured.load1After, 2)}`,
    ...(r.pass ? [] : [`— ${r.failReasons.join('; ')}`]),
  ].join(' | ');
}

async function main(): Promise<void> {
  const machine = describeMachine();
  log(`machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.chromium}, Node ${machine.node}`);
  const steps = str(flags, 'steps').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  const fixture = await startFixtureProcess();
  const reports: StepReport[] = [];
  const comparisons: StepReport[] = [];
  try {
    const browserUsers = num(flags, 'browser-users');
    if (browserUsers > 0) {
      const b = await measure(fixture, 'browser', browserUsers);
      reports.push(b);
      log(line(b, machine.cores));
    }
    for (const users of steps) {
      const r = await measure(fixture, 'lite', users);
      reports.push(r);
      log(line(r, machine.cores));
      if (!r.pass && !flags['keep-going']) break;
    }
    const compare = str(flags, 'compare-exec-argv').split(';').map((a) => a.trim()).filter(Boolean);
    const top = reports.filter((r) => r.kind === 'lite' && r.pass).at(-1) ?? reports.filter((r) => r.kind === 'lite').at(0);
    for (const argv of top ? compare : []) {
      const c = await measure(fixture, 'lite', top!.users, argv);
      log(line(c, machine.cores));
      comparisons.push(c);
    }
  } finally {
    await fixture.close();
  }
  const lite = reports.filter((r) => r.kind === 'lite');
  const passed = lite.filter((r) => r.pass).sort((a, b) => a.users - b.users);
  const best = passed.at(-1);
  const browser = reports.find((r) => r.kind === 'browser');
  const out: string[] = ['', `lite density (one click every ${num(flags, 'think-ms')} ms per user; pass = no errors, no lost clicks, patch p95 < ${TARGET.patchP95Ms} ms, lag p99 < ${TARGET.lagP99Ms} ms)`];
  for (const r of reports) out.push(`  ${line(r, machine.cores)}`);
  for (const c of comparisons) out.push(`  worker flags compared at the same step: ${line(c, machine.cores)}`);
  if (best) {
    const prev = passed.at(-2);
    const marginal = prev && best.measured.memory && prev.measured.memory
      ? ((best.measured.memory.chromiumBytes + best.measured.memory.harnessBytes - prev.measured.memory.chromiumBytes - prev.measured.memory.harnessBytes) / (best.users - prev.users)) / MiB
      : undefined;
    out.push('', `sustained: ${best.users} lite users (${fmt(best.users / machine.cores, 0)} per core), PSS ${fmt(best.pssPerUserMiB, 2)} MiB/user (marginal ${fmt(marginal, 2)} MiB/user), CPU ${fmt(best.cpuMsPerClick, 2)} ms/click`);
    if (browser) out.push(`browser step (same run): ${browser.users} users ${browser.pass ? 'passed' : 'failed'}, PSS ${fmt(browser.pssPerUserMiB, 2)} MiB/user, CPU ${fmt(browser.cpuMsPerClick, 2)} ms/click → lite uses ${fmt((browser.cpuMsPerClick ?? NaN) / (best.cpuMsPerClick ?? NaN), 1)}× less CPU per click and ${fmt((browser.pssPerUserMiB ?? NaN) / (best.pssPerUserMiB ?? NaN), 1)}× less memory per user`);
  } else out.push('', 'no lite step passed');
  process.stdout.write(`${out.join('\n')}\n`);
  const file = str(flags, 'out') || join(repoRoot(), 'rookery-results', 'bench', `lite-density-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify({ bench: 'lite-density', flags, machine, steps: reports, comparisons, sustainedLiteUsers: best?.users ?? 0 }, null, 2));
  log(`results: ${file}`);
}

await main();
