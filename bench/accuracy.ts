/**
 * How precise the probe's event round trip is on this machine: the machine-dependent half of the probe
 * accuracy test (test/integration/probe-accuracy.test.ts checks only correctness: matching, bytes, ordering).
 *
 *   npm run build && node bench/run.js accuracy [--pages 10] [--clicks 50] [--delay-ms 50] [--burn] [--out f.json]
 *
 * Phases, in one run on one browser and one fixture process (its server delay fixed):
 *   floor   1 page  × clicks: the probe's own overhead with nothing else running (the same-run baseline);
 *   load    pages   × clicks: the accuracy test's workload;
 *   burner  (--burn) the same workload while `node -e 'for(;;){}'` occupies one core.
 * For each: RTT p50/p95 minus the server delay, and the per-event overhead (probe RTT − the server's own
 * receive→reply interval) median/p95/min, plus each phase's ratio to the floor.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { launchChromium } from '../src/browser/launch.js';
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess } from './support/fixture-process.js';
import { describeMachine } from './support/machine-description.js';
import { machineBusyPercent } from './support/quiet-machine.js';
import { clickWorkload, matchEvents, quantile } from '../test/support/accuracy-workload.js';

const flags = parseFlags(process.argv.slice(2), { pages: '10', clicks: '50', 'delay-ms': '50', burn: false, out: '' });
const pages = num(flags, 'pages');
const clicks = num(flags, 'clicks');
const delayMs = num(flags, 'delay-ms');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

interface PhaseResult {
  phase: string;
  pages: number;
  events: number;
  unmatched: number;
  machineBusyPercentBefore: number;
  rttP50MinusDelayMs: number;
  rttP95MinusDelayMs: number;
  overheadMedianMs: number;
  overheadP95Ms: number;
  overheadMinMs: number;
  /** Share of events whose RTT was shorter than the server's own interval (stamping skew). */
  negativeOverheadShare: number;
}

const machine = describeMachine();
const fixture = await startFixtureProcess({ eventDelayMs: delayMs });
const { browser } = await launchChromium();
const results: PhaseResult[] = [];
try {
  const phases: Array<{ phase: string; pages: number; burn: boolean }> = [
    { phase: 'floor', pages: 1, burn: false },
    { phase: 'load', pages, burn: false },
    ...(flags.burn ? [{ phase: 'burner', pages, burn: true }] : []),
  ];
  for (const p of phases) {
    await fixture.reset();
    const busy = await machineBusyPercent(2_000);
    // Bounded: the burner lives only as long as this phase, and is killed even if the phase throws.
    const burner = p.burn ? spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }) : undefined;
    try {
      log(`${p.phase}: ${p.pages} page(s) × ${clicks} clicks, server delay ${delayMs} ms${p.burn ? ', one core burned' : ''} (machine ${busy.toFixed(0)} % busy before)`);
      const { observations } = await clickWorkload(browser, fixture.url, p.pages, clicks);
      const truth = (await fixture.stats()).events.filter((e) => e.event === 'inc');
      const { matched } = matchEvents(truth, observations);
      const overhead = matched.filter((m) => m.overheadMs !== undefined).map((m) => m.overheadMs!).sort((a, b) => a - b);
      const rtt = matched.filter((m) => m.observed).map((m) => m.observed!.ms).sort((a, b) => a - b);
      results.push({
        phase: p.phase,
        pages: p.pages,
        events: truth.length,
        unmatched: matched.filter((m) => !m.observed).length,
        machineBusyPercentBefore: busy,
        rttP50MinusDelayMs: quantile(rtt, 0.5) - delayMs,
        rttP95MinusDelayMs: quantile(rtt, 0.95) - delayMs,
        overheadMedianMs: quantile(overhead, 0.5),
        overheadP95Ms: quantile(overhead, 0.95),
        overheadMinMs: overhead[0] ?? Number.NaN,
        negativeOverheadShare: overhead.filter((o) => o < 0).length / Math.max(1, overhead.length),
      });
    } finally {
      burner?.kill('SIGKILL');
    }
  }
} finally {
  await browser.close();
  await fixture.close();
}

const floor = results[0]!;
process.stdout.write(`\nmachine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.chromium}${machine.headlessShell ? ' (headless shell)' : ''}, node ${machine.node}\n`);
process.stdout.write('phase   pages events unmatched  rtt p50-delay  rtt p95-delay  overhead med  p95    min    <0 share  med/floor\n');
for (const r of results) {
  process.stdout.write(
    `${r.phase.padEnd(7)} ${String(r.pages).padStart(5)} ${String(r.events).padStart(6)} ${String(r.unmatched).padStart(9)}  ${fmt(r.rttP50MinusDelayMs).padStart(13)}  ${fmt(r.rttP95MinusDelayMs).padStart(13)}  ${fmt(r.overheadMedianMs).padStart(12)}  ${fmt(r.overheadP95Ms).padStart(5)}  ${fmt(r.overheadMinMs).padStart(5)}  ${(r.negativeOverheadShare * 100).toFixed(1).padStart(7)} %  ${fmt(r.overheadMedianMs / floor.overheadMedianMs).padStart(9)}\n`,
  );
}
const out = str(flags, 'out');
if (out) writeFileSync(out, `${JSON.stringify({ machine, delayMs, clicks, results }, null, 2)}\n`);
