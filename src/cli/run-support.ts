/** What `run`, `demo` and (later) the collector share: flags, progress printing, Ctrl-C, and writing results. */
import { Option, type Command } from 'commander';
import { statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunLocalOptions } from '../load/run-local.js';
import type { Results } from '../metrics/model.js';
import type { RunOutputs } from '../api/outputs.js';
import { fileSafe } from '../api/config.js';
import { formatDuration, parseDuration } from '../load/duration.js';
import { formatProgress } from '../report/progress.js';
import type { ProgressState } from '../load/progress-state.js';
import { formatSummary, shouldColor } from '../report/console.js';
import { DEFAULT_CHECKPOINT_MS, type CheckpointOptions } from '../load/checkpoint.js';
import { OutputPathError, checkOutputPath, checkpointPathFor, moveAsideOldResults, proveWritable } from '../report/output-paths.js';
import { parseSampleRate } from '../visual/sampling.js';
import { collect, positiveNumber, wholeNumber } from './flag-parsers.js';
import { visualArtifactsDir } from '../visual/artifacts.js';
import { brokenRunLines } from '../load/run-verdict.js';
import { PROFILE_DEFAULTS } from '../load/profile.js';
import { DEFAULT_ACTION_TIMEOUT_MS } from '../load/plan.js';
import { DEFAULT_SETTLE_MS } from '../load/sequential.js';
import { DEFAULT_VISUAL_DIR, DEFAULT_VISUAL_SAMPLE } from '../visual/run-visual.js';

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
  checkpoint?: string;
  quiet?: boolean;
  visualDir?: string;
  visualSample?: number;
  serverMetrics?: string[];
  variantMode?: 'interleaved' | 'sequential';
  settle?: string;
  liteUsers?: number;
  liteShare?: number;
  liteWorkers?: number;
}

/**
 * Help texts state defaults from the code's constants. These defaults are not registered with commander: a
 * registered default would always be set, and would override the scenario's options and the project config.
 */
export const ACTION_TIMEOUT_HELP = `how long a verb waits for a connect or a reply (default ${formatDuration(DEFAULT_ACTION_TIMEOUT_MS)})`;

/** The flags `rookery run` and `rookery demo` share; `target: false` leaves out `--target` (the demo's target is its own fixture). */
export function commonRunFlags(cmd: Command, { target = true }: { target?: boolean } = {}): Command {
  if (target) cmd.option('--target <url>', 'base URL of the app; verb paths are relative to it (overrides options.target)');
  return cmd
    .option('--users <n>', 'concurrent users (closed model)', wholeNumber('--users', 0))
    .option('--ramp <duration>', 'time to reach --users, e.g. 30s')
    .option('--duration <duration>', 'time at full load, e.g. 2m')
    .option('--stages <spec>', "k6-style stages 'duration:target,…', e.g. '30s:50,2m:50,10s:0'")
    .option('--arrival-rate <r>', 'open model: new user iterations per second', positiveNumber('--arrival-rate'))
    .option('--max-in-flight <n>', 'open model: most iterations at once (more arrivals are dropped and counted)', wholeNumber('--max-in-flight', 0))
    .option('--iterations <n>', 'stop after this many iterations in total', wholeNumber('--iterations', 0))
    .option('--graceful-stop <duration>', `how long running iterations may finish at the end (default ${formatDuration(PROFILE_DEFAULTS.gracefulStopMs)})`)
    .option('--browsers <n>', 'browser processes (default: sized from cores and memory)', wholeNumber('--browsers', 0))
    .option('--contexts-per-browser <n>', 'users per browser process (default: sized)', wholeNumber('--contexts-per-browser', 0))
    .addOption(new Option('--input <mode>', 'fast: in-page actions (cheap, default); playwright: real input events').choices(['fast', 'playwright']))
    .option('--action-timeout <duration>', ACTION_TIMEOUT_HELP)
    .option('--block <types>', 'resource types not to load: image,font,media')
    .option('--abort-on-error', 'stop the run at the first user error')
    .option('--threshold <expr>', "fail (exit 1) unless it holds, e.g. 'lv_event_rtt_ms{event=inc}:p95<200' (repeatable)", collect)
    .option('--out <file>', 'results JSON path (default rookery-results/<scenario>-<time>.json)')
    .option('--html <file>', 'also write the HTML report here')
    .option('--checkpoint <duration>', `write the results so far to <out>.partial this often while the run lasts (default ${formatDuration(DEFAULT_CHECKPOINT_MS)}; 0 turns it off)`)
    .option('--visual-dir <dir>', `visual checks: baselines folder written by \`rookery baseline\` (default ${DEFAULT_VISUAL_DIR})`)
    .option('--visual-sample <share>', `visual checks: share of iterations whose u.snapshot() captures, 0..1 (options.visualSample when set; default ${DEFAULT_VISUAL_SAMPLE})`, (v: string) => parseSampleRate(v))
    .option('--server-metrics <url>', "the app's Prometheus endpoint, scraped each second (repeatable: one per app node)", collect)
    .addOption(new Option('--variant-mode <mode>', 'variants at the same time (interleaved, default) or one after the other (sequential: server metrics per variant)').choices(['interleaved', 'sequential']))
    .option('--settle <duration>', `sequential variants: idle gap after each variant (default ${formatDuration(DEFAULT_SETTLE_MS)})`)
    .option('--lite-users <n>', "lite users (the app's own LiveView client on a Node DOM) next to --users browser users", wholeNumber('--lite-users', 0))
    .option('--lite-share <share>', 'stages / arrival-rate: share (0..1] of users or arrivals that are lite users', positiveNumber('--lite-share'))
    .option('--lite-workers <n>', 'lite worker processes (default: as needed, at most one per core)', wholeNumber('--lite-workers', 1))
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
    liteUsers: f.liteUsers,
    liteShare: f.liteShare,
    liteWorkers: f.liteWorkers,
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

export interface StopController {
  /** Aborted, with the signal's name as its reason, at the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** The signal that stopped the run, if one did. */
  stoppedBy(): NodeJS.Signals | undefined;
  dispose(): void;
}

/** The conventional exit code of a process ended by `sig`: 128 + its number (130 SIGINT, 143 SIGTERM). */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + (osConstants.signals[sig] ?? 2);
}

/**
 * First SIGINT or SIGTERM: graceful stop with partial results, marked with the real signal; the run then exits
 * 130 or 143. A second one: leave now, with that code (the pool's guard kills browsers).
 */
export function sigintController(log: (line: string) => void): StopController {
  const ac = new AbortController();
  let first: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (first === undefined) {
      first = sig;
      log(`\n${sig}: stopping users and writing partial results… (again to quit at once)`);
      ac.abort(sig);
    } else {
      process.exit(signalExitCode(sig));
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    stoppedBy: () => first,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export function defaultResultsPath(scenarioName: string, startedAt: string): string {
  const safe = fileSafe(scenarioName);
  const stamp = startedAt.replace(/[:.]/g, '-').replace(/Z$/, '');
  return join('rookery-results', `${safe}-${stamp}.json`);
}

/** Where a run's outputs go, every path checked before any browser started. */
export interface OutputPlan {
  /** Absolute results JSON path. */
  results: string;
  /** Absolute HTML report path, when asked for. */
  html: string | undefined;
  /** Interim results while the run lasts, unless turned off. */
  checkpoint: CheckpointOptions | undefined;
}

/**
 * The first thing a run does, before the scenario is even bundled: fails in milliseconds (exit 2) when an
 * output path given on the command line (or the default results folder) cannot take a file.
 */
export function checkOutputFlags(flags: Pick<RunFlags, 'out' | 'html' | 'checkpoint'>): void {
  checkOutputPath(flags.out ?? defaultResultsPath('run', new Date().toISOString()), '--out');
  if (flags.html) checkOutputPath(flags.html, '--html');
  if (flags.checkpoint !== undefined) parseDuration(flags.checkpoint, '--checkpoint');
}

/**
 * Before any browser starts: checks every output path (results, HTML, checkpoint, visual artifacts folder) and
 * fails with an OutputPathError (exit 2) in milliseconds when one cannot be written; then moves an older results
 * file at `--out` aside so a failed run never leaves stale results behind.
 */
export function prepareOutputs(flags: Pick<RunFlags, 'out' | 'html' | 'checkpoint'>, scenarioName: string, log: (line: string) => void): OutputPlan {
  const results = checkOutputPath(flags.out ?? defaultResultsPath(scenarioName, new Date().toISOString()), '--out');
  const html = flags.html ? checkOutputPath(flags.html, '--html') : undefined;
  if (html === results) throw new OutputPathError(`--html: ${flags.html} is the results file too; give the report its own name`);
  const everyMs = flags.checkpoint === undefined ? DEFAULT_CHECKPOINT_MS : parseDuration(flags.checkpoint, '--checkpoint');
  const partial = checkOutputPath(checkpointPathFor(results), '--out (its checkpoint file)');
  const visualDir = visualArtifactsDir(results);
  try {
    if (!statSync(visualDir).isDirectory()) throw new OutputPathError(`--out: ${visualDir} (where visual diffs go) is a file, not a folder`);
  } catch (err) {
    if (err instanceof OutputPathError) throw err;
  }
  proveWritable(results, '--out');
  if (html && dirname(html) !== dirname(results)) proveWritable(html, '--html');
  for (const line of moveAsideOldResults(results)) log(line);
  return { results, html, checkpoint: everyMs > 0 ? { path: partial, everyMs } : undefined };
}

/** The console summary on stdout (and, for an interrupted run with thresholds, that they saw partial data). */
export function printSummary(results: Results, log: (line: string) => void, stoppedBy?: NodeJS.Signals): void {
  process.stdout.write(`${formatSummary(results, { color: shouldColor(process.stdout) })}\n`);
  if (stoppedBy && results.thresholds.length > 0) log(`thresholds: judged on partial data — the run was interrupted by ${stoppedBy}`);
}

/**
 * The exit code of a finished run: 128+n when signal n interrupted it; 2 when a kind of user never completed an
 * iteration (src/load/run-verdict.ts), the run failed, or its files are not where asked; 1 when a threshold failed;
 * else 0.
 */
export function runExitCode(results: Results, outputs: Pick<RunOutputs, 'failed'>, log: (line: string) => void, stoppedBy?: NodeJS.Signals): number {
  if (stoppedBy) return signalExitCode(stoppedBy);
  // The cause of a failed run first: without it "no user ran" would hide why.
  const failed = results.meta.interrupted?.startsWith('run failed') === true;
  if (failed) log(`rookery: ${results.meta.interrupted}`);
  const broken = brokenRunLines(results);
  for (const line of broken) log(line);
  if (failed || broken.length > 0) return 2;
  if (outputs.failed) return 2;
  return results.thresholds.every((t) => t.pass) ? 0 : 1;
}
