/**
 * Run-wide throttles across processes: a scenario's `throttles` limit the whole run, so lite workers do not keep
 * their own (that would multiply every limit by the number of processes). The parent serves grants from the
 * throttles its own engine uses (`serveThrottles`); a worker's `remoteThrottles` forward each acquire, release and
 * abandoned wait over IPC. Grants keep the parent's first-come-first-served order across all processes.
 */
import type { Throttle } from '../scenario/define.js';
import { abortError } from '../load/throttle.js';
import type { ParentMessage, WorkerMessage } from './worker-protocol.js';

/** Worker side: one proxy per declared throttle name. `deliver` must receive the parent's granted/refused messages. */
export function remoteThrottles(names: readonly string[], send: (m: WorkerMessage) => void): { throttles: Map<string, Throttle>; deliver(m: ParentMessage): void } {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (release: () => void) => void; reject: (e: unknown) => void }>();
  const throttles = new Map<string, Throttle>();
  for (const name of names) {
    throttles.set(name, {
      acquire(signal?: AbortSignal): Promise<() => void> {
        if (signal?.aborted) return Promise.reject(abortError());
        const id = ++nextId;
        return new Promise((resolve, reject) => {
          const onAbort = () => {
            waiting.delete(id);
            send({ t: 'cancel', id });
            reject(abortError());
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          waiting.set(id, {
            resolve: (release) => {
              signal?.removeEventListener('abort', onAbort);
              resolve(release);
            },
            reject: (e) => {
              signal?.removeEventListener('abort', onAbort);
              reject(e);
            },
          });
          send({ t: 'acquire', id, name });
        });
      },
    });
  }
  return {
    throttles,
    deliver(m) {
      if (m.t !== 'granted' && m.t !== 'refused') return;
      const w = waiting.get(m.id);
      if (!w) {
        // Granted after the wait was cancelled: give it straight back.
        if (m.t === 'granted') send({ t: 'release', id: m.id });
        return;
      }
      waiting.delete(m.id);
      if (m.t === 'refused') w.reject(new Error(m.error));
      else {
        let released = false;
        w.resolve(() => {
          if (released) return;
          released = true;
          send({ t: 'release', id: m.id });
        });
      }
    },
  };
}

/** Parent side: answers one worker's throttle messages from the run's throttles. Returns a cleanup (worker gone). */
export function serveThrottles(throttles: ReadonlyMap<string, Throttle>, send: (m: ParentMessage) => void): { handle(m: WorkerMessage): void; close(): void } {
  const waits = new Map<number, AbortController>();
  const held = new Map<number, () => void>();
  return {
    handle(m) {
      if (m.t === 'acquire') {
        const t = throttles.get(m.name);
        if (!t) return send({ t: 'refused', id: m.id, error: `no throttle named ${JSON.stringify(m.name)}` });
        const abort = new AbortController();
        waits.set(m.id, abort);
        t.acquire(abort.signal).then(
          (release) => {
            waits.delete(m.id);
            held.set(m.id, release);
            send({ t: 'granted', id: m.id });
          },
          () => waits.delete(m.id),
        );
      } else if (m.t === 'release') {
        held.get(m.id)?.();
        held.delete(m.id);
      } else if (m.t === 'cancel') {
        waits.get(m.id)?.abort();
        waits.delete(m.id);
        held.get(m.id)?.();
        held.delete(m.id);
      }
    },
    close() {
      for (const a of waits.values()) a.abort();
      for (const r of held.values()) r();
      waits.clear();
      held.clear();
    },
  };
}
