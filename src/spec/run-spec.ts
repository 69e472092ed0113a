/**
 * A collected spec as a scenario: each user iteration runs the spec's tests in declaration order on the user's
 * page, each wrapped in its beforeEach/afterEach hooks, with the fixtures Rookery provides (`page`, `context`,
 * `lv`, and the built-ins below). Results, metrics and reports are a scenario's: a test's time is
 * `step_ms{step="test: <title path>"}`, its outcome `checks{check="test: <title path>"}`, and the first failing
 * test ends the iteration as an error (its afterEach hooks still run), like a scenario that throws.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { defineScenario, type Scenario, type User } from '../scenario/define.js';
import { SkipSignal, SpecError, missingFixtures, planSpec, type GroupDecl, type PlannedTest, type SpecTestInfo } from './collect.js';

/** The fixtures a spec's tests may ask for under `rookery run`. */
export const PROVIDED_FIXTURES = ['page', 'context', 'lv', 'baseURL', 'browser', 'browserName', 'request'] as const;

export interface SpecMeta {
  /** The scenario name results carry (the spec file's name without extension). */
  name: string;
  /** The spec file as messages show it. */
  file: string;
}

export interface RunningTest {
  u: User<SpecData>;
  info: SpecTestInfo;
}

interface SpecData {
  target: string;
}

/** Builds the scenario; throws a SpecError naming every fixture or construct it cannot honour. */
export function specScenario(root: GroupDecl, meta: SpecMeta, running: AsyncLocalStorage<RunningTest>): Scenario<SpecData> {
  const plan = planSpec(root);
  if (plan.length === 0) throw new SpecError(`${meta.file} declares no test (rookery run runs the spec's test(…) calls as user iterations)`);
  const runnable = plan.filter((t) => !t.skipped);
  if (runnable.length === 0) throw new SpecError(`${meta.file}: every test is skipped (${plan.length} declared)`);
  const missing = missingFixtures(plan, PROVIDED_FIXTURES, meta.file);
  if (missing) throw new SpecError(missing);
  return defineScenario<SpecData>({
    name: meta.name,
    setup: ({ target }) => ({ target }),
    async user(u) {
      for (let i = 0; i < runnable.length; i++) {
        // Playwright gives each test a fresh context; a user keeps its page, so at least its cookies start clean.
        if (i > 0) await u.context.clearCookies();
        await runTest(runnable[i]!, u, meta, running);
      }
    },
  });
}

async function runTest(t: PlannedTest, u: User<SpecData>, meta: SpecMeta, running: AsyncLocalStorage<RunningTest>): Promise<void> {
  const name = `test: ${t.titlePath.join(' › ')}`;
  const fixtures: Record<(typeof PROVIDED_FIXTURES)[number], unknown> = {
    page: u.page,
    context: u.context,
    lv: u.lv,
    baseURL: u.data.target,
    browser: u.context.browser(),
    browserName: 'chromium',
    request: u.context.request,
  };
  const info: SpecTestInfo = {
    title: t.title,
    titlePath: [meta.file, ...t.titlePath],
    file: meta.file,
    retry: 0,
    repeatEachIndex: 0,
    project: { name: 'rookery' },
    annotations: [],
    attach: async () => undefined,
  };
  let failure: unknown;
  await running.run({ u, info }, async () => {
    try {
      for (const h of t.beforeEach) await h.fn(fixtures, info);
      await u.step(name, async () => t.fn(fixtures, info));
    } catch (err) {
      failure = err;
    }
    // Playwright runs afterEach hooks after a failure too; the first error is the one reported.
    for (const h of t.afterEach) {
      try {
        await h.fn(fixtures, info);
      } catch (err) {
        failure ??= err;
      }
    }
  });
  if (failure instanceof SkipSignal) return;
  await u.check(name, failure === undefined);
  if (failure !== undefined) throw labelled(failure, t);
}

/** Prefixes the test's title to the error's message, keeping its class (verb errors keep their kind). */
function labelled(err: unknown, t: PlannedTest): unknown {
  const prefix = `test "${t.titlePath.join(' › ')}": `;
  if (err instanceof Error) {
    if (!err.message.startsWith(prefix)) err.message = prefix + err.message;
    return err;
  }
  return new Error(prefix + String(err));
}
