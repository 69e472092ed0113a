/**
 * Messages between a run and its lite worker processes (Node IPC, one worker per child process). The parent
 * sends `init`, waits for every `ready`, then `start` (a start barrier like the cluster's); workers send a
 * `snapshot` every interval — the same Interval (encoded HDR histograms, counter deltas, gauges) the
 * registry takes and remote runners send — and `done` at the end.
 */
import type { Interval } from '../metrics/model.js';
import type { LoadProfile } from '../load/profile.js';
import type { EngineOutcome } from '../load/engine.js';
import type { LiteGroupStatus, LiteWorkerSetup } from '../load/lite-group.js';

export interface WorkerInit extends LiteWorkerSetup {
  t: 'init';
  index: number;
  profile: LoadProfile;
  /** The worker's V8 flags were given (ROOKERY_LITE_EXEC_ARGV, the group's `execArgv`): it leaves them as they are. */
  givenFlags: boolean;
}

export type ParentMessage =
  | WorkerInit
  | { t: 'start' }
  | { t: 'stop'; reason: string }
  /** Runtime control and re-dealing (distributed runs): applied to the worker's engine, queued until it exists. */
  | { t: 'users'; delta: number }
  | { t: 'reslice'; profile: LoadProfile }
  | { t: 'granted'; id: number }
  | { t: 'refused'; id: number; error: string };

export type WorkerStatus = LiteGroupStatus;

export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'failed'; error: string }
  | { t: 'snapshot'; snapshot: Interval; status: WorkerStatus }
  | { t: 'version'; version: string }
  | { t: 'log'; line: string }
  | { t: 'done'; outcome: EngineOutcome }
  | { t: 'acquire'; id: number; name: string }
  | { t: 'release'; id: number }
  | { t: 'cancel'; id: number };
