/**
 * Playwright specs under rookery run: which fixtures a test asks for (read from its source, as Playwright does),
 * what the collecting `test` records, the run order with hooks, and how one iteration runs them.
 */
import { describe, expect, it } from 'vitest';
import { AsyncLocalStorage } from 'node:async_hooks';
import { fixtureParamsOfSource, fixtureParams } from '../../src/spec/fixture-params.js';
import { createCollector, missingFixtures, planSpec, SpecError, type CollectingTest, type SpecRuntimeHooks } from '../../src/spec/collect.js';
import { PROVIDED_FIXTURES, specScenario, type RunningTest } from '../../src/spec/run-spec.js';
import type { User } from '../../src/scenario/define.js';

const noRuntime: SpecRuntimeHooks = { inTest: () => false, step: async (_t, body) => body(), info: () => { throw new Error('no test'); } };

describe('fixtureParams', () => {
  it('reads the names of the destructured first parameter', () => {
    expect(fixtureParamsOfSource('async ({ page, lv: verbs }) => {}')).toEqual({ ok: true, names: ['page', 'lv'] });
    expect(fixtureParamsOfSource("async function named({ page = 1, 'context': c, baseURL }, info) { return '(' }")).toEqual({ ok: true, names: ['page', 'context', 'baseURL'] });
    expect(fixtureParamsOfSource('async ({ /* a, b */ page, // c\n request }) => {}')).toEqual({ ok: true, names: ['page', 'request'] });
    expect(fixtureParamsOfSource('async ({ page, opts = { a: 1, b: [2, 3] } }) => {}')).toEqual({ ok: true, names: ['page', 'opts'] });
    expect(fixtureParamsOfSource('async () => {}')).toEqual({ ok: true, names: [] });
    expect(fixtureParams(async ({ page }: { page: unknown }) => page)).toEqual({ ok: true, names: ['page'] });
  });

  it('refuses what hides the fixtures, as Playwright does', () => {
    const plain = fixtureParamsOfSource('async (args) => {}');
    expect(plain.ok).toBe(false);
    expect(!plain.ok && plain.reason).toContain('must use object destructuring');
    expect(fixtureParamsOfSource('async x => x').ok).toBe(false);
    const rest = fixtureParamsOfSource('async ({ page, ...rest }) => {}');
    expect(!rest.ok && rest.reason).toContain('...rest');
  });
});

describe('collecting test', () => {
  it('records groups, hooks and modifiers; plans them in Playwright order', () => {
    const { test: t, take } = createCollector(noRuntime);
    const d = t.describe;
    t.beforeEach(async () => 'outer before');
    t('top', async () => {});
    d('group', () => {
      t.beforeEach('inner before', async () => {});
      t.afterEach(async () => {});
      t('a', async () => {});
      t.skip('b', async () => {});
      t.fixme('c', async () => {});
      d('nested', () => {
        t.skip(true, 'not today');
        t('d', async () => {});
      });
    });
    t.afterEach(async () => {});
    const plan = planSpec(take());
    expect(plan.map((p) => [p.titlePath.join(' › '), p.skipped])).toEqual([
      ['top', undefined],
      ['group › a', undefined],
      ['group › b', 'skip'],
      ['group › c', 'fixme'],
      ['group › nested › d', 'not today'],
    ]);
    const a = plan[1]!;
    expect(a.beforeEach.map((h) => h.title)).toEqual([undefined, 'inner before']);
    expect(a.afterEach.length).toBe(2);
    // take() starts a fresh spec
    expect(planSpec(take())).toEqual([]);
  });

  it('only: an only test or group keeps just those', () => {
    const { test: t, take } = createCollector(noRuntime);
    const d = t.describe;
    t('x', async () => {});
    t.only('y', async () => {});
    d.only('g', () => t('z', async () => {}));
    expect(planSpec(take()).map((p) => p.title)).toEqual(['y', 'z']);
  });

  it('refuses what has no meaning under load, saying why', () => {
    const { test: t, take } = createCollector(noRuntime);
    expect(() => t.beforeAll(async () => {})).toThrow(/test.beforeAll is not supported by rookery run: it runs once per Playwright worker/);
    expect(() => t.use({ viewport: null })).toThrow(/test.use is not supported/);
    expect(() => t.extend({})).toThrow(/test.extend is not supported/);
    expect(() => t.describe('async', (async () => {}) as unknown as () => void)).toThrow(/must not be async/);
    take();
  });

  it('names every fixture rookery cannot provide, with the test that asks', () => {
    const { test: t, take } = createCollector(noRuntime);
    t.beforeEach(async ({ page }: Record<string, unknown>) => page);
    t('fine', async ({ page, lv }: Record<string, unknown>) => [page, lv]);
    t('needs storage', async ({ page, storageState }: Record<string, unknown>) => [page, storageState]);
    t.describe('g', () => {
      t.afterEach(async ({ todoPage }: Record<string, unknown>) => todoPage);
      t('custom', async () => {});
    });
    const message = missingFixtures(planSpec(take()), PROVIDED_FIXTURES, 'x.spec.ts');
    expect(message).toContain('x.spec.ts: tests need what rookery run cannot provide (it provides page, context, lv, baseURL, browser, browserName, request)');
    expect(message).toContain('test "needs storage": it uses fixture "storageState"');
    expect(message).toContain('test "g › custom": its afterEach uses fixture "todoPage"');
    expect(message).not.toContain('"fine"');
  });
});

describe('specScenario: one user iteration', () => {
  function fakeUser(log: string[]): User<{ target: string }> {
    const context = { clearCookies: async () => void log.push('clearCookies'), browser: () => null, request: {} };
    return {
      page: {} as User['page'],
      context: context as unknown as User['context'],
      userId: 0,
      iteration: 0,
      variant: undefined,
      variantValue: undefined,
      data: { target: 'http://127.0.0.1:1' },
      row: {},
      signal: new AbortController().signal,
      lv: {} as User['lv'],
      step: async (name, fn) => {
        log.push(`step ${name}`);
        return fn();
      },
      think: async () => {},
      check: async (name, c) => {
        log.push(`check ${name} ${String(c)}`);
        return Boolean(c);
      },
      throttle: () => {
        throw new Error('no');
      },
      snapshot: async () => {},
    };
  }

  function collect(declare: (t: CollectingTest) => void) {
    const running = new AsyncLocalStorage<RunningTest>();
    const { test, take } = createCollector({
      inTest: () => running.getStore() !== undefined,
      step: async (_t, body) => body(),
      info: () => running.getStore()!.info,
    });
    declare(test);
    return specScenario(take(), { name: 'x.spec', file: 'x.spec.ts' }, running);
  }

  it('runs hooks around each test, in order; afterEach runs after a failure, which ends the iteration', async () => {
    const log: string[] = [];
    const scenario = collect((t) => {
      t.beforeEach(async ({ baseURL }: Record<string, unknown>) => void log.push(`before ${String(baseURL)}`));
      t('one', async ({ page }: Record<string, unknown>) => void log.push(`one ${typeof page}`));
      t('skips itself', async () => {
        t.skip(true, 'later');
        log.push('not reached');
      });
      t('two', async () => {
        throw new Error('boom');
      });
      t('three', async () => void log.push('three'));
      // eslint-disable-next-line no-empty-pattern
      t.afterEach(async ({}: Record<string, unknown>, info: { title: string }) => void log.push(`after ${info.title}`));
    });
    const error = await scenario.user(fakeUser(log)).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('test "two": boom');
    expect(log).toEqual([
      'before http://127.0.0.1:1',
      'step test: one',
      'one object',
      'after one',
      'check test: one true',
      'clearCookies',
      'before http://127.0.0.1:1',
      'step test: skips itself',
      'after skips itself',
      'clearCookies',
      'before http://127.0.0.1:1',
      'step test: two',
      'after two',
      'check test: two false',
    ]);
  });

  it('refuses a spec with no test, or a fixture it cannot provide, before anything runs', () => {
    expect(() => collect(() => {})).toThrow(SpecError);
    expect(() => collect(() => {})).toThrow('x.spec.ts declares no test');
    expect(() => collect((t) => t('x', async ({ mobile }: Record<string, unknown>) => mobile))).toThrow('test "x": it uses fixture "mobile", which rookery run cannot provide');
    const shared = () => collect((t) => {
      t.beforeEach(async (args: unknown) => args);
      t('x', async () => {});
      t('y', async () => {});
    });
    expect(shared).toThrow('x.spec.ts: a test needs what rookery run cannot provide (it provides page, context, lv, baseURL, browser, browserName, request):\n  test "x" (and 1 more): its beforeEach (the hook): its first parameter must use object destructuring');
  });
});
