import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_CONTEXTS_PER_BROWSER, MEMORY_MODEL, planPool } from '../../src/browser/plan.js';
import { BrowserPool } from '../../src/browser/pool.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

describe('planPool', () => {
  it('sizes the issue target (300 users, 2 cores, 24 GB, headless shell) as 2 browsers × 150 with no warnings', () => {
    const plan = planPool({ users: 300, cores: 2, memoryBytes: 24 * GB, headlessShell: true });
    expect(plan).toMatchObject({ browsers: 2, contextsPerBrowser: 150, launchConcurrency: 1, contextConcurrency: 2 });
    expect(plan.warnings).toEqual([]);
    // 2 browser processes + 300 contexts at the documented per-context assumption.
    expect(plan.expectedBrowserBytes).toBe(2 * MEMORY_MODEL.headlessShell.perBrowserBytes + 300 * 30 * MB);
  });

  it('uses one browser for a small run and spreads users evenly once the cap is passed', () => {
    expect(planPool({ users: 20, cores: 2, memoryBytes: 8 * GB, headlessShell: true })).toMatchObject({ browsers: 1, contextsPerBrowser: 20 });
    expect(planPool({ users: 151, cores: 2, memoryBytes: 24 * GB, headlessShell: true })).toMatchObject({ browsers: 2, contextsPerBrowser: 76 });
    expect(planPool({ users: 0, cores: 2, memoryBytes: 8 * GB, headlessShell: true })).toMatchObject({ browsers: 1, contextsPerBrowser: 1 });
  });

  it('never puts more than the cap in one browser, uses the fewest browsers, and holds every user', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 64 }), (users, cores) => {
        const p = planPool({ users, cores, memoryBytes: 64 * GB, headlessShell: true });
        expect(p.contextsPerBrowser).toBeLessThanOrEqual(MAX_CONTEXTS_PER_BROWSER);
        expect(p.browsers * p.contextsPerBrowser).toBeGreaterThanOrEqual(users);
        expect((p.browsers - 1) * MAX_CONTEXTS_PER_BROWSER).toBeLessThan(users);
        expect(p.launchConcurrency).toBeGreaterThanOrEqual(1);
        expect(p.launchConcurrency).toBeLessThanOrEqual(p.browsers);
        expect(p.contextConcurrency).toBeGreaterThanOrEqual(1);
        expect(p.contextConcurrency).toBeLessThanOrEqual(8);
      }),
    );
  });

  it('scales launch and context concurrency with cores', () => {
    const p = planPool({ users: 1000, cores: 8, memoryBytes: 64 * GB, headlessShell: true });
    expect(p).toMatchObject({ browsers: 7, contextsPerBrowser: 143, launchConcurrency: 4, contextConcurrency: 8 });
  });

  it('warns, with the number that fits, when memory cannot hold the users', () => {
    const p = planPool({ users: 1000, cores: 2, memoryBytes: 8 * GB, headlessShell: true });
    // (8 GB × 0.8 − 300 MB) / (30 MB + 2 MB + 170 MB / 150) = 188.8 users.
    expect(p.memoryCapacityUsers).toBe(188);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/1000 users need ~.* GB of browser memory .* about 188 users fit/);
    expect(p.expectedBrowserBytes).toBeGreaterThan(p.browserBudgetBytes);
  });

  it('assumes more memory for full Chromium and says the headless shell is lighter', () => {
    const shell = planPool({ users: 100, cores: 2, memoryBytes: 8 * GB, headlessShell: true });
    const full = planPool({ users: 100, cores: 2, memoryBytes: 8 * GB, headlessShell: false });
    expect(full.memoryCapacityUsers).toBeLessThan(shell.memoryCapacityUsers / 2);
    expect(full.expectedBrowserBytes).toBe(MEMORY_MODEL.full.perBrowserBytes + 100 * MEMORY_MODEL.full.perContextBytes);
    expect(full.warnings.some((w) => w.includes('chromium-headless-shell'))).toBe(true);
  });

  it('honours a heavier per-context assumption and a lower cap', () => {
    const p = planPool({ users: 100, cores: 2, memoryBytes: 4 * GB, headlessShell: true, perContextBytes: 100 * MB, maxContextsPerBrowser: 40 });
    expect(p).toMatchObject({ browsers: 3, contextsPerBrowser: 34 });
    expect(p.expectedBrowserBytes).toBe(3 * MEMORY_MODEL.headlessShell.perBrowserBytes + 100 * 100 * MB);
  });

  it('rejects nonsense input', () => {
    expect(() => planPool({ users: -1, cores: 2, memoryBytes: GB, headlessShell: true })).toThrow(RangeError);
    expect(() => planPool({ users: 10, cores: Number.NaN, memoryBytes: GB, headlessShell: true })).toThrow(RangeError);
  });
});

describe('BrowserPool sizing (no browser is launched until acquire)', () => {
  const machine = { cores: 2, memoryBytes: 24 * GB };

  it('follows the plan for a user count', () => {
    const pool = new BrowserPool({ users: 300, machine });
    expect(pool).toMatchObject({ maxBrowsers: 2, contextsPerBrowser: 150, launchConcurrency: 1, contextConcurrency: 2 });
    expect(pool.pids()).toEqual([]);
  });

  it('spreads users over the browsers asked for, and honours every explicit override', () => {
    expect(new BrowserPool({ users: 100, browsers: 3, machine })).toMatchObject({ maxBrowsers: 3, contextsPerBrowser: 34 });
    expect(new BrowserPool({ users: 100, contextsPerBrowser: 30, machine })).toMatchObject({ maxBrowsers: 4, contextsPerBrowser: 30 });
    expect(new BrowserPool({ browsers: 2, contextsPerBrowser: 5, launchConcurrency: 2, contextConcurrency: 4, machine })).toMatchObject({
      maxBrowsers: 2,
      contextsPerBrowser: 5,
      launchConcurrency: 2,
      contextConcurrency: 4,
    });
  });

  it('without a user count, fills browsers to the cap and allows as many as memory holds', () => {
    const pool = new BrowserPool({ machine });
    expect(pool.contextsPerBrowser).toBe(MAX_CONTEXTS_PER_BROWSER);
    expect(pool.maxBrowsers).toBe(Math.floor(pool.plan.memoryCapacityUsers / MAX_CONTEXTS_PER_BROWSER));
    expect(pool.maxBrowsers).toBeGreaterThanOrEqual(3);
  });
});
