/**
 * The one run pipeline: plan → runners → collector → Results. Everything a run does around its runners is here,
 * once, for local and distributed runs alike: the scenario's setup() and teardown(), Ctrl-C, server-metrics
 * scraping, checkpoints, and the Results built by the run's collector (RunCollector). What differs — where the
 * runners are and how their snapshots reach the collector — is a *transport*:
 * - in-process (run-local.ts): one runner (SliceRun) in this process, its snapshots handed to the collector
 *   directly, no encoding;
 * - cluster (src/cluster/run-distributed.ts): runners started by a backend, their snapshots over WebSocket into
 *   the collector state machine, which merges them into the same RunCollector.
 */
import type { LoadedScenario } from '../scenario/load.js';
import type { ConnectedSpan, HealthSummary, Results, ResultsMeta } from '../metrics/model.js';
import { ServerScraper, type ServerMetricsConfig } from '../server-metrics/scraper.js';
import type { ConnectedSample } from '../server-metrics/pairing.js';
import { checkpointNote, startCheckpoints, type Checkpointer, type CheckpointOptions } from './checkpoint.js';
import type { RunCollector } from './run-collector.js';
import type { PlannedRun } from './plan.js';

/** What a transport reports once its runners started. */
export interface StartedRun {
  collector: RunCollector;
  /** When the load schedule began (phases count from it); default the collector's start. */
  loadStartedAt?: number;
}

/** What a transport reports about its runners at a checkpoint or at the end. */
export interface RunnersSummary {
  health: HealthSummary;
  versions?: Readonly<Record<string, string>>;
  runners?: ResultsMeta['runners'];
  /** Why the runners fell short (lost runners, a runner interrupted); joined to the run's own note. */
  interrupted?: string | undefined;
  /** Said at checkpoints (e.g. how many runners are still running). */
  note?: string | undefined;
}

export interface RunTransport {
  /** Who scrapes the app's metrics (results `server.scrapedBy`). */
  readonly scrapedBy: 'local' | 'collector';
  /** Before setup(): runners come up (the first browser starts; or the collector listens and a backend launches runners). */
  open(): Promise<void>;
  /** After setup(): runners get the plan and are ready. Throws when the run cannot start. */
  prepare(setupData: unknown, signal: AbortSignal | undefined): Promise<void>;
  /** The start barrier opens: the load begins. */
  start(): StartedRun;
  /** Resolves when every runner is done; with the runners' own interruption, if any. */
  finished(): Promise<string | undefined>;
  /** Stops the load gracefully (Ctrl-C): what was measured is kept. */
  stop(reason: string): void;
  /** The runners' summary so far (`final` false: a checkpoint) or at the end (after `close`). */
  summary(final: boolean): RunnersSummary;
  /** Set when a failed run still has its measurements (a local run): the failure becomes a note in the results. */
  keepOnFailure?(message: string): RunCollector | undefined;
  /**
   * The LiveViews connected now per view, and whether that is settled (the scraper pairs each scrape with it for
   * memory per LiveView), when this transport's pages are in this process.
   */
  connectedSample?(): ConnectedSample | undefined;
  /** Distributed runs: the runners' spans of settled connected counts (collector clock), paired at the end. */
  connectedSpans?(): ReadonlyMap<string, readonly ConnectedSpan[]>;
  /** Says goodbye to runners (they may leave) once the load is over or failed. */
  end(): void;
  /** Releases everything: browsers, workers, runners, sockets. Always called. */
  close(): Promise<void>;
}

export interface PipelineInput {
  loaded: LoadedScenario;
  planned: PlannedRun;
  serverMetrics: ServerMetricsConfig | undefined;
  checkpoint?: CheckpointOptions | undefined;
  signal?: AbortSignal | undefined;
  visual?: (() => Results['visual']) | undefined;
  log?: ((line: string) => void) | undefined;
}

/** `meta.interrupted` of a run stopped through its AbortSignal, naming the real signal (the abort reason). */
export function interruptionNote(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  // A signal's name, or `stop()` when the public run() was stopped from code.
  const name = typeof reason === 'string' && /^(SIG[A-Z0-9]+|stop\(\))$/.test(reason) ? reason : 'SIGINT';
  return `interrupted (${name}): results are partial`;
}

/** Runs a planned run through `transport` and returns its Results (partial when interrupted or failed). */
export async function runPipeline(input: PipelineInput, transport: RunTransport): Promise<Results> {
  const { loaded, planned, signal, log } = input;
  const scenario = loaded.scenario;
  const { plan, options } = planned;
  const target = plan.target;
  let interrupted: string | undefined;
  let setupData: unknown;
  let setupDone = false;
  let started: StartedRun | undefined;
  let collector: RunCollector | undefined;
  let checkpoints: Checkpointer | undefined;
  let scraper: ServerScraper | undefined;
  let server: Results['server'];
  const resultsAt = (rc: RunCollector, endedAt: number, runners: RunnersSummary, note: string | undefined) =>
    rc.results({
      scenario: scenario.name,
      target,
      profile: plan.profile,
      endedAt,
      health: runners.health,
      ...(runners.versions ? { versions: runners.versions } : {}),
      variants: planned.variants,
      variantMode: planned.variantMode,
      segments: plan.segments,
      thresholds: planned.thresholds,
      ...(input.visual ? { visual: input.visual() } : {}),
      ...(runners.runners ? { runners: runners.runners } : {}),
      loadStartedAt: started?.loadStartedAt,
      interrupted: note,
      server,
    });
  const onAbort = () => {
    interrupted = interruptionNote(signal);
    transport.stop(interrupted);
  };
  try {
    await transport.open();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      setupData = await scenario.setup?.({ target, options });
      setupDone = true;
      await transport.prepare(setupData, signal);
      if (signal?.aborted) onAbort();
      started = transport.start();
      collector = started.collector;
      if (input.serverMetrics) {
        // The app's metrics are scraped once per run (by the collector): one clock, and the app counted once.
        scraper = new ServerScraper(input.serverMetrics, collector.startedAt, undefined, transport.connectedSample ? () => transport.connectedSample?.() : undefined);
        await scraper.start();
        // Sequential variants: a round at each segment's end, so no interval mixes two variants' server activity.
        scraper.roundsAtSegmentEnds(started.loadStartedAt ?? collector.startedAt, plan.segments);
      }
      if (input.checkpoint) {
        const rc = collector;
        checkpoints = startCheckpoints(input.checkpoint, () => {
          const now = Date.now();
          const so = transport.summary(false);
          return resultsAt(rc, now, so, [interrupted, checkpointNote(now), so.note].filter(Boolean).join('; '));
        }, log);
      }
      const runnersNote = await transport.finished(); // read `interrupted` after: Ctrl-C may set it meanwhile
      interrupted = interrupted ?? runnersNote;
    } catch (err) {
      // A local run keeps what was measured: the caller reports the error and still gets partial results.
      const message = `run failed: ${err instanceof Error ? err.message : String(err)}`;
      const kept = transport.keepOnFailure?.(message);
      if (!kept) throw err;
      collector ??= kept;
      interrupted = message;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await checkpoints?.stop();
      server = await scraper?.stop(transport.scrapedBy, transport.connectedSpans?.());
      transport.end();
      if (setupDone) {
        try {
          await scenario.teardown?.({ target, options }, setupData);
        } catch (err) {
          log?.(`teardown failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  } finally {
    await transport.close();
  }
  const runners = transport.summary(true);
  return resultsAt(collector as RunCollector, Date.now(), runners, [interrupted, runners.interrupted].filter(Boolean).join('; ') || undefined);
}
