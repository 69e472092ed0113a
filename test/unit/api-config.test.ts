/**
 * rookery.config.ts: where it is found, what it may say, and precedence (CLI > scenario > config > defaults; the
 * thresholds of all three are judged). The config files here are real files bundled like a user's. The CLI layer
 * on top is checked end to end in test/integration/api-run.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findConfigFile, loadConfigFile, resolveConfig, resolveReporters, validateConfig, withConfig, type RookeryConfig } from '../../src/api/config.js';
import { LoadConfigError } from '../../src/common/config-error.js';
import type { ScenarioOptions } from '../../src/scenario/define.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (path: string, text: string): string => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};

describe('finding rookery.config.ts', () => {
  it('looks in the folder, then upward, and stops at the package root', () => {
    const root = join(dir, 'find');
    write(join(root, 'package.json'), '{}');
    const config = write(join(root, 'rookery.config.ts'), 'export default {};');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    expect(findConfigFile(join(root, 'a', 'b'))).toBe(config);
    expect(findConfigFile(root)).toBe(config);
    // A nested package is a root of its own: the outer config is not its config.
    write(join(root, 'inner', 'package.json'), '{}');
    mkdirSync(join(root, 'inner', 'src'), { recursive: true });
    expect(findConfigFile(join(root, 'inner', 'src'))).toBeUndefined();
    // .mjs is found too, after .ts in the same folder.
    const mjs = write(join(root, 'inner', 'rookery.config.mjs'), 'export default {};');
    expect(findConfigFile(join(root, 'inner', 'src'))).toBe(mjs);
  });
});

describe('loading a config file', () => {
  it('imports TypeScript with defineConfig from rookery and makes reporter paths absolute to its folder', async () => {
    const file = write(join(dir, 'ok', 'rookery.config.ts'), `import { defineConfig } from 'rookery';
const port: number = 4100;
export default defineConfig({ target: \`http://127.0.0.1:\${port}\`, thresholds: ['lv_errors:count==0'], pool: { browsers: 2 }, reporters: { json: 'out/{scenario}.json', html: '/abs/report.html' } });
`);
    expect(await loadConfigFile(file)).toEqual({
      target: 'http://127.0.0.1:4100',
      thresholds: ['lv_errors:count==0'],
      pool: { browsers: 2 },
      reporters: { json: join(dir, 'ok', 'out/{scenario}.json'), html: '/abs/report.html' },
    });
    expect(await resolveConfig(undefined, join(dir, 'ok'))).toMatchObject({ file, config: { target: 'http://127.0.0.1:4100' } });
    expect(await resolveConfig(false, join(dir, 'ok'))).toEqual({ file: undefined, config: {} });
  });

  it('a broken config is a LoadConfigError naming the file', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['syntax', 'export default defineConfig({ target: ', /rookery\.config\.ts does not compile/],
      ['throws', "throw new Error('no env'); export default {};", /rookery\.config\.ts threw while loading: Error: no env/],
      ['no-default', 'export const config = {};', /rookery\.config\.ts has no default export/],
      ['typo', "export default { treshold: ['x'] };", /rookery\.config\.ts: unknown key treshold \(it takes target, thresholds, pool, serverMetrics, reporters\)/],
      ['bad-pool', 'export default { pool: { browsers: 0 } };', /rookery\.config\.ts: pool\.browsers must be a whole number ≥ 1, got 0/],
    ];
    for (const [name, text, message] of cases) {
      const file = write(join(dir, name, 'rookery.config.ts'), text);
      const err = await loadConfigFile(file).then(() => undefined, (e: unknown) => e);
      expect(err, name).toBeInstanceOf(LoadConfigError);
      expect((err as Error).message, name).toMatch(message);
      expect((err as Error).message, name).toContain(name); // the folder, so the path names the file
    }
    await expect(resolveConfig('missing.config.ts', dir)).rejects.toThrow(/--config: missing\.config\.ts not found/);
  });

  it('checks a config given as an object too', () => {
    expect(() => validateConfig({ thresholds: 'lv_errors:count==0' }, 'run({ config })', undefined)).toThrow(/thresholds must be a list/);
    expect(() => validateConfig({ reporters: { xml: 'a' } }, 'run({ config })', undefined)).toThrow(/reporters: unknown key xml/);
  });
});

describe('precedence: CLI > scenario > config > defaults', () => {
  const config: RookeryConfig = {
    target: 'http://config',
    thresholds: ['config:count==0'],
    pool: { browsers: 3, contextsPerBrowser: 7, blockResources: ['image'] },
    serverMetrics: 'http://config/metrics',
    reporters: { json: '/results/{scenario}.json', html: '/results/{scenario}.html' },
  };

  it('a setting the scenario leaves unset comes from the config; one it sets wins', () => {
    expect(withConfig({ users: 2 }, config)).toEqual({
      target: 'http://config', browsers: 3, contextsPerBrowser: 7, blockResources: ['image'], serverMetrics: 'http://config/metrics', users: 2, thresholds: ['config:count==0'],
    });
    const scenario: ScenarioOptions = { target: 'http://scenario', browsers: 1, serverMetrics: ['http://scenario/metrics'], thresholds: ['scenario:count==0'] };
    expect(withConfig(scenario, config)).toEqual({
      target: 'http://scenario', browsers: 1, contextsPerBrowser: 7, blockResources: ['image'], serverMetrics: ['http://scenario/metrics'], thresholds: ['config:count==0', 'scenario:count==0'],
    });
    // An option set to undefined in the scenario does not hide the config's.
    expect(withConfig({ target: undefined }, config).target).toBe('http://config');
  });

  it('with no config, the scenario options are unchanged (defaults apply later)', () => {
    expect(withConfig({ users: 2, thresholds: ['a:count==0'] }, {})).toEqual({ users: 2, thresholds: ['a:count==0'] });
    expect(withConfig(undefined, {})).toEqual({});
  });

  it('reporters: explicit paths (--out/--html, run({ reporters })) win; {scenario} is filled in', () => {
    expect(resolveReporters({}, config, 'Counter demo')).toEqual({ json: '/results/counter-demo.json', html: '/results/counter-demo.html' });
    expect(resolveReporters({ json: '/cli.json' }, config, 'x')).toEqual({ json: '/cli.json', html: '/results/x.html' });
    expect(resolveReporters({}, {}, 'x')).toEqual({});
  });
});
