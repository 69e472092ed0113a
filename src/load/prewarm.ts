/**
 * `--prewarm`: open the pool's contexts before the measured phase, so the ramp measures the app and not context
 * creation (~0.15–1 CPU-s each on a 2-core machine). Each context gets the page agent as the engine gives a fresh
 * one, then goes back to the pool idle; users lease them without opening anything.
 */
import type { Lease } from '../browser/pool.js';
import { PAGE_AGENT_SCRIPT } from '../probe/page-agent.js';

export interface PrewarmOutcome {
  contexts: number;
  failed: number;
  ms: number;
}

export async function prewarmContexts(source: { acquire(userId: number): Promise<Lease> }, count: number, signal?: AbortSignal): Promise<PrewarmOutcome> {
  const t0 = performance.now();
  const leases: Lease[] = [];
  let failed = 0;
  // The pool bounds how many contexts are created at once; asking for all at once keeps it busy.
  await Promise.all(
    Array.from({ length: Math.max(0, count) }, async (_, i) => {
      if (signal?.aborted) return;
      try {
        const lease = await source.acquire(-1 - i);
        await lease.context.addInitScript({ content: PAGE_AGENT_SCRIPT });
        leases.push(lease);
      } catch {
        failed++;
      }
    }),
  );
  // All leased before any is released: released ones would be reused instead of new ones opened.
  await Promise.all(leases.map((l) => l.release()));
  return { contexts: leases.length, failed, ms: performance.now() - t0 };
}
