/**
 * `rookery/spec-runtime`: what `rookery/test` and `@playwright/test` resolve to inside a spec that `rookery run`
 * bundles (src/scenario/spec-bundle.ts). It re-exports Playwright Test (`expect` works outside its runner) but replaces
 * `test` with the collecting one; the bundle's generated entry then calls `takeSpecScenario` to turn what the spec
 * declared into the scenario the engine runs. Internal: specs never import it themselves.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Scenario } from '../scenario/define.js';
import { createCollector, SpecError } from './collect.js';
import { specScenario, type RunningTest, type SpecMeta } from './run-spec.js';

export * from '@playwright/test';

const running = new AsyncLocalStorage<RunningTest>();

const collector = createCollector({
  inTest: () => running.getStore() !== undefined,
  step: async (title, body) => {
    const current = running.getStore();
    // Steps time like u.step(): step_ms{step=<title>}.
    return current ? current.u.step(title, async () => body()) : body();
  },
  info: () => {
    const current = running.getStore();
    if (!current) throw new SpecError('test.info() can only be called while a test is running');
    return current.info;
  },
});

export const test = collector.test;

/** Called by the bundle's entry before the spec module runs: drops what an earlier spec that failed to load left. */
export function beginSpec(): void {
  collector.take();
}

/** Called once by the bundle's entry right after the spec module ran: its declarations as a scenario. */
export function takeSpecScenario(meta: SpecMeta): Scenario<unknown> {
  return specScenario(collector.take(), meta, running) as unknown as Scenario<unknown>;
}
