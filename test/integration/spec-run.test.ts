/**
 * `rookery run <spec>.spec.ts`: an ordinary Playwright spec (test/e2e-load/counter.spec.ts) as load, through the
 * real CLI against the fixture. Every test's round trips are counted exactly against the fixture's own record,
 * hooks run (the beforeEach mounts), and a spec asking for a fixture Rookery cannot provide is refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import type { Results } from '../../src/metrics/model.js';
import { counterTotal as counter, rookery } from '../support/run-cli.js';

let fixture: FixtureServer;
let dir: string;

beforeAll(async () => {
  fixture = await startFixture({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'rookery-spec-'));
});

afterAll(async () => {
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rookery run <spec> (CLI, real Chromium, fixture)', () => {
  it('runs the spec\'s tests as iterations of 10 users; counts equal the fixture\'s record', async () => {
    fixture.reset();
    const out = join(dir, 'spec.json');
    const run = await rookery(['run', 'test/e2e-load/counter.spec.ts', '--target', fixture.url, '--users', '10', '--duration', '4s', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Results;
    expect(r.meta.scenario).toBe('counter.spec');
    expect(r.errors).toEqual([]);
    const truth = fixture.stats();
    const events = (name: string) => truth.events.filter((e) => e.push === 'event' && e.event === name).length;
    const ok = counter(r, 'iterations', { result: 'ok' });
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(counter(r, 'iterations', { result: 'error' })).toBe(0);
    // Per iteration: beforeEach mounts /counter before each of the two tests; three inc, one dec.
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(events('inc'));
    expect(counter(r, 'lv_events', { event: 'dec' })).toBe(events('dec'));
    expect(events('inc')).toBe(3 * ok);
    expect(events('dec')).toBe(ok);
    expect(counter(r, 'lv_joins')).toBe(truth.joins.length);
    expect(truth.joins.length).toBe(2 * ok);
    expect(counter(r, 'checks', { check: 'test: counter › three clicks add three', result: 'pass' })).toBe(ok);
    expect(counter(r, 'checks', { check: 'test: counter › a plain Playwright click is measured too', result: 'pass' })).toBe(ok);
    expect(counter(r, 'checks', { result: 'fail' })).toBe(0);
    expect(counter(r, 'lv_errors')).toBe(0);
    const steps = r.metrics.filter((m) => m.name === 'step_ms').map((m) => m.labels.step).sort();
    expect(steps).toEqual(['test: counter › a plain Playwright click is measured too', 'test: counter › three clicks add three']);
  }, 120_000);

  it('a plain-style spec (page.goto, page.click, @playwright/test): exact counts, navigations are not disconnects, skipped tests do not run', async () => {
    fixture.reset();
    const out = join(dir, 'plain.json');
    const run = await rookery(['run', 'test/support/specs/plain.spec.ts', '--target', fixture.url, '--users', '2', '--iterations', '6', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Results;
    const truth = fixture.stats();
    expect(counter(r, 'iterations', { result: 'ok' })).toBe(6);
    expect(truth.events.filter((e) => e.event === 'inc').length).toBe(12);
    expect(truth.events.filter((e) => e.event === 'dec').length).toBe(0);
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(12);
    expect(counter(r, 'lv_joins')).toBe(truth.joins.length);
    // Each iteration's page.goto leaves the previous page's LiveView: an expected close, not a disconnect.
    expect(counter(r, 'lv_errors')).toBe(0);
    expect(r.errors).toEqual([]);
  }, 60_000);

  it('distributed: two runners run the spec from its shipped bundle; counts equal the fixture\'s record', async () => {
    fixture.reset();
    const out = join(dir, 'cluster.json');
    const run = await rookery(['run', 'test/e2e-load/counter.spec.ts', '--runners', '2', '--target', fixture.url, '--users', '2', '--iterations', '4', '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Results;
    const truth = fixture.stats();
    const ok = counter(r, 'iterations', { result: 'ok' });
    expect(ok).toBeGreaterThanOrEqual(4);
    expect(r.meta.runners?.length).toBe(2);
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(truth.events.filter((e) => e.event === 'inc').length);
    expect(counter(r, 'lv_events', { event: 'dec' })).toBe(truth.events.filter((e) => e.event === 'dec').length);
    expect(counter(r, 'lv_events', { event: 'inc' })).toBe(3 * ok);
    expect(counter(r, 'checks', { check: 'test: counter › three clicks add three', result: 'pass' })).toBe(ok);
    expect(r.errors).toEqual([]);
  }, 120_000);

  it('refuses a spec whose test asks for a fixture Rookery cannot provide, naming it, before any browser starts', async () => {
    const run = await rookery(['run', 'test/support/specs/needs-fixture.spec.ts', '--target', fixture.url, '--users', '1', '--duration', '2s', '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('needs-fixture.spec.ts: a test needs what rookery run cannot provide');
    expect(run.stderr).toContain('test "signed in": it uses fixture "storageState", which rookery run cannot provide');
  }, 60_000);
});
