/**
 * `rookery/test` in an ordinary e2e run: runs the example spec (test/e2e-load/counter.spec.ts) with Playwright's
 * own runner against a fixture started here, and checks the report a person opens: every test carries the LiveView
 * summary attachments, and their counts equal what the fixture itself handled.
 */
import { expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import type { LiveViewTestSummary } from '../../src/spec/summary.js';
import { ROOT, runToEnd } from '../support/run-cli.js';

interface JsonAttachment {
  name: string;
  contentType: string;
  body?: string;
}
interface JsonSuite {
  title: string;
  specs?: Array<{ title: string; tests: Array<{ results: Array<{ status: string; attachments: JsonAttachment[] }> }> }>;
  suites?: JsonSuite[];
}

function runPlaywright(target: string) {
  // The child is a fresh Playwright run: none of this worker's runner variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEST_') && !k.startsWith('PW_') && !k.startsWith('PLAYWRIGHT_')));
  const cli = resolve(ROOT, 'node_modules/@playwright/test/cli.js');
  return runToEnd(process.execPath, [cli, 'test', '-c', 'test/e2e-load/playwright.config.ts', '--reporter=json'], { env: { ...env, ROOKERY_TARGET: target }, timeoutMs: 50_000 });
}

let fixture: FixtureServer;
test.beforeAll(async () => {
  fixture = await startFixture({ port: 0 });
});
test.afterAll(async () => {
  await fixture?.close();
});

test('an e2e run of a rookery/test spec attaches each test\'s LiveView summary, with the fixture\'s counts', async () => {
  const run = await runPlaywright(fixture.url);
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as { suites: JsonSuite[] };
  const results = new Map<string, { status: string; attachments: JsonAttachment[] }>();
  const walk = (s: JsonSuite): void => {
    for (const spec of s.specs ?? []) for (const t of spec.tests) for (const r of t.results) results.set(spec.title, r);
    for (const child of s.suites ?? []) walk(child);
  };
  report.suites.forEach(walk);
  expect([...results.keys()].sort()).toEqual(['a plain Playwright click is measured too', 'three clicks add three']);

  const summaryOf = (title: string): { json: LiveViewTestSummary; text: string } => {
    const r = results.get(title)!;
    expect(r.status).toBe('passed');
    const json = r.attachments.find((a) => a.name === 'liveview-metrics.json');
    const text = r.attachments.find((a) => a.name === 'liveview-summary.txt');
    expect(json?.contentType).toBe('application/json');
    expect(text?.contentType).toBe('text/plain');
    return { json: JSON.parse(Buffer.from(json!.body!, 'base64').toString('utf8')) as LiveViewTestSummary, text: Buffer.from(text!.body!, 'base64').toString('utf8') };
  };
  const clicks = summaryOf('three clicks add three');
  const plain = summaryOf('a plain Playwright click is measured too');

  const truth = fixture.stats();
  const replies = (event: string) => truth.events.filter((e) => e.push === 'event' && e.event === event);
  expect(replies('inc').length).toBe(3);
  expect(replies('dec').length).toBe(1);
  expect(truth.joins.length).toBe(2);

  expect(clicks.json.schema).toBe('rookery/lv-test-summary@1');
  expect(clicks.json.mounts).toEqual([expect.objectContaining({ view: '/counter', count: 1 })]);
  expect(clicks.json.events.map((e) => [e.event, e.view, e.count])).toEqual([['inc', '/counter', 3]]);
  // Reply bytes exactly as the fixture sent them.
  expect(clicks.json.events[0]!.diffBytesTotal).toBe(replies('inc').reduce((n, e) => n + e.replyBytes, 0));
  expect(clicks.json.totals.lv_joins).toBe(1);
  expect(clicks.json.totals.lv_errors ?? 0).toBe(0);
  expect(clicks.text).toContain('LiveView: 1 mount, 3 event round trips, 0 LiveView errors');
  expect(clicks.text).toMatch(/event inc @ \/counter {2}3× {2}rtt p50 /);

  // A plain page.click (no lv verb) is measured from the frames all the same.
  expect(plain.json.events.map((e) => [e.event, e.count])).toEqual([['dec', 1]]);
  expect(plain.json.events[0]!.diffBytesTotal).toBe(replies('dec')[0]!.replyBytes);
  expect(plain.text).toContain('LiveView: 1 mount, 1 event round trip, 0 LiveView errors');
});
