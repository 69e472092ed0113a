/** What `run`, `demo` and (later) the collector share: flags, progress printing, Ctrl-C, and writing results. */
import { Option, type Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { RunLocalOptions, RunLocalOutcome } from '../load/run-local.js';
import { formatProgress } from '../report/progress.js';
import type { ProgressState } from '../load/progress-state.js';
import { formatSummary, shouldColor } from '../report/console.js';
import { writeResults } from '../metrics/results-file.js';
import { writeFile } from 'node:fs/promises';
import { renderHtml } from '../report/html.js';
import { parseSampleRate } from '../visual/sampling.js';
import { collect, positiveNumber, wholeNumber } from './flag-parsers.js';
import { resultsForReportAt, saveVisualArtifacts, visualArtifactsDir } from '../visual/artifacts.js';

export interface RunFlags {
  target?: string;
  users?: number;
  ramp?: string;
  duration?: string;
  stages?: string;
  arrivalRate?: number;
  maxInFlight?: number;
  iterations?: number;
  gracefulStop?: string;
  browsers?: number;
  contextsPerBrowser?: number;
  input?: 'fast' | 'playwright';
  actionTimeout?: string;
  block?: string;
  abortOnError?: boolean;
  threshold?: string[];
  out?: string;
  html?: string;
  quiet?: boolean;
  visualDir?: string;
  visualSample?: number;
  serverMetrics?: string[];
  variantMode?: 'interleaved' | 'sequential';
  settle?: string;
}

export function commonRunFlags(cmd: Command): Command {
  return cmd
    .option('--target <url>', 'base URL of the app; verb paths are relative to it (overrides options.target)')
    .option('--users <n>', 'concurrent users (closed model)', wholeNumber('--users', 0))
    .option('--ramp <duration>', 'time to reach --users, e.g. 30s')
    .option('--duration <duration>', 'time at full load, e.g. 2m')
    .option('--stages <spec>', "k6-style stages 'duration:target,…', e.g. '30s:50,2m:50,10s:0'")
    .option('--arrival-rate <r>', 'open model: new user iterations per second', positiveNumber('--arrival-rate'))
    .option('--max-in-flight <n>', 'open model: most iterations at once (more arrivals are dropped and counted)', wholeNumber('--max-in-flight', 0))
    .option('--iterations <n>', 'stop after this many iterations in total', wholeNumber('--iterations', 0))
    .option('--graceful-stop <duration>', 'how long running iterations may finish at the end (default 10s)')
    .option('--browsers <n>', 'browser processes (default: sized from cores and memory)', wholeNumber('--browsers', 0))
    .option('--contexts-per-browser <n>', 'users per browser process (default: sized)', wholeNumber('--contexts-per-browser', 0))
    .addOption(new Option('--input <mode>', 'fast: in-page actions (cheap, default); playwright: real input events').choices(['fast', 'playwright']))
    .option('--action-timeout <duration>', 'how long a verb waits for a connect or a reply (default 15s)')
    .option('--block <types>', 'resource types not to load: image,font,media')
    .option('--abort-on-error', 'stop the run at the first user error')
    .option('--threshold <expr>', "fail (exit 1) unless it holds, e.g. 'lv_event_rtt_ms{event=inc}:p95<200' (repeatable)", collect)
    .option('--out <file>', 'results JSON path (default rookery-results/<scenario>-<time>.json)')
    .option('--html <file>', 'also write the HTML report here')
    .option('--visual-dir <dir>', 'visual checks: baselines folder written by `rookery baseline` (default visual-baselines)')
    .option('--visual-sample <share>', 'visual checks: share of iterations whose u.snapshot() captures, 0..1 (default: options.visualSample, else 0.05)', (v: string) => parseSampleRate(v))
    .option('--server-metrics <url>', "the app's Prometheus endpoint, scraped each second (repeatable: one per app node)", collect)
    .addOption(new Option('--variant-mode <mode>', 'variants at the same time (interleaved, default) or one after the other (sequential: server metrics per variant)').choices(['interleaved', 'sequential']))
    .option('--settle <duration>', 'sequential variants: idle gap after each variant (default 5s)')
    .option('--quiet', 'no live progress');
}

export function overridesFrom(f: RunFlags): RunLocalOptions['overrides'] {
  const block = f.block?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of block ?? []) if (!['image', 'font', 'media'].includes(b)) throw new Error(`--block: unknown resource type ${JSON.stringify(b)} (image, font, media)`);
  return {
    target: f.target,
    users: f.users,
    ramp: f.ramp,
    duration: f.duration,
    stagesSpec: f.stages,
    arrivalRate: f.arrivalRate,
    maxInFlight: f.maxInFlight,
    iterations: f.iterations,
    gracefulStop: f.gracefulStop,
    browsers: f.browsers,
    contextsPerBrowser: f.contextsPerBrowser,
    input: f.input,
    actionTimeout: f.actionTimeout,
    blockResources: block as RunLocalOptions['overrides']['blockResources'],
    abortOnError: f.abortOnError,
    visualSample: f.visualSample,
    visualDir: f.visualDir,
    variantMode: f.variantMode,
    settle: f.settle,
    serverMetricsUrls: f.serverMetrics,
  };
}

export interface ProgressPrinter {
  update(state: ProgressState): void;
  log(line: string): void;
  done(): void;
}

/** On a TTY one line rewritten each second; otherwise a plain line every 5 s (readable CI logs). */
export function progressPrinter(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressPrinter {
  const tty = Boolean(stream.isTTY);
  let lastPlain = 0;
  let onLine = false;
  const clear = () => {
    if (onLine) {
      stream.write('\r\x1b[2K');
      onLine = false;
    }
  };
  return {
    update(state) {
      if (quiet) return;
      const line = formatProgress(state);
      if (tty) {
        clear();
        stream.write(line.slice(0, Math.max(40, (stream.columns ?? 160) - 1)));
        onLine = true;
      } else if (state.elapsedMs - lastPlain >= 5_000 || lastPlain === 0) {
        lastPlain = state.elapsedMs;
        stream.write(`${line}\n`);
      }
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
    },
    done() {
      clear();
    },
  };
}

/** First Ctrl-C: graceful stop with partial results. Second: leave now (the pool's guard kills browsers). */
export function sigintController(log: (line: string) => void): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      log(`\n${sig}: stopping users and writing partial results… (again to quit at once)`);
      ac.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export function defaultResultsPath(scenarioName: string, startedAt: string): string {
  const safe = scenarioName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
  const stamp = startedAt.replace(/[:.]/g, '-').replace(/Z$/, '');
  return join('rookery-results', `${safe}-${stamp}.json`);
}

/** Writes JSON (+HTML), prints the summary; returns the exit code (0 ok, 1 threshold failed, 2 nothing worked). */
export async function reportRun(outcome: RunLocalOutcome, flags: Pick<RunFlags, 'out' | 'html' | 'quiet'>, log: (line: string) => void): Promise<number> {
  const { results } = outcome;
  const out = resolve(flags.out ?? defaultResultsPath(results.meta.scenario, results.meta.startedAt));
  mkdirSync(dirname(out), { recursive: true });
  const visual = outcome.visual?.mode === 'compare' ? outcome.visual.checkpoints() : [];
  if (visual.some((c) => c.worst)) {
    // Worst diffs go next to the results, and Results.visual points at them (relative to the results file).
    results.visual = saveVisualArtifacts(visual, visualArtifactsDir(out), dirname(out));
    const taken = visual.reduce((n, c) => n + c.snapshots, 0);
    const differ = visual.reduce((n, c) => n + c.mismatches, 0);
    log(`visual:  ${differ} of ${taken} snapshots differ from their baselines; worst diffs in ${relative(process.cwd(), visualArtifactsDir(out)) || visualArtifactsDir(out)}/`);
  }
  await writeResults(out, results);
  process.stdout.write(`${formatSummary(results, { color: shouldColor(process.stdout) })}\n`);
  log(`results: ${relative(process.cwd(), out) || out}`);
  if (flags.html) {
    const html = resolve(flags.html);
    mkdirSync(dirname(html), { recursive: true });
    await writeFile(html, renderHtml(resultsForReportAt(results, out, html)));
    log(`report:  ${relative(process.cwd(), html) || html}`);
  }
  const ok = results.counters.filter((c) => c.name === 'iterations' && c.labels.result === 'ok').reduce((n, c) => n + c.value, 0);
  const failed = results.counters.filter((c) => c.name === 'iterations' && c.labels.result === 'error').reduce((n, c) => n + c.value, 0);
  if (ok === 0 && failed > 0) {
    const sample = results.errors.find((e) => e.kind.startsWith('user.'))?.samples[0]?.message;
    log(`rookery: no iteration succeeded${sample ? `: ${sample}` : ''}`);
    return 2;
  }
  if (results.meta.interrupted?.startsWith('run failed')) {
    log(`rookery: ${results.meta.interrupted}`);
    return 2;
  }
  return outcome.passed ? 0 : 1;
}
