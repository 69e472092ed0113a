/**
 * How a Playwright spec becomes a scenario bundle (src/scenario/load.ts step 1 for `*.spec.ts` / `*.test.ts`):
 * the spec's imports of `rookery/test`, `@playwright/test` and `playwright/test` are pointed at the collecting
 * runtime (`rookery/spec-runtime`, src/spec/runtime.ts), and a generated entry imports the spec and default-exports
 * the scenario built from what it declared. Everything after that — linking, importing, shipping the bundle to
 * runners — is a scenario's.
 */
import { basename } from 'node:path';
import type { Plugin, StdinOptions } from 'esbuild';

/** Spec files by Playwright's default naming. */
export function isSpecFile(path: string): boolean {
  return /\.(spec|test)\.[cm]?[jt]sx?$/.test(path);
}

const SHIMMED = /^(rookery\/test|@playwright\/test|playwright\/test|rookery\/spec-runtime)$/;
export const SPEC_RUNTIME = 'rookery/spec-runtime';

/** The generated entry: begin collecting, run the spec module, export the scenario it declared. */
export function specEntry(path: string, dir: string): StdinOptions {
  const file = basename(path);
  const meta = { name: file.replace(/\.[cm]?[jt]sx?$/, ''), file };
  return {
    contents: [
      `import 'rookery-spec:begin';`,
      `import ${JSON.stringify(`./${file}`)};`,
      `import { takeSpecScenario } from ${JSON.stringify(SPEC_RUNTIME)};`,
      `export default takeSpecScenario(${JSON.stringify(meta)});`,
    ].join('\n'),
    resolveDir: dir,
    sourcefile: `${file}.entry.mjs`,
    loader: 'js',
  };
}

export function specShimPlugin(): Plugin {
  return {
    name: 'rookery-spec-shim',
    setup(b) {
      b.onResolve({ filter: SHIMMED }, () => ({ path: SPEC_RUNTIME, external: true }));
      b.onResolve({ filter: /^rookery-spec:begin$/ }, () => ({ path: 'begin', namespace: 'rookery-spec' }));
      b.onLoad({ filter: /.*/, namespace: 'rookery-spec' }, () => ({
        contents: `import { beginSpec } from ${JSON.stringify(SPEC_RUNTIME)};\nbeginSpec();\n`,
        loader: 'js',
      }));
    },
  };
}
