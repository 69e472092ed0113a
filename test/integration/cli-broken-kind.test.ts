// A run in which one kind of user never completes an iteration fails (exit 2) through the real CLI, while the other
// kind succeeds and no threshold says otherwise: browser users click through `u.page`, lite users cannot (they have
// no Playwright page). The message names the kind and the first error; the results and the report are still written.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useFixture } from '../support/use-fixture.js';
import { counterTotal, runRookery } from '../support/run-cli.js';
import type { Results } from '../../src/metrics/model.js';

const fixture = useFixture();
const dir = mkdtempSync(join(tmpdir(), 'rookery-broken-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rookery run: a kind of user that never succeeds', () => {
  it('browser users succeed, every lite user fails on u.page: exit 2, the lite error named, results and report written', async () => {
    const out = join(dir, 'mixed.json');
    const html = join(dir, 'mixed.html');
    const run = await runRookery(
      ['run', 'test/support/scenarios/lite-page-only.ts', '--target', fixture.url, '--users', '1', '--lite-users', '2', '--duration', '3s', '--threshold', 'lv_errors:count==0', '--out', out, '--html', html, '--quiet'],
      { timeoutMs: 60_000 },
    );
    expect(run.code, run.stderr).toBe(2);
    const r = JSON.parse(readFileSync(out, 'utf8')) as Results;
    const browserOk = counterTotal(r, 'iterations', { client: 'browser', result: 'ok' });
    const liteFailed = counterTotal(r, 'iterations', { client: 'lite', result: 'error' });
    expect(browserOk).toBeGreaterThan(0);
    expect(counterTotal(r, 'iterations', { client: 'lite', result: 'ok' })).toBe(0);
    expect(liteFailed).toBeGreaterThan(0);
    expect(r.thresholds.every((t) => t.pass)).toBe(true); // no threshold catches it: the default does
    expect(counterTotal(r, 'lv_events', { client: 'lite' })).toBe(0); // they fail before clicking
    const aborted = counterTotal(r, 'iterations', { client: 'lite', result: 'aborted' });
    expect(run.stderr).toContain(
      `rookery: no lite iteration succeeded (${liteFailed} failed${aborted > 0 ? `, ${aborted} cut short at the end` : ''}; browser users: ${browserOk} ok); first errors:\n  user.unsupported: u.page is not available to lite users`,
    );
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toContain('lite-page-only');
  }, 90_000);
});
