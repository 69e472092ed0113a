/**
 * Arrivals: the most *new user sessions per second* this machine sustains — open model (`--arrival-rate`), each
 * arrival acquires a browser context, opens /counter (a LiveView mount), clicks `#inc` once and leaves — with zero
 * dropped arrivals, zero errors and harness event-loop lag p99 < 100 ms.
 *
 *   npm run build && node bench/run.js arrivals [--rates 2,4,6,8,10,12,15,20] [--hold 45]
 *
 * Each rate is its own bounded run (forked process) against the fixture in another process. Arrivals beyond
 * --max-in-flight are dropped by the engine, never delayed (no coordinated omission), so "zero dropped" means the
 * harness kept up. The first seconds (contexts being created for the first time) are excluded from the hold
 * window; contexts are reused across arrivals after that (cleared between users), as in any long run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess, type FixtureProcess } from './support/fixture-process.js';
import { describeMachine } from './support/machine-description.js';
import { waitForQuietMachine, type QuietOutcome } from './support/quiet-machine.js';
import { runStep, type MeasuredStep } from './support/run-step.js';
import { repoRoot } from './support/repo-root.js';
import { errorTotal } from './support/window-measure.js';

const flags = parseFlags(process.argv.slice(2), {
  rates: '2,4,6,8,10,12,15,20',
  hold: '45',
  warmup: '15',
  'in-flight-per-rate': '5',
  browsers: '',
  'contexts-per-browser': '',
  'max-busy': '30',
  'wait-retries': '10',
  'wait-s': '30',
  'keep-going': false,
  'cpu-prof': false,
  out: '',
});

const MAX_LAG_P99_MS = 100;

interface RateReport {
  rate: number;
  maxInFlight: number;
  quiet: QuietOutcome;
  measured: MeasuredStep;
  fixtureJoins: number;
  fixtureIncEvents: number;
  dropped: number;
  errors: number;
  pass: boolean;
  failReasons: string[];
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number | undefined, d = 1): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(d));

async function measureRate(fixture: FixtureProcess, rate: number, profileDir: string | undefined): Promise<RateReport> {
  const warmupS = num(flags, 'warmup');
  const holdS = num(flags, 'hold');
  const maxInFlight = Math.max(4, Math.ceil(rate * num(flags, 'in-flight-per-rate')));
  const quiet = await waitForQuietMachine({ maxBusyPercent: num(flags, 'max-busy'), waitMs: num(flags, 'wait-s') * 1000, retries: num(flags, 'wait-retries'), log });
  await fixture.reset();
  const durationS = warmupS + holdS + 2;
  log(`rate ${rate}/s: ${durationS}s, max in flight ${maxInFlight} (machine ${quiet.busyPercent.toFixed(0)} % busy before, load ${quiet.load1.toFixed(2)})`);
  const measured = await runStep(
    {
      scenario: join(repoRoot(), 'bench', 'scenarios', 'arrival-counter.ts'),
      target: fixture.url,
      arrivalRate: rate,
      maxInFlight,
      duration: `${durationS}s`,
      gracefulStop: '15s',
      ...(str(flags, 'browsers') ? { browsers: num(flags, 'browsers') } : {}),
      ...(str(flags, 'contexts-per-browser') ? { contextsPerBrowser: num(flags, 'contexts-per-browser') } : {}),
      holdFromMs: warmupS * 1000,
      holdToMs: (warmupS + holdS) * 1000,
    },
    { fixturePid: fixture.pid, timeoutMs: (durationS + 15 + 120) * 1000, ...(profileDir ? { cpuProfileDir: profileDir } : {}), log },
  );
  const truth = await fixture.stats();
  const { hold, whole } = measured.result;
  const fixtureJoins = truth.joins.filter((j) => j.status === 'ok').length;
  const fixtureIncEvents = truth.events.filter((e) => e.event === 'inc' && e.status === 'ok').length;
  const errors = errorTotal(whole) + whole.iterationsError;
  const failReasons: string[] = [];
  if (whole.dropped > 0) failReasons.push(`${whole.dropped} dropped arrival(s) (more than ${maxInFlight} in flight)`);
  if (errors > 0) failReasons.push(`${errors} error(s): ${whole.errorSamples.slice(0, 2).join(' | ')}`);
  if (fixtureIncEvents !== whole.iterationsOk) failReasons.push(`server saw ${fixtureIncEvents} clicks for ${whole.iterationsOk} completed arrivals`);
  if (hold.lag.p99 >= MAX_LAG_P99_MS) failReasons.push(`event-loop lag p99 ${fmt(hold.lag.p99)} ms ≥ ${MAX_LAG_P99_MS}`);
  const achieved = hold.iterationsOk / Math.max(1, hold.intervals);
  if (achieved < rate * 0.95) failReasons.push(`completed only ${fmt(achieved)} arrivals/s in the hold window`);
  if (measured.result.interrupted) failReasons.push(`interrupted: ${measured.result.interrupted}`);
  return { rate, maxInFlight, quiet, measured, fixtureJoins, fixtureIncEvents, dropped: whole.dropped, errors, pass: failReasons.length === 0, failReasons };
}

function rateLine(r: RateReport): string {
  const { hold } = r.measured.result;
  const cpu = r.measured.cpu;
  return [
    `${r.pass ? 'PASS' : 'FAIL'} ${String(r.rate).padStart(4)}/s`,
    `done ${fmt(hold.iterationsOk / Math.max(1, hold.intervals))}/s`,
    `mount p50/p95/p99 ${fmt(hold.mount.p50, 0)}/${fmt(hold.mount.p95, 0)}/${fmt(hold.mount.p99, 0)} ms`,
    `session p95 ${fmt(hold.iteration.p95, 0)} ms`,
    `click→patch p95 ${fmt(hold.patch.p95)} ms`,
    `lag p99 ${fmt(hold.lag.p99)} ms (max ${fmt(hold.lag.max, 0)})`,
    cpu ? `cpu node ${fmt(cpu.harness, 0)}% chromium ${fmt(cpu.chromium, 0)}% fixture ${fmt(cpu.fixture, 0)}% irq ${fmt(cpu.irq, 0)}% steal ${fmt(cpu.steal, 0)}% others ${fmt(cpu.others, 0)}% = machine ${fmt(cpu.machine, 0)}%` : 'cpu –',
    cpu ? `chromium by process ${Object.entries(cpu.chromiumByKind).filter(([, v]) => v >= 0.5).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${fmt(v, 0)}%`).join(', ')}` : '',
    `dropped ${r.dropped} errors ${r.errors}`,
    ...(r.pass ? [] : [`— ${r.failReasons.join('; ')}`]),
  ].join(' | ');
}

async function main(): Promise<void> {
  const machine = describeMachine();
  log(`machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.chromium}${machine.headlessShell ? ' (headless shell)' : ''}, Node ${machine.node}, Playwright ${machine.playwright}`);
  const rates = str(flags, 'rates').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  const profileRoot = flags['cpu-prof'] ? resolve(repoRoot(), 'rookery-results', 'bench', `arrivals-prof-${Date.now()}`) : undefined;
  const fixture = await startFixtureProcess();
  const reports: RateReport[] = [];
  try {
    for (const rate of rates) {
      const dir = profileRoot ? join(profileRoot, String(rate)) : undefined;
      if (dir) mkdirSync(dir, { recursive: true });
      const r = await measureRate(fixture, rate, dir);
      reports.push(r);
      log(rateLine(r));
      if (!r.pass && !flags['keep-going']) break;
    }
  } finally {
    await fixture.close();
  }
  const best = reports.filter((r) => r.pass).reduce<RateReport | undefined>((a, r) => (!a || r.rate > a.rate ? r : a), undefined);
  const firstFail = reports.find((r) => !r.pass);
  const lines = ['', 'arrivals (open model: each arrival = context → goto /counter → click → leave)'];
  for (const r of reports) lines.push(`  ${rateLine(r)}`);
  if (best) {
    const h = best.measured.result.hold;
    const cpu = best.measured.cpu;
    lines.push('', `sustained: ${best.rate} new sessions/s (mount p95 ${fmt(h.mount.p95, 0)} ms, session p95 ${fmt(h.iteration.p95, 0)} ms, lag p99 ${fmt(h.lag.p99)} ms)`);
    if (cpu) {
      const perArrival = (pct: number): string => fmt(((pct / 100) * cpu.seconds * 1000) / Math.max(1, h.iterationsOk), 1);
      lines.push(`  CPU per session: node ${perArrival(cpu.harness)} ms, chromium ${perArrival(cpu.chromium)} ms, fixture ${perArrival(cpu.fixture)} ms (machine ${fmt(cpu.machine, 0)}% of ${machine.cores * 100}%, others ${fmt(cpu.others, 0)}%)`);
    }
  } else lines.push('', 'no rate passed');
  if (firstFail) lines.push(`first failing rate: ${firstFail.rate}/s — ${firstFail.failReasons.join('; ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = str(flags, 'out') || join(repoRoot(), 'rookery-results', 'bench', `arrivals-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify({ bench: 'arrivals', flags, machine, rates: reports, sustainedRate: best?.rate ?? 0 }, null, 2));
  log(`results: ${out}`);
}

await main();
