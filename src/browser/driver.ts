/**
 * Browser users for the load engine: a pooled Chromium context and page per user, the page agent installed as
 * an init script, and the CDP probe on the page (src/probe).
 */
import type { UserDriver, UserSession } from '../scenario/driver.js';
import { PAGE_AGENT_SCRIPT } from '../probe/page-agent.js';
import { PageProbe, type ObservationSink } from '../probe/page-probe.js';
import { createVerbs } from '../scenario/verbs.js';
import type { Lease } from './pool.js';

/** Where users get their browser context: the BrowserPool, or a fake in tests. */
export interface LeaseSource {
  /** `signal` aborts when the schedule ends: a user still waiting for a context (ramp governor) gives up. */
  acquire(userId: number, signal?: AbortSignal): Promise<Lease>;
}

export function browserDriver(leases: LeaseSource): UserDriver {
  return {
    client: 'browser',
    async open(userId: number, sink: ObservationSink, signal?: AbortSignal): Promise<UserSession> {
      const lease = await leases.acquire(userId, signal);
      let probe: PageProbe;
      try {
        // Init scripts survive a context's release, so a reused context already has the agent.
        if (lease.fresh) await lease.context.addInitScript({ content: PAGE_AGENT_SCRIPT });
        probe = await PageProbe.attach(lease.page, { sink });
      } catch (err) {
        await lease.discard();
        throw err;
      }
      const end = async (reusable: boolean) => {
        await probe.detach();
        try {
          if (reusable) await lease.release();
          else await lease.discard();
        } catch {
          // A context on a crashed browser cannot be released; the pool already replaced the browser.
        }
      };
      return {
        signal: lease.signal,
        page: () => lease.page,
        context: () => lease.context,
        verbs: (opts) => createVerbs({ ...opts, page: lease.page, probe }),
        connection: () => probe.connection(),
        expire: () => probe.expire(),
        lost: (err) => lease.crashed !== undefined || isTargetClosed(err) || lease.page.isClosed(),
        release: () => end(true),
        discard: () => end(false),
      };
    },
  };
}

export function isTargetClosed(err: unknown): boolean {
  return err instanceof Error && /Target (page, context or browser )?(has been )?closed|Browser has been closed|browser has disconnected|BrowserCrashedError/i.test(err.message + err.name);
}
