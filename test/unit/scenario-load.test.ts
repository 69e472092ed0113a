// Loads real scenario files through esbuild and a native import. `import 'rookery'` maps to this repo's
// dist/src/index.js, so `npm run build` must have run (the test script builds first).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScenario, loadScenario, loadScenarioFromBundle, sha256 } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/scenario/scenario-error.js';

const SCENARIOS = resolve(import.meta.dirname, '../support/scenarios');
const REPO = resolve(import.meta.dirname, '../..');

let scratch: string;
let tmp: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rookery-load-test-'));
  tmp = join(scratch, 'tmp');
  mkdirSync(tmp);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function failure(run: () => Promise<unknown>): Promise<ScenarioError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return error as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('loadScenario', () => {
  it('bundles a TS scenario with relative imports, imports rookery, and validates it', async () => {
    const loaded = await loadScenario(join(SCENARIOS, 'valid.ts'), { tmpDir: tmp });
    expect(loaded.file).toBe(join(SCENARIOS, 'valid.ts'));
    expect(loaded.scenario.name).toBe('valid');
    expect(loaded.scenario.options).toEqual({ users: 3, ramp: '1s', duration: '2s' });
    expect(loaded.scenario.throttles).toEqual({ clicks: { kind: 'rate', perSecond: 5 } });
    // The relative helper was bundled and ran, and 'rookery' resolved to this harness: setup() returns both.
    expect(await loaded.scenario.setup?.({ target: 'http://127.0.0.1', options: {} })).toEqual({ hello: 'hello counter', rttUnit: 'ms' });
    expect(loaded.bundle.sha256).toBe(sha256(loaded.bundle.code));
    expect(loaded.bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Temp files are gone.
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('ships a bundle with bare package imports and no paths of this machine', async () => {
    const bundle = await bundleScenario(join(SCENARIOS, 'valid.ts'));
    expect(bundle.code).toMatch(/from ["']rookery["']/);
    expect(bundle.code).toContain('hello ${who}'); // the helper is inside
    expect(bundle.code).not.toContain(SCENARIOS);
    expect(bundle.code).not.toContain(REPO);
    expect(bundle.code).not.toMatch(/interface Greeting|: string/); // types stripped
    // Deterministic: the same file gives the same hash, so runners can compare.
    expect((await bundleScenario(join(SCENARIOS, 'valid.ts'))).sha256).toBe(bundle.sha256);
  });

  it('says the file is missing', async () => {
    const error = await failure(() => loadScenario(join(SCENARIOS, 'nope.ts')));
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe(`scenario file not found: ${join(SCENARIOS, 'nope.ts')}`);
    const dirError = await failure(() => loadScenario(SCENARIOS));
    expect(dirError.kind).toBe('not-found');
    expect(dirError.message).toMatch(/is not a file/);
  });

  it('shows file:line:col, the line and the esbuild message for a syntax error', async () => {
    const error = await failure(() => loadScenario(join(SCENARIOS, 'syntax-error.ts'), { tmpDir: tmp }));
    expect(error.kind).toBe('compile');
    expect(error.file).toBe(join(SCENARIOS, 'syntax-error.ts'));
    expect(error.message).toMatch(/syntax-error\.ts does not compile:/);
    expect(error.message).toMatch(/syntax-error\.ts:6:\d+: Expected "\)" but found ";"/);
    expect(error.message).toContain("await u.lv.goto('/counter';");
    expect(error.message).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('reports an exception thrown at import time with where it was thrown in the source', async () => {
    const error = await failure(() => loadScenario(join(SCENARIOS, 'throws.ts'), { tmpDir: tmp }));
    expect(error.kind).toBe('import');
    expect(error.message).toMatch(/throws\.ts threw while loading: Error: boom at import time/);
    // explode() throws on line 11 of lib/greeting.ts.
    expect(error.message).toMatch(/at \S*lib\/greeting\.ts:11:\d+$/);
    expect(error.cause).toBeInstanceOf(Error);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('says there is no default export and lists what is exported', async () => {
    const error = await failure(() => loadScenario(join(SCENARIOS, 'no-default.ts'), { tmpDir: tmp }));
    expect(error.kind).toBe('no-default-export');
    expect(error.message).toMatch(/no-default\.ts has no default export \(it exports other, scenario\); end it with `export default defineScenario/);
  });

  it('says what the default export is when it is not a scenario', async () => {
    const error = await failure(() => loadScenario(join(SCENARIOS, 'not-a-scenario.ts'), { tmpDir: tmp }));
    expect(error.kind).toBe('not-a-scenario');
    expect(error.message).toMatch(/the default export is not a scenario; it is an object without a user\(\) function \(keys: name, options\)/);

    const fnFile = join(scratch, 'fn.ts');
    writeFileSync(fnFile, 'export default async function myUser() {}\n');
    const fnError = await failure(() => loadScenario(fnFile, { tmpDir: tmp }));
    expect(fnError.message).toMatch(/it is a function \(myUser\); wrap it: defineScenario\(\{ name: '…', user: myUser \}\)/);
  });

  it('resolves rookery even where Node could not (scenario in a bare temp folder)', async () => {
    const dir = join(scratch, 'bare');
    mkdirSync(dir);
    const file = join(dir, 'alone.ts');
    writeFileSync(file, "import { defineScenario } from 'rookery';\nexport default defineScenario({ name: 'alone', user: async () => {} });\n");
    const loaded = await loadScenario(file, { tmpDir: tmp });
    expect(loaded.scenario.name).toBe('alone');
  });

  it('resolves packages from the user project that has rookery installed, the way Node does', async () => {
    const project = join(scratch, 'project');
    const dep = join(project, 'node_modules', 'fake-dep');
    mkdirSync(dep, { recursive: true });
    symlinkSync(REPO, join(project, 'node_modules', 'rookery'), 'dir');
    // `module` points at a file that must not be used: Node ignores that field, and so must the loader.
    writeFileSync(join(dep, 'package.json'), JSON.stringify({ name: 'fake-dep', type: 'module', module: 'wrong.js', exports: { '.': { import: './right.js' } } }));
    writeFileSync(join(dep, 'right.js'), "export const label = 'from the project';\n");
    writeFileSync(join(dep, 'wrong.js'), "export const label = 'wrong entry';\n");
    const file = join(project, 'scenarios', 'uses-dep.ts');
    mkdirSync(join(project, 'scenarios'));
    writeFileSync(file, "import { defineScenario } from 'rookery';\nimport { label } from 'fake-dep';\nexport default defineScenario({ name: label, user: async () => {} });\n");
    const loaded = await loadScenario(file, { tmpDir: tmp });
    expect(loaded.scenario.name).toBe('from the project');
    // The bundle keeps the package import bare so a runner resolves it in its own installation.
    expect(loaded.bundle.code).toMatch(/from ["']fake-dep["']/);
  });

  it('names a package that cannot be found', async () => {
    const file = join(scratch, 'missing-dep.ts');
    writeFileSync(file, "import { defineScenario } from 'rookery';\nimport { x } from 'no-such-package-anywhere';\nexport default defineScenario({ name: String(x), user: async () => {} });\n");
    const error = await failure(() => loadScenario(file, { tmpDir: tmp }));
    expect(error.kind).toBe('import');
    expect(error.message).toMatch(/cannot find package "no-such-package-anywhere" imported by the scenario/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('loadScenarioFromBundle', () => {
  it('loads a shipped bundle after checking its hash, resolving packages from elsewhere', async () => {
    const { code, sha256: hash } = await bundleScenario(join(SCENARIOS, 'valid.ts'));
    const loaded = await loadScenarioFromBundle(code, hash.toUpperCase(), { tmpDir: tmp, resolveDir: scratch });
    expect(loaded.scenario.name).toBe('valid');
    expect(loaded.file).toBe(`bundle ${hash.slice(0, 12)}`);
    expect(loaded.bundle).toEqual({ code, sha256: hash });
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses a bundle whose hash does not match, before running any of it', async () => {
    const marker = join(scratch, 'ran.txt');
    const code = `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { name: 'x', user: async () => {} };\n`;
    const error = await failure(() => loadScenarioFromBundle(code, sha256(`${code} `), { tmpDir: tmp }));
    expect(error.kind).toBe('bundle-hash');
    expect(error.message).toMatch(/scenario bundle refused: its sha256 is [0-9a-f]{64}, but [0-9a-f]{64} was announced/);
    expect(readdirSync(scratch)).not.toContain('ran.txt');
    // The same code with its real hash runs.
    const loaded = await loadScenarioFromBundle(code, sha256(code), { tmpDir: tmp, file: 'shipped.ts' });
    expect(loaded.file).toBe('shipped.ts');
    expect(readdirSync(scratch)).toContain('ran.txt');
  });
});

describe('native import (outside vitest, as the CLI runs it)', () => {
  // Vitest evaluates dynamically imported files itself; this checks the real Node path from the built dist/.
  it('loads a scenario and maps an import-time exception to its source line', async () => {
    const built = join(REPO, 'dist/src/scenario/load.js');
    expect(existsSync(built), `${built} is missing: run npm run build`).toBe(true);
    const script = `
      import { loadScenario } from ${JSON.stringify(built)};
      const ok = await loadScenario(${JSON.stringify(join(SCENARIOS, 'valid.ts'))}, { tmpDir: ${JSON.stringify(tmp)} });
      let failed;
      try { await loadScenario(${JSON.stringify(join(SCENARIOS, 'throws.ts'))}, { tmpDir: ${JSON.stringify(tmp)} }); }
      catch (error) { failed = { name: error.name, kind: error.kind, message: error.message }; }
      console.log(JSON.stringify({ name: ok.scenario.name, setup: await ok.scenario.setup({ target: 'http://127.0.0.1', options: {} }), failed }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, timeout: 30_000 });
    const result = JSON.parse(stdout) as { name: string; setup: unknown; failed: { name: string; kind: string; message: string } };
    expect(result.name).toBe('valid');
    expect(result.setup).toEqual({ hello: 'hello counter', rttUnit: 'ms' }); // 'rookery' resolved natively too
    expect(result.failed.name).toBe('ScenarioError');
    expect(result.failed.kind).toBe('import');
    expect(result.failed.message).toBe(
      'test/support/scenarios/throws.ts threw while loading: Error: boom at import time\n    at test/support/scenarios/lib/greeting.ts:11:9',
    );
    expect(readdirSync(tmp)).toEqual([]);
  });
});
