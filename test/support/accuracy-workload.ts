/**
 * The probe-accuracy workload: N pages on /counter, each clicking `#inc` M times through the verbs with the CDP
 * probe attached, every probe observation and action timing kept, then matched against the fixture's ground
 * truth. Shared by the correctness test (test/integration/probe-accuracy.test.ts) and the precision benchmark
 * (bench/accuracy.ts), so both judge the same numbers.
 */
import type { Browser } from 'playwright';
import { PageProbe } from '../../src/probe/page-probe.js';
import { PAGE_AGENT_SCRIPT } from '../../src/probe/page-agent.js';
import { createVerbs } from '../../src/scenario/verbs.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { recordObservation } from '../../src/metrics/record.js';
import type { Observation } from '../../src/liveview/observations.js';
import type { ActionTiming } from '../../src/scenario/define.js';
import type { EventRecord } from '../../fixtures/server/ground-truth.js';

export type EventObservation = Extract<Observation, { type: 'event' }>;

export interface WorkloadOutcome {
  registry: MetricsRegistry;
  observations: Observation[];
  timings: ActionTiming[];
}

export async function clickWorkload(browser: Browser, target: string, pages: number, clicks: number): Promise<WorkloadOutcome> {
  const registry = new MetricsRegistry();
  const observations: Observation[] = [];
  const timings: ActionTiming[] = [];
  await Promise.all(
    Array.from({ length: pages }, async () => {
      const context = await browser.newContext();
      try {
        await context.addInitScript({ content: PAGE_AGENT_SCRIPT });
        const page = await context.newPage();
        const probe = await PageProbe.attach(page, {
          sink: (obs) => {
            observations.push(obs);
            recordObservation(registry, obs);
          },
        });
        const lv = createVerbs({ page, probe, target, recorder: registry, input: 'fast', actionTimeoutMs: 10_000 });
        await lv.goto('/counter');
        for (let i = 0; i < clicks; i++) timings.push(await lv.click('#inc'));
        await lv.waitSettled();
        await probe.detach();
      } finally {
        await context.close();
      }
    }),
  );
  return { registry, observations, timings };
}

export interface MatchedEvent {
  truth: EventRecord;
  observed: EventObservation | undefined;
  /** Probe RTT minus the server's own handling interval (ms); undefined when unmatched. */
  overheadMs: number | undefined;
}

/** Pairs each server record with the probe's observation of the same push (topic + ref). */
export function matchEvents(truth: readonly EventRecord[], observations: readonly Observation[]): { matched: MatchedEvent[]; duplicates: number; observed: EventObservation[] } {
  const observed = observations.filter((o): o is EventObservation => o.type === 'event' && o.push === 'event');
  const byKey = new Map(observed.map((o) => [`${o.topic}|${o.ref}`, o]));
  const matched = truth.map((t) => {
    const o = byKey.get(`${t.topic}|${t.ref}`);
    return { truth: t, observed: o, overheadMs: o ? o.ms - (t.repliedAt - t.receivedAt) : undefined };
  });
  return { matched, duplicates: observed.length - byKey.size, observed };
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
