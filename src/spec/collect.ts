/**
 * The collecting `test`: what `rookery/test` and `@playwright/test` mean inside a spec that `rookery run` loads.
 * Instead of running anything it records the spec's declarations — `test()`, `test.describe()` groups,
 * `test.beforeEach`/`afterEach`, `only`/`skip`/`fixme` — into a tree, which `planSpec` flattens into the ordered
 * list of tests a user iteration runs (src/spec/run-spec.ts). Calls made while a test runs (`test.skip()`,
 * `test.step()`, `test.info()`) are answered by the runner through `SpecRuntimeHooks`.
 *
 * What has no meaning under load is refused with a message that says so (`beforeAll`/`afterAll`, `test.use`,
 * `test.extend`, `test.fail`), rather than silently changing what the spec does.
 */
import { fixtureParams } from './fixture-params.js';

export type SpecFn = (fixtures: Record<string, unknown>, info: SpecTestInfo) => unknown;
export type Mode = 'run' | 'only' | 'skip' | 'fixme';

/** The part of Playwright's TestInfo that makes sense under load. */
export interface SpecTestInfo {
  title: string;
  titlePath: string[];
  file: string;
  retry: 0;
  repeatEachIndex: 0;
  project: { name: 'rookery' };
  annotations: Array<{ type: string; description?: string }>;
  /** Attachments have no report to go to under load; they are dropped. */
  attach(name: string, options?: unknown): Promise<void>;
}

export interface HookDecl {
  kind: 'beforeEach' | 'afterEach';
  title: string | undefined;
  fn: SpecFn;
}

export interface TestDecl {
  kind: 'test';
  title: string;
  fn: SpecFn;
  mode: Mode;
  /** Set by a collection-time `test.skip(condition)` inside the test's group. */
  skipReason?: string;
}

export interface GroupDecl {
  kind: 'describe';
  title: string | undefined;
  mode: Mode;
  children: Array<TestDecl | GroupDecl>;
  hooks: HookDecl[];
  skipReason?: string;
}

/** A test ready to run: its title path and the hooks that wrap it, outermost group first. */
export interface PlannedTest {
  title: string;
  titlePath: string[];
  fn: SpecFn;
  beforeEach: HookDecl[];
  /** Innermost group first, as Playwright runs them. */
  afterEach: HookDecl[];
  skipped: string | undefined;
}

/** What the runner supplies while a test runs. */
export interface SpecRuntimeHooks {
  /** Whether a test is running in the current async context (else calls are collection-time). */
  inTest(): boolean;
  step<T>(title: string, body: () => Promise<T> | T): Promise<T>;
  info(): SpecTestInfo;
}

/** Thrown by `test.skip()` / `test.fixme()` inside a running test: the test ends as skipped, not failed. */
export class SkipSignal extends Error {
  constructor(reason: string | undefined) {
    super(reason ?? 'skipped');
    this.name = 'SkipSignal';
  }
}

/** A spec uses something `rookery run` cannot do; the message says what and where. */
export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

export interface Collector {
  /** The collecting `test` function, with Playwright's methods. */
  readonly test: CollectingTest;
  /** The declarations made since the last call, and a fresh root for the next spec. */
  take(): GroupDecl;
}

type Declare = (title: string, fnOrDetails: SpecFn | object, fn?: SpecFn) => void;
type Hook = (titleOrFn: string | SpecFn, fn?: SpecFn) => void;
type Group = (titleOrFn: string | (() => void), fn?: () => void) => void;
/** `test.skip(title, fn)` declares; `test.skip(condition?, description?)` skips the group or the running test. */
type Modifier = (...args: unknown[]) => void;

export interface CollectingDescribe extends Group {
  only: Group;
  skip: Group;
  fixme: Group;
  serial: Group & { only: Group; skip: Group };
  parallel: Group & { only: Group; skip: Group };
  configure: (options: unknown) => void;
}

/** The collecting `test`, with the Playwright methods a spec calls. */
export interface CollectingTest extends Declare {
  only: Declare;
  skip: Modifier;
  fixme: Modifier;
  describe: CollectingDescribe;
  beforeEach: Hook;
  afterEach: Hook;
  beforeAll: (...args: unknown[]) => never;
  afterAll: (...args: unknown[]) => never;
  use: (...args: unknown[]) => never;
  extend: (...args: unknown[]) => never;
  fail: (...args: unknown[]) => never;
  slow: (...args: unknown[]) => void;
  setTimeout: (ms: number) => void;
  step: <T>(title: string, body: () => Promise<T> | T) => Promise<T>;
  info: () => SpecTestInfo;
}

export function createCollector(runtime: SpecRuntimeHooks): Collector {
  let root = newGroup(undefined, 'run');
  let current = root;

  const declare = (mode: Mode, args: unknown[]): void => {
    const [title, a, b] = args;
    const fn = (typeof a === 'function' ? a : b) as SpecFn | undefined;
    if (typeof title !== 'string' || typeof fn !== 'function') throw new SpecError('test(title, fn): a test needs a title and a function');
    current.children.push({ kind: 'test', title, fn, mode });
  };

  const group = (mode: Mode) => (...args: unknown[]): void => {
    const title = typeof args[0] === 'string' ? args[0] : undefined;
    const fn = args.find((a): a is () => void => typeof a === 'function');
    if (!fn) throw new SpecError('test.describe(title, fn): a group needs a function');
    const g = newGroup(title, mode);
    current.children.push(g);
    const parent = current;
    current = g;
    try {
      const out = (fn as () => unknown)();
      if (out instanceof Promise) throw new SpecError(`test.describe(${JSON.stringify(title ?? '')}): the group's function must not be async (Playwright requires the same)`);
    } finally {
      current = parent;
    }
  };

  const hook = (kind: HookDecl['kind']) => (...args: unknown[]): void => {
    const title = typeof args[0] === 'string' ? args[0] : undefined;
    const fn = args.find((a): a is SpecFn => typeof a === 'function');
    if (!fn) throw new SpecError(`test.${kind}(fn): a hook needs a function`);
    current.hooks.push({ kind, title, fn });
  };

  /** `test.skip()` / `test.fixme()`: a declaration, a collection-time condition, or a runtime skip. */
  const modifier = (mode: 'skip' | 'fixme') => (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && args.some((a) => typeof a === 'function')) {
      declare(mode, args);
      return;
    }
    const [condition, description] = args;
    if (typeof condition === 'function') {
      throw new SpecError(`test.${mode}(condition) with a function condition needs Playwright's fixture system; rookery run supports test.${mode}(boolean, description)`);
    }
    const skip = args.length === 0 || Boolean(condition);
    if (!skip) return;
    const reason = typeof description === 'string' ? description : typeof condition === 'string' ? condition : mode;
    if (runtime.inTest()) throw new SkipSignal(reason);
    current.skipReason = reason;
  };

  const refuse = (what: string, why: string) => (): never => {
    throw new SpecError(`${what} is not supported by rookery run: ${why}`);
  };

  const describe: CollectingDescribe = Object.assign(group('run'), {
    only: group('only'),
    skip: group('skip'),
    fixme: group('fixme'),
    // Serial and parallel modes are about workers; a user iteration always runs the tests one after another.
    serial: Object.assign(group('run'), { only: group('only'), skip: group('skip') }),
    parallel: Object.assign(group('run'), { only: group('only'), skip: group('skip') }),
    configure: () => undefined,
  });

  const test: CollectingTest = Object.assign((...args: Parameters<Declare>) => declare('run', args), {
    only: (...args: Parameters<Declare>) => declare('only', args),
    skip: modifier('skip'),
    fixme: modifier('fixme'),
    describe,
    beforeEach: hook('beforeEach'),
    afterEach: hook('afterEach'),
    beforeAll: refuse('test.beforeAll', 'it runs once per Playwright worker, which a load run does not have; do the work in the test or a beforeEach'),
    afterAll: refuse('test.afterAll', 'it runs once per Playwright worker, which a load run does not have'),
    use: refuse('test.use', 'its options would change the browser context Rookery\'s pool provides; set them in the app or the run flags instead'),
    extend: refuse('test.extend', 'custom fixtures need Playwright\'s fixture system; rookery run provides page, context, lv and the built-ins it lists'),
    fail: refuse('test.fail', 'a test expected to fail has no meaning as load'),
    // Timeouts under load are the verbs' --action-timeout and the run's duration.
    slow: () => undefined,
    setTimeout: () => undefined,
    step: <T>(title: string, body: () => Promise<T> | T): Promise<T> => runtime.step(title, body),
    info: (): SpecTestInfo => {
      if (!runtime.inTest()) throw new SpecError('test.info() can only be called while a test is running');
      return runtime.info();
    },
  });

  return {
    test,
    take() {
      const taken = root;
      root = newGroup(undefined, 'run');
      current = root;
      return taken;
    },
  };
}

function newGroup(title: string | undefined, mode: Mode): GroupDecl {
  return { kind: 'describe', title, mode, children: [], hooks: [] };
}

/** Flattens the declarations into run order, applying `only` (anywhere wins) and skips the way Playwright does. */
export function planSpec(root: GroupDecl): PlannedTest[] {
  const out: Array<PlannedTest & { only: boolean }> = [];
  const walk = (g: GroupDecl, path: string[], before: HookDecl[], after: HookDecl[], only: boolean, skipped: string | undefined): void => {
    const beforeHere = [...before, ...g.hooks.filter((h) => h.kind === 'beforeEach')];
    const afterHere = [...g.hooks.filter((h) => h.kind === 'afterEach'), ...after];
    for (const c of g.children) {
      if (c.kind === 'test') {
        const skip = skipped ?? g.skipReason ?? (c.mode === 'skip' ? 'skip' : c.mode === 'fixme' ? 'fixme' : undefined);
        out.push({ title: c.title, titlePath: [...path, c.title], fn: c.fn, beforeEach: beforeHere, afterEach: afterHere, skipped: skip, only: only || c.mode === 'only' });
      } else {
        const groupSkip = skipped ?? g.skipReason ?? (c.mode === 'skip' ? 'skip' : c.mode === 'fixme' ? 'fixme' : undefined);
        walk(c, c.title === undefined ? path : [...path, c.title], beforeHere, afterHere, only || c.mode === 'only', groupSkip);
      }
    }
  };
  walk(root, [], [], [], root.mode === 'only', undefined);
  const anyOnly = out.some((t) => t.only);
  return out.filter((t) => !anyOnly || t.only).map(({ only: _only, ...t }) => t);
}

/**
 * Every fixture a test or its hooks ask for that is not in `provided`, as one message naming each; undefined when
 * all can be provided.
 */
export function missingFixtures(plan: readonly PlannedTest[], provided: readonly string[], file: string): string | undefined {
  const known = new Set(provided);
  // A hook shared by many tests is reported once, with the first test it wraps and how many more.
  const found = new Map<SpecFn, Map<string, { test: string; who: string; more: number }>>();
  for (const t of plan) {
    if (t.skipped) continue;
    const name = t.titlePath.join(' › ');
    const parts: Array<[string, SpecFn]> = [...t.beforeEach.map((h): [string, SpecFn] => [`its beforeEach${h.title ? ` "${h.title}"` : ''}`, h.fn]), ['it', t.fn], ...t.afterEach.map((h): [string, SpecFn] => [`its afterEach${h.title ? ` "${h.title}"` : ''}`, h.fn])];
    for (const [who, fn] of parts) {
      const params = fixtureParams(fn);
      const details = params.ok ? params.names.filter((f) => !known.has(f)).map((f) => `uses fixture "${f}", which rookery run cannot provide`) : [`(the ${who === 'it' ? 'test function' : 'hook'}): ${params.reason}`];
      const seen = found.get(fn) ?? new Map<string, { test: string; who: string; more: number }>();
      found.set(fn, seen);
      for (const d of details) {
        const prior = seen.get(d);
        if (prior) prior.more++;
        else seen.set(d, { test: name, who, more: 0 });
      }
    }
  }
  const problems: string[] = [];
  for (const seen of found.values()) {
    for (const [detail, p] of seen) problems.push(`test "${p.test}"${p.more ? ` (and ${p.more} more)` : ''}: ${p.who} ${detail}`);
  }
  if (problems.length === 0) return undefined;
  return `${file}: ${problems.length === 1 ? 'a test needs' : 'tests need'} what rookery run cannot provide (it provides ${provided.join(', ')}):\n  ${problems.join('\n  ')}`;
}
