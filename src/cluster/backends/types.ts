/**
 * Where runners come from. A backend only starts runner processes that dial the collector, and removes them at
 * the end (scale to zero); everything else — admission, slices, faults — is the collector's. Pool options in
 * the FLAME sense: min/max runners and the boot timeout are the collector's (see run-distributed.ts); idle
 * shutdown is the runner's own `--idle-timeout`.
 */
export interface BackendLaunch {
  /** Runners to start (the pool's max). */
  count: number;
  /** What runners dial: ws://HOST:PORT of the collector as they can reach it. */
  joinUrl: string;
  /** Given to runners through the environment (ROOKERY_TOKEN), never on a command line. */
  token: string;
  /** Lowercase letters, digits and dashes: names Kubernetes objects and partial results files. */
  runId: string;
  /** Extra `rookery runner` flags (capacity, browser endpoint, partial dir, idle timeout). */
  runnerArgs: string[];
  log: (line: string) => void;
}

export interface RunnerBackend {
  readonly name: 'local' | 'docker' | 'kubernetes' | 'manual';
  launch(request: BackendLaunch): Promise<void>;
  /** Why runners did not show up, when the backend can tell (exit codes, pod states). */
  diagnose(): Promise<string | undefined>;
  /** Scale to zero: waits (up to `graceMs`) for runners to leave on their own, then removes what is left. Idempotent. */
  shutdown(graceMs?: number): Promise<void>;
}

export type BackendName = RunnerBackend['name'];
export const BACKEND_NAMES: readonly BackendName[] = ['local', 'docker', 'kubernetes', 'manual'];
