/**
 * A distributed run, the collector's side: what runLocal does for one machine, with runners instead of a local
 * engine. Load and bundle the scenario, resolve its profile and options (CLI wins), start the collector and the
 * control endpoint, have the backend start runners, wait for them (boot timeout, min runners), hand out the
 * plan, open the start barrier, merge snapshots until everyone is done, and build the same Results as a
 * single-machine run, with `meta.runners` filled in.
 */
import { dirname } from 'node:path';
import { availableParallelism, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { loadFeeder } from '../scenario/feeder.js';
import { totalDurationMs } from '../load/profile.js';
import { ServerScraper, resolveServerMetrics } from '../server-metrics/scraper.js';
import { LoadConfigError } from '../common/config-error.js';
import { checkTarget, interruptionNote, type CapacityOptions, type RunLocalOptions, type RunLocalOutcome } from '../load/run-local.js';
import { planRun } from '../load/plan.js';
import { checkpointNote, startCheckpoints, type Checkpointer, type CheckpointOptions } from '../load/checkpoint.js';
import { pkgVersion, type AssembleInput } from '../load/run-results.js';
import type { RunCollector } from '../load/run-collector.js';
import type { Snapshot } from '../metrics/model.js';
import type { ProgressState } from '../load/progress-state.js';
import { checkToken, generateToken } from './auth.js';
import { Collector, type CollectorEvent, type OnRunnerLoss, type RunnerView } from './collector.js';
import { startControlServer, type ControlServer } from './control-server.js';
import { writeControlFile } from './control-client.js';
import { mergeHealth } from './merge-health.js';
import type { RunnerBackend } from './backends/types.js';

export interface RunDistributedOptions {
  scenarioFile: string;
  overrides: RunLocalOptions['overrides'];
  thresholds?: string[];
  /** Runners the backend starts: the pool's max. */
  runners: number;
  /** Start with fewer when the boot timeout passes (default: all of `runners`). */
  minRunners?: number;
  backend: RunnerBackend;
  /** Shared secret of the run; generated when absent (then shown to the user for `rookery ctl`). */
  token?: string;
  /** Default 127.0.0.1; 0.0.0.0 to let runners on other machines in. */
  collectorHost?: string;
  /** Default 0 (a free port). */
  collectorPort?: number;
  /** The address runners dial when it is not the listening one (NAT, a Kubernetes Service, a load balancer). */
  advertise?: string;
  /** How long to wait for runners to join. Default 60 s. */
  bootTimeoutMs?: number;
  /** How long runners may take to load the scenario and launch a browser. Default 120 s. */
  readyTimeoutMs?: number;
  /** The start barrier's delay. Default 1000 ms. */
  startDelayMs?: number;
  onRunnerLoss?: OnRunnerLoss;
  /** Extra `rookery runner` flags for the backend to pass (capacity, browser endpoint, partial dir, …). */
  runnerArgs?: string[];
  /** The HTTP control endpoint (loopback). Default: on, free port, control file written. */
  control?: { port?: number; writeFile?: boolean } | false;
  heartbeat?: { intervalMs?: number; silenceMs?: number };
  onProgress?: (state: ProgressState) => void;
  log?: (line: string) => void;
  /** Aborting it stops the run gracefully; results so far are kept. Abort with the signal's name to have it recorded. */
  signal?: AbortSignal;
  /** Ramp governor and pre-warm, applied by each runner to its own pool (`calibration` is each runner's own). */
  capacity?: Omit<CapacityOptions, 'calibration'>;
  /** Preloaded scenario (the CLI loads it first to name the results file), instead of scenarioFile. */
  loaded?: LoadedScenario;
  /** Write the merged results so far to this file every `everyMs` while the run lasts (`<out>.partial`). */
  checkpoint?: CheckpointOptions;
  onEvent?: (event: CollectorEvent) => void;
  /** Every snapshot merged, as its runner sent it. */
  onRunnerSnapshot?: (runnerId: string, snapshot: Snapshot) => void;
  /** Once the collector listens (before runners are started). */
  onListening?: (info: { joinUrl: string; controlUrl: string | undefined; token: string; runId: string }) => void;
}

export interface RunDistributedOutcome extends RunLocalOutcome {
  /** Every runner that joined, with its final state. */
  runners: RunnerView[];
}

export async function runDistributed(opts: RunDistributedOptions): Promise<RunDistributedOutcome> {
  const log = opts.log ?? (() => {});
  if (!Number.isSafeInteger(opts.runners) || opts.runners < 1) throw new LoadConfigError(`--runners: ${opts.runners} must be a whole number ≥ 1`);
  const minRunners = opts.minRunners ?? opts.runners;
  if (!Number.isSafeInteger(minRunners) || minRunners < 1 || minRunners > opts.runners) throw new LoadConfigError(`--min-runners: ${minRunners} must be between 1 and --runners (${opts.runners})`);
  const token = checkToken(opts.token ?? generateToken());

  const loaded = opts.loaded ?? (await loadScenario(opts.scenarioFile));
  const scenario = loaded.scenario;
  // The same plan a local run makes; every runner executes its slice of it (src/load/slice-run.ts).
  const planned = planRun(loaded, { overrides: opts.overrides, thresholds: opts.thresholds, capacity: opts.capacity, cores: availableParallelism() });
  const { plan, options } = planned;
  const { target, profile } = plan;
  const thresholdExprs = planned.thresholds;
  // The collector scrapes the app's metrics: one process, one clock, and the app counted once (not per runner).
  const serverMetrics = resolveServerMetrics(options.serverMetrics, opts.overrides.serverMetricsUrls);
  try {
    await checkTarget(target);
  } catch (err) {
    // Runners may sit on a network the collector cannot see (a cluster-internal Service): say so, go on.
    log(`warning: ${err instanceof Error ? err.message : String(err)} — from this machine; runners may still reach it`);
  }
  // Runners do not have the scenario's folder: data rows travel inline.
  const feeder = loadFeeder(options.data, dirname(loaded.file));
  const feederRows = feeder.size === 0 ? null : Array.from({ length: feeder.size }, (_, i) => ({ ...feeder.rowFor(i) }) as Record<string, unknown>);
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

  const collector = await Collector.listen({
    token,
    host: opts.collectorHost ?? '127.0.0.1',
    port: opts.collectorPort ?? 0,
    ...(opts.heartbeat?.intervalMs !== undefined ? { heartbeatMs: opts.heartbeat.intervalMs } : {}),
    ...(opts.heartbeat?.silenceMs !== undefined ? { silenceMs: opts.heartbeat.silenceMs } : {}),
    maxRunners: opts.runners,
    log,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.onRunnerSnapshot ? { onRunnerSnapshot: opts.onRunnerSnapshot } : {}),
  });
  const joinUrl = opts.advertise ?? joinUrlFor(collector, opts.backend.name);
  let control: ControlServer | undefined;
  let removeControlFile: (() => void) | undefined;
  let setupData: unknown;
  let setupDone = false;
  let launched = false;
  let scraper: ServerScraper | undefined;
  const startedWall = Date.now();
  try {
    if (opts.control !== false) {
      control = await startControlServer({ token, target: collector, port: opts.control?.port ?? 0, log });
      if (opts.control?.writeFile !== false) {
        try {
          removeControlFile = writeControlFile({ url: control.url, token, pid: process.pid, runId, startedAt: startedWall });
        } catch (err) {
          // The run goes on; `rookery ctl` then needs --control and --token.
          log(`control file not written: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    opts.onListening?.({ joinUrl, controlUrl: control?.url, token, runId });
    log(`collector listening on ${collector.url}${joinUrl !== collector.url ? ` (runners dial ${joinUrl})` : ''}; run ${runId}`);

    await opts.backend.launch({ count: opts.runners, joinUrl, token, runId, runnerArgs: opts.runnerArgs ?? [], log });
    launched = true;
    setupData = jsonRoundTrip(await scenario.setup?.({ target, options }));
    setupDone = true;

    const bootTimeout = opts.bootTimeoutMs ?? 60_000;
    const joined = await collector.waitForRunners(opts.runners, bootTimeout, opts.signal);
    if (opts.signal?.aborted) throw new LoadConfigError('interrupted while waiting for runners; nothing was run');
    if (joined.length < minRunners) {
      const why = await opts.backend.diagnose().catch(() => undefined);
      throw new LoadConfigError(`only ${joined.length} of ${opts.runners} runners joined within ${Math.round(bootTimeout / 1000)} s (at least ${minRunners} needed)${why ? `: ${why}` : ''}`);
    }
    if (joined.length < opts.runners) log(`starting with ${joined.length} of ${opts.runners} runners (boot timeout passed; --min-runners ${minRunners})`);

    const ready = await collector.assign(
      {
        runId,
        ...plan,
        feederRows,
        ...(setupData !== undefined ? { setupData } : {}),
      },
      opts.readyTimeoutMs ?? 120_000,
      opts.signal,
    );
    if (opts.signal?.aborted) throw new LoadConfigError('interrupted before the start; nothing was run');
    if (ready.length < minRunners) {
      const reasons = collector.runners().filter((r) => r.state === 'failed' || r.state === 'lost').map((r) => `${r.id}: ${r.lostReason ?? r.state}`);
      throw new LoadConfigError(`only ${ready.length} runners are ready (at least ${minRunners} needed)${reasons.length ? `: ${reasons.join('; ')}` : ''}`);
    }

    const startedAt = collector.start({ startDelayMs: opts.startDelayMs ?? 1_000, onRunnerLoss: opts.onRunnerLoss ?? 'rebalance', ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    log(`started ${ready.length} runner${ready.length === 1 ? '' : 's'}: ${ready.map((r) => `${r.id} (${r.name}, capacity ${r.capacity})`).join(', ')}`);
    scraper = serverMetrics ? new ServerScraper(serverMetrics, startedAt) : undefined;
    await scraper?.start();
    let interrupted: string | undefined;
    const onAbort = () => {
      interrupted = interruptionNote(opts.signal);
      collector.stop(interrupted);
    };
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let checkpoints: Checkpointer | undefined;
    const merged = collector.runCollector;
    const resultsOf = (endedAt: number, extra: Pick<AssembleInput, 'health' | 'interrupted'> & Partial<Pick<AssembleInput, 'runners' | 'server' | 'versions'>>) =>
      (merged as RunCollector).results({
        scenario: scenario.name,
        target,
        profile,
        endedAt,
        variants: planned.variants,
        variantMode: planned.variantMode,
        segments: plan.segments,
        thresholds: thresholdExprs,
        ...extra,
      });
    if (opts.checkpoint && merged) {
      checkpoints = startCheckpoints(opts.checkpoint, () => {
        const now = Date.now();
        const so = collector.status();
        return resultsOf(now, {
          // Runners send their health verdicts with `done`; mid-run there are none yet.
          health: mergeHealth([]),
          interrupted: [interrupted, checkpointNote(now), `${so.runners.filter((r) => r.state === 'running').length} runner(s) running`].filter(Boolean).join('; '),
        });
      }, log);
    }
    try {
      // Lite workers start after the barrier on runners (they load the scenario meanwhile): a little slack for them.
      const endBy = startedAt + totalDurationMs(profile) + profile.gracefulStopMs + 20_000;
      await collector.waitForDone(Math.max(0, endBy - Date.now()));
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      await checkpoints?.stop();
    }
    const server = await scraper?.stop('collector');
    const summary = collector.finish();
    if (!merged) throw new Error('collector has no run collector after the start');
    merged.addVersions(summary.versions);
    const playwright = pkgVersion('playwright');
    const results = resultsOf(Date.now(), {
      health: summary.health,
      // Runners report their own playwright; the collector's is only a fallback.
      versions: playwright && !summary.versions.playwright ? { playwright } : {},
      interrupted: [interrupted, summary.interrupted].filter(Boolean).join('; ') || undefined,
      runners: summary.runners,
      server,
    });
    return { results, passed: results.thresholds.every((t) => t.pass), runners: collector.runners() };
  } finally {
    await scraper?.stop('collector'); // idempotent; stops the timer when the run failed midway
    collector.finish();
    if (launched) {
      await opts.backend.shutdown().catch((err: unknown) => log(`backend shutdown: ${err instanceof Error ? err.message : String(err)}`));
    }
    if (setupDone) {
      try {
        await scenario.teardown?.({ target, options }, setupData);
      } catch (err) {
        log(`teardown failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    removeControlFile?.();
    await control?.close();
    await collector.close();
    log(`collector closed after ${Math.round((Date.now() - startedWall) / 1000)} s`);
  }
}

/** The address runners dial: loopback for a wildcard listener on this machine (local processes, host-network containers), else the host name. */
function joinUrlFor(collector: Collector, backend: RunnerBackend['name']): string {
  const url = new URL(collector.url);
  const wildcard = url.hostname === '0.0.0.0' || url.hostname === '[::]';
  if (!wildcard) return collector.url;
  return `ws://${backend === 'local' || backend === 'docker' ? '127.0.0.1' : hostname()}:${url.port}`;
}

/** Setup data travels as JSON: what does not survive JSON is refused here, with a clear message. */
function jsonRoundTrip(value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new LoadConfigError(`setup() returned something that cannot be sent to runners as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (text.length > 16 * 1024 * 1024) throw new LoadConfigError('setup() returned more than 16 MB of data; runners receive it with the scenario');
  return JSON.parse(text) as unknown;
}
