/**
 * A distributed run: the same plan and pipeline as a local run (src/load/plan.ts, src/load/pipeline.ts), with a
 * cluster transport: start the collector and the control endpoint, have the backend start runners, wait for
 * them (boot timeout, min runners), hand out the plan, open the start barrier, and let the collector merge their
 * snapshots into the run's RunCollector until everyone is done — the same Results as a single-machine run, with
 * `meta.runners` filled in.
 */
import type { ConnectedSpan } from '../metrics/model.js';
import { dirname } from 'node:path';
import { availableParallelism, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { loadFeeder } from '../scenario/feeder.js';
import { totalDurationMs } from '../load/profile.js';
import { resolveServerMetrics } from '../server-metrics/scraper.js';
import { LoadConfigError } from '../common/config-error.js';
import { checkTarget, type CapacityOptions, type RunLocalOptions, type RunLocalOutcome } from '../load/run-local.js';
import type { CheckpointOptions } from '../load/checkpoint.js';
import { pkgVersion } from '../load/run-results.js';
import type { RunCollector } from '../load/run-collector.js';
import { planRun, type PlannedRun } from '../load/plan.js';
import { runPipeline, type RunnersSummary, type RunTransport, type StartedRun } from '../load/pipeline.js';
import type { Interval } from '../metrics/model.js';
import type { ProgressState } from '../load/progress-state.js';
import { checkToken, generateToken } from './auth.js';
import { Collector, type ClusterSummary, type CollectorEvent, type OnRunnerLoss, type RunnerView } from './collector.js';
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
  onRunnerInterval?: (runnerId: string, snapshot: Interval) => void;
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
  // The same plan a local run makes; every runner executes its slice of it (src/load/slice-run.ts).
  const planned = planRun(loaded, { overrides: opts.overrides, thresholds: opts.thresholds, capacity: opts.capacity, cores: availableParallelism() });
  try {
    await checkTarget(planned.plan.target);
  } catch (err) {
    // Runners may sit on a network the collector cannot see (a cluster-internal Service): say so, go on.
    log(`warning: ${err instanceof Error ? err.message : String(err)} — from this machine; runners may still reach it`);
  }
  const transport = new ClusterTransport(loaded, planned, opts, token, minRunners, log);
  const results = await runPipeline(
    { loaded, planned, serverMetrics: resolveServerMetrics(planned.options.serverMetrics, opts.overrides.serverMetricsUrls), checkpoint: opts.checkpoint, signal: opts.signal, log },
    transport,
  );
  return { results, passed: results.thresholds.every((t) => t.pass), runners: transport.runners() };
}

/** Runners started by a backend, dialling this process's collector; their snapshots arrive over WebSocket. */
class ClusterTransport implements RunTransport {
  readonly scrapedBy = 'collector';
  private readonly spans = new Map<string, ConnectedSpan[]>();
  private readonly runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  private readonly startedWall = Date.now();
  private collector: Collector | undefined;
  private control: ControlServer | undefined;
  private removeControlFile: (() => void) | undefined;
  private launched = false;
  private startedAt = 0;
  private final: ClusterSummary | undefined;

  constructor(
    private readonly loaded: LoadedScenario,
    private readonly planned: PlannedRun,
    private readonly opts: RunDistributedOptions,
    private readonly token: string,
    private readonly minRunners: number,
    private readonly log: (line: string) => void,
  ) {}

  runners(): RunnerView[] {
    return this.collector?.runners() ?? [];
  }

  /** The runners' spans of settled connected counts, on the collector's clock, by runner. */
  connectedSpans(): ReadonlyMap<string, readonly ConnectedSpan[]> {
    return this.spans;
  }

  async open(): Promise<void> {
    const { opts, token, log, runId } = this;
    const collector = await Collector.listen({
      token,
      host: opts.collectorHost ?? '127.0.0.1',
      port: opts.collectorPort ?? 0,
      ...(opts.heartbeat?.intervalMs !== undefined ? { heartbeatMs: opts.heartbeat.intervalMs } : {}),
      ...(opts.heartbeat?.silenceMs !== undefined ? { silenceMs: opts.heartbeat.silenceMs } : {}),
      maxRunners: opts.runners,
      log,
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      onRunnerInterval: (id, snapshot, rebased) => {
        // Memory per LiveView: the runners' settled counts, paired with the scrapes at the end (pairing.ts).
        if (rebased.connected) {
          const list = this.spans.get(id);
          if (list) list.push(...rebased.connected);
          else this.spans.set(id, [...rebased.connected]);
        }
        opts.onRunnerInterval?.(id, snapshot);
      },
    });
    this.collector = collector;
    const joinUrl = opts.advertise ?? joinUrlFor(collector, opts.backend.name);
    if (opts.control !== false) {
      this.control = await startControlServer({ token, target: collector, port: opts.control?.port ?? 0, log });
      if (opts.control?.writeFile !== false) {
        try {
          this.removeControlFile = writeControlFile({ url: this.control.url, token, pid: process.pid, runId, startedAt: this.startedWall });
        } catch (err) {
          // The run goes on; `rookery ctl` then needs --control and --token.
          log(`control file not written: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    opts.onListening?.({ joinUrl, controlUrl: this.control?.url, token, runId });
    log(`collector listening on ${collector.url}${joinUrl !== collector.url ? ` (runners dial ${joinUrl})` : ''}; run ${runId}`);
    await opts.backend.launch({ count: opts.runners, joinUrl, token, runId, runnerArgs: opts.runnerArgs ?? [], log });
    this.launched = true;
  }

  /** Waits for runners (boot timeout, min runners), hands out the plan and waits until they are ready. */
  async prepare(setupData: unknown, signal: AbortSignal | undefined): Promise<void> {
    const { opts, log, minRunners } = this;
    const collector = this.collector as Collector;
    const data = jsonRoundTrip(setupData);
    const bootTimeout = opts.bootTimeoutMs ?? 60_000;
    const joined = await collector.waitForRunners(opts.runners, bootTimeout, signal);
    if (signal?.aborted) throw new LoadConfigError('interrupted while waiting for runners; nothing was run');
    if (joined.length < minRunners) {
      const why = await opts.backend.diagnose().catch(() => undefined);
      throw new LoadConfigError(`only ${joined.length} of ${opts.runners} runners joined within ${Math.round(bootTimeout / 1000)} s (at least ${minRunners} needed)${why ? `: ${why}` : ''}`);
    }
    if (joined.length < opts.runners) log(`starting with ${joined.length} of ${opts.runners} runners (boot timeout passed; --min-runners ${minRunners})`);
    // Runners do not have the scenario's folder: data rows travel inline.
    const feeder = loadFeeder(this.planned.options.data, dirname(this.loaded.file));
    const feederRows = feeder.size === 0 ? null : Array.from({ length: feeder.size }, (_, i) => ({ ...feeder.rowFor(i) }) as Record<string, unknown>);
    const ready = await collector.assign({ runId: this.runId, ...this.planned.plan, feederRows, ...(data !== undefined ? { setupData: data } : {}) }, opts.readyTimeoutMs ?? 120_000, signal);
    if (signal?.aborted) throw new LoadConfigError('interrupted before the start; nothing was run');
    if (ready.length < minRunners) {
      const reasons = collector.runners().filter((r) => r.state === 'failed' || r.state === 'lost').map((r) => `${r.id}: ${r.lostReason ?? r.state}`);
      throw new LoadConfigError(`only ${ready.length} runners are ready (at least ${minRunners} needed)${reasons.length ? `: ${reasons.join('; ')}` : ''}`);
    }
  }

  start(): StartedRun {
    const { opts } = this;
    const collector = this.collector as Collector;
    this.startedAt = collector.start({ startDelayMs: opts.startDelayMs ?? 1_000, onRunnerLoss: opts.onRunnerLoss ?? 'rebalance', ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    const running = collector.runners().filter((r) => r.state === 'running');
    this.log(`started ${running.length} runner${running.length === 1 ? '' : 's'}: ${running.map((r) => `${r.id} (${r.name}, capacity ${r.capacity})`).join(', ')}`);
    return { collector: collector.runCollector as RunCollector };
  }

  async finished(): Promise<undefined> {
    const profile = this.planned.plan.profile;
    const endBy = this.startedAt + totalDurationMs(profile) + profile.gracefulStopMs + 20_000;
    await (this.collector as Collector).waitForDone(Math.max(0, endBy - Date.now()));
    return undefined;
  }

  stop(reason: string): void {
    this.collector?.stop(reason);
  }

  summary(final: boolean): RunnersSummary {
    if (!final || !this.final) {
      // Runners send their health verdicts with `done`; mid-run there are none yet.
      const running = this.collector?.status().runners.filter((r) => r.state === 'running').length ?? 0;
      return { health: mergeHealth([]), note: `${running} runner(s) running` };
    }
    const s = this.final;
    // Runners report their own playwright; the collector's is only a fallback.
    const playwright = pkgVersion('playwright');
    return { health: s.health, versions: { ...(playwright ? { playwright } : {}), ...s.versions }, runners: s.runners, interrupted: s.interrupted };
  }

  end(): void {
    this.final = this.collector?.finish();
  }

  async close(): Promise<void> {
    const { opts, log } = this;
    this.final ??= this.collector?.finish();
    if (this.launched) await opts.backend.shutdown().catch((err: unknown) => log(`backend shutdown: ${err instanceof Error ? err.message : String(err)}`));
    this.removeControlFile?.();
    await this.control?.close();
    await this.collector?.close();
    if (this.collector) log(`collector closed after ${Math.round((Date.now() - this.startedWall) / 1000)} s`);
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
