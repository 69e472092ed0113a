/**
 * Lite users for the load engine (src/scenario/driver.ts): each session is a LiteUser (src/lite/user.ts) sharing
 * this process's script cache. Playwright-only members of `u` fail with an error naming the member.
 */
import type { UserDriver, UserSession } from '../scenario/driver.js';
import type { ObservationSink } from '../probe/page-probe.js';
import { createVerbs, VerbError } from '../scenario/verbs.js';
import { ScriptCache } from './script-cache.js';
import { LiteUser } from './user.js';


export interface LiteDriverOptions {
  cache?: ScriptCache;
  /** A page showed something lite users cannot drive (reported once per kind per process). */
  onLimitation?: (kind: string, detail: string) => void;
  /** The page's scripts logged an error (console.error, uncaught exceptions). */
  onPageError?: (message: string) => void;
}

const browserOnly = (member: string): never => {
  throw new VerbError(member, 'unsupported', `u.${member} is not available to lite users: they run the app's LiveView client on a Node DOM without Playwright; use a browser user (--users) for scenarios that need u.${member}`);
};

export function liteDriver(opts: LiteDriverOptions = {}): UserDriver & { readonly cache: ScriptCache } {
  const cache = opts.cache ?? new ScriptCache();
  const reported = new Set<string>();
  const onLimitation = (kind: string, detail: string) => {
    if (reported.has(kind)) return;
    reported.add(kind);
    opts.onLimitation?.(kind, detail);
  };
  return {
    client: 'lite',
    cache,
    noSnapshots: 'visual checks need a browser user: lite users do not render (no layout, no paint)',
    async open(_userId: number, sink: ObservationSink): Promise<UserSession> {
      const user = new LiteUser({ cache, sink, onLimitation, ...(opts.onPageError ? { onPageError: opts.onPageError } : {}) });
      const never = new AbortController();
      return {
        signal: never.signal,
        page: () => browserOnly('page'),
        context: () => browserOnly('context'),
        verbs: (o) => createVerbs({ ...o, port: user.port, probe: user.probe }),
        connection: () => user.probe.connection(),
        expire: () => user.probe.expire(),
        // Nothing outside the page can take a lite session away (no browser process to crash).
        lost: () => false,
        release: () => user.close(),
        discard: () => user.close(),
      };
    },
  };
}
