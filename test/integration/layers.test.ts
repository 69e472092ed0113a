/**
 * The layer rules (.dependency-cruiser.cjs) bite: the real config, run by the real `depcruise` CLI, over a small
 * throw-away src/ tree that holds one deliberate violation per rule next to imports that are allowed. The check
 * over the real src/ is the `layers` stage of `npm test`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../support/bundle-child.js';

/** path → source. Every import names its target so a failure message reads like the tree. */
const TREE: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'layers-probe',
    type: 'module',
    dependencies: { ws: '*' },
    devDependencies: { vitest: '*', '@playwright/test': '*' },
    peerDependencies: { '@playwright/test': '*' },
  }),
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [] }, include: ['src', 'fixtures'] }),
  'fixtures/server/index.ts': 'export const fixture = 1;\n',
  // Allowed: the entry imports anything; cli imports lower layers, the fixture (fixture command only) and a new folder.
  'src/index.ts': "export { main } from './cli/main.js';\n",
  'src/cli/main.ts': "import { a } from '../load/a.js';\nimport { lite } from '../extra/x.js';\nexport const main = a + lite;\n",
  'src/cli/commands/fixture.ts': "export { fixture } from '../../../fixtures/server/index.js';\n",
  'src/liveview/frame.ts': 'export const frame = 1;\n',
  // A devDependency that is also a peer dependency is declared for users: allowed.
  'src/browser/peer.ts': "export { expect } from '@playwright/test';\n",
  'src/probe/capture.ts': "import { WebSocket } from 'ws';\nimport { frame } from '../liveview/frame.js';\nexport const capture = [WebSocket, frame];\n",
  // A type-only cycle inside one folder erases at compile time: allowed.
  'src/load/t1.ts': "import type { T2 } from './t2.js';\nexport type T1 = { next?: T2 };\nexport const t1 = 1;\n",
  'src/load/t2.ts': "import { t1 } from './t1.js';\nexport type T2 = { n: number };\nexport const t2 = t1;\n",
  // Violations, one per rule:
  'src/liveview/bad.ts': "import { main } from '../cli/main.js';\nexport const bad = main;\n", // layer-liveview
  'src/visual/bad.ts': "import { a } from '../load/a.js';\nexport const bad = a;\n", // layer-visual
  'src/load/a.ts': "import { b } from './b.js';\nexport const a = 1;\nexport const ab = () => b;\n", // no-circular-modules
  'src/load/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  'src/metrics/fixture.ts': "export { fixture } from '../../fixtures/server/index.js';\n", // no-fixtures-in-src
  'src/probe/dev.ts': "export { describe } from 'vitest';\n", // no-dev-deps-in-src
  'src/health/entry.ts': "export { main } from '../index.js';\n", // no-import-of-entry
  'src/report/lite.ts': "export { lite } from '../extra/x.js';\n", // layer-unplaced-below-cli
  // src/extra is in no layer: treated as just below cli, and each of its imports warns.
  'src/extra/x.ts': "import { t2 } from '../load/t2.js';\nexport const lite = t2;\n", // unplaced-folder (warn)
  // layer-unplaced-imports-cli (+ warn), and as cli imports lite: no-circular-folders (cli ↔ extra).
  'src/extra/y.ts': "export { main } from '../cli/main.js';\n",
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** As `npm run lint:layers` runs it (the CLI reads tsconfig.json from `cwd`); its exit code is what fails CI. */
function depcruise(cwd: string): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(join(repoRoot, 'node_modules', '.bin', 'depcruise'), ['src', '--config', join(repoRoot, '.dependency-cruiser.cjs')], { cwd, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolvePromise({ code: child.exitCode, stdout, stderr });
    });
  });
}

/**
 * `severity rule: from → to` per violation from the `err` output. A cycle prints its path one hop per line
 * after a dangling `→`; its first hop is the `to`.
 */
function violations(text: string): string[] {
  const lines = text.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    const m = /^\s+(error|warn) (\S+): (\S+) →\s?(\S*)$/.exec(line);
    if (!m) return;
    const to = m[4] || (lines[i + 1] ?? '').replace(/→\s*$/, '').trim();
    // A package resolves through the node_modules symlink to wherever the repo is; keep only the package part.
    found.push(`${m[1]} ${m[2]}: ${m[3]} → ${to.replace(/^.*node_modules\//, 'node_modules/')}`);
  });
  return found.sort();
}

describe('layer rules', () => {
  let dir: string;
  let ci: Ran;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rookery-layers-'));
    for (const [path, text] of Object.entries(TREE)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    // Resolves ws, vitest and @playwright/test as the real packages, so the dependency types come from package.json above.
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    ci = await depcruise(dir);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports exactly the deliberate violations', () => {
    expect(violations(ci.stdout), ci.stdout + ci.stderr).toEqual(
      [
        'error layer-liveview: src/liveview/bad.ts → src/cli/main.ts',
        'error layer-visual: src/visual/bad.ts → src/load/a.ts',
        'error no-circular-modules: src/load/a.ts → src/load/b.ts',
        'error no-fixtures-in-src: src/metrics/fixture.ts → fixtures/server/index.ts',
        'error no-dev-deps-in-src: src/probe/dev.ts → node_modules/vitest/dist/index.d.ts',
        'error no-import-of-entry: src/health/entry.ts → src/index.ts',
        'error no-circular-folders: src/extra → src/cli',
        'error layer-unplaced-below-cli: src/report/lite.ts → src/extra/x.ts',
        'error layer-unplaced-imports-cli: src/extra/y.ts → src/cli/main.ts',
        'warn unplaced-folder: src/extra/x.ts → src/load/t2.ts',
        'warn unplaced-folder: src/extra/y.ts → src/cli/main.ts',
      ].sort(),
    );
  });

  it('fails: exit code = number of errors (warnings do not fail)', () => {
    expect(ci.stdout).toContain('11 dependency violations (9 errors, 2 warnings)');
    expect(ci.code, ci.stdout + ci.stderr).toBe(9);
  });
});
