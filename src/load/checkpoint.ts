/**
 * Checkpoints: while a run lasts, the results so far are written atomically to `<out>.partial` every few seconds,
 * so a harness killed without warning (SIGKILL, the OOM killer, a CI hard timeout) loses at most one interval.
 * The file is ordinary results JSON (`rookery report x.json.partial` renders it), marked in `meta.interrupted`.
 * It is removed once the final results are written.
 */
import { rm } from 'node:fs/promises';
import type { Results } from '../metrics/model.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { stringifyResults } from '../metrics/results-file.js';

export const DEFAULT_CHECKPOINT_MS = 10_000;

export interface CheckpointOptions {
  /** Where to write: `<out>.partial`. */
  path: string;
  everyMs: number;
}

export interface Checkpointer {
  /** Writes one checkpoint now (also what the timer does). */
  flush(): Promise<void>;
  /** Stops the timer and waits for a write in progress. The file stays until `remove`. */
  stop(): Promise<void>;
  /** Removes the checkpoint file (after the final results are safely written). */
  remove(): Promise<void>;
  /** Checkpoints written so far. */
  readonly written: number;
}

/** What a checkpoint says about itself in `meta.interrupted`. */
export function checkpointNote(at: number): string {
  return `checkpoint at ${new Date(at).toISOString()}: the run was still going; results are partial`;
}

/**
 * Starts writing `build()` every `everyMs`. A write never overlaps the previous one; a failing write is logged
 * once (and then again only when it recovers), never thrown: checkpoints must not end a run.
 */
export function startCheckpoints(opts: CheckpointOptions, build: () => Results, log?: (line: string) => void): Checkpointer {
  let written = 0;
  let busy: Promise<void> | undefined;
  let failing = false;
  let stopped = false;
  const flush = async (): Promise<void> => {
    if (busy) return busy;
    busy = (async () => {
      try {
        await writeFileAtomic(opts.path, stringifyResults(build()));
        written++;
        if (failing) log?.(`checkpoint: writing ${opts.path} works again`);
        failing = false;
      } catch (err) {
        if (!failing) log?.(`checkpoint: could not write ${opts.path} (${err instanceof Error ? err.message : String(err)}); the run goes on`);
        failing = true;
      } finally {
        busy = undefined;
      }
    })();
    return busy;
  };
  const timer = setInterval(() => {
    if (!stopped) void flush();
  }, opts.everyMs);
  timer.unref();
  return {
    flush,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
    },
    async remove() {
      await rm(opts.path, { force: true });
    },
    get written() {
      return written;
    },
  };
}
