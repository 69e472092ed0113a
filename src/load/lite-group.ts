/**
 * What a run needs from lite users (src/lite), which sit above load: a group of worker processes running their
 * slices of the run. The run is handed a factory (`RunLocalOptions.liteWorkers`; the CLI passes src/lite's
 * `startLiteWorkers`) so load does not import lite.
 */
import type { Interval } from '../metrics/model.js';
import type { InputMode, Throttle } from '../scenario/define.js';
import type { EngineOutcome } from './engine.js';
import type { LoadProfile } from './profile.js';

/** What every worker of a run gets besides its slice. */
export interface LiteWorkerSetup {
  bundle: { code: string; sha256: string; resolveDir: string; file: string };
  target: string;
  input: InputMode;
  actionTimeoutMs: number;
  abortOnError: boolean;
  setupData: unknown;
  /** The scenario's `data` option and the folder it is relative to. */
  data: string | ReadonlyArray<Record<string, unknown>> | undefined;
  dataDir: string;
  /** Epoch ms of the run's start: interval buckets line up with the parent's. */
  startedAt: number;
}

export interface LiteGroupStatus {
  active: number;
  target: number;
  iterations: number;
  errors: number;
  dropped: number;
}

export interface LiteGroupOptions {
  setup: LiteWorkerSetup;
  /** One profile slice per worker process. */
  slices: LoadProfile[];
  /** The run's throttles (shared with the browser users' engine); workers acquire from these. */
  throttles?: ReadonlyMap<string, Throttle>;
  onInterval: (snapshot: Interval, source: string) => void;
  onVersion?: (version: string) => void;
  onError?: (kind: string, message: string) => void;
  log?: (line: string) => void;
}

export interface LiteGroup {
  /** Resolves when every worker has loaded the scenario. */
  start(): Promise<void>;
  /** Starts every worker at once; resolves with the summed outcome. */
  run(): Promise<EngineOutcome>;
  stop(reason: string): void;
  /** Runtime control: users added (or removed) on top of worker `index`'s schedule. */
  addUsers(index: number, delta: number): void;
  /** A new share of the run for worker `index` (a distributed run re-dealt after a runner was lost). */
  reslice(index: number, profile: LoadProfile): void;
  status(): LiteGroupStatus;
  /** Ends workers still running. */
  close(): Promise<void>;
}

export type LiteWorkersFactory = (opts: LiteGroupOptions) => LiteGroup;
