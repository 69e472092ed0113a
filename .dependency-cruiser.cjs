/**
 * Layer rules for src/ (`npm run lint:layers`, a stage of `npm test`). Checked by dependency-cruiser.
 *
 * The folders follow one frame's journey, read bottom-up. A folder may import any folder LOWER in LAYERS, never a
 * higher one. The order comes from the data flow and the import graph as it is:
 *
 *   common    leaf helpers with no Rookery imports: LoadConfigError (exit 2), atomic file writes, rounding for display.
 *   contract  the documents that cross a file or process boundary, declared once as zod schemas (types derived):
 *             results@1, the interval a runner streams, the cluster messages. Imports no other Rookery folder.
 *   liveview  pure LiveView protocol: WebSocket frames → decoded messages → session state, observations.
 *   probe     CDP capture and the in-page agent: turn a page's WebSocket traffic into liveview observations.
 *   metrics   observations → counters/HDR histograms; the results@1 model, its validator and its file.
 *   server-metrics  the app's own Prometheus metrics: parse, map, derive per interval, scrape (a thin edge), and
 *             relate them to client figures (time split, memory per LiveView). Reads metrics; its results shape
 *             lives in metrics (server-results.ts) so metrics never imports it.
 *   health    the harness machine itself: cgroup capacity, /proc readers, event-loop lag, the self-health sampler.
 *             It sits below browser because the pool sizes itself from the machine's capacity and tracks its
 *             Chromium processes with the same /proc readers; health knows nothing about browsers (the
 *             sampler is handed Chromium pids).
 *   scenario  the user's script: defineScenario, verbs (driving a page through the probe), feeders, bundling.
 *   browser   Chromium discovery, launch and the context pool.
 *   visual    screenshots sampled during a run and compared against baselines (needs scenario + metrics).
 *   load      one process's run: profile → engine (virtual users on the pool, running the scenario, recording
 *             metrics, capturing visuals) → Results.
 *   lite      lite users: the app's own LiveView client on happy-dom in worker processes, each a load engine with
 *             the lite driver (the user-driver seam is scenario/driver.ts). A run is handed lite's worker factory
 *             (load/lite-group.ts) by cli, so load never imports lite.
 *   cluster   many processes' run: collector + runners over WebSocket, each runner a load engine.
 *   report    reads Results (from load or cluster) and renders console, JSON, Markdown and HTML.
 *   spec      `rookery/test`: Playwright Test specs with the probe attached, run by Playwright (per-test LiveView
 *             summary, formatted like the report) or by `rookery run` as a scenario. Its package entries
 *             (rookery/test, rookery/spec-runtime) are loaded by user code, so nothing below imports it; turning
 *             a spec file into a scenario bundle is scenario's job (scenario/spec-bundle.ts).
 *   api       the public programmatic API (`run()`, `defineConfig`, `readResults`, `compare`, `renderReport`):
 *             settles options (config file, scenario, caller), dispatches a run to load or cluster, writes the
 *             run's files. The package entry re-exports it.
 *   cli       the `rookery` command: parses flags, a shell over api.
 *
 * Also: `src/index.ts` is the public entry and may import anything, but nothing in src imports it; fixtures/ is
 * the test app and only `rookery fixture` / `rookery demo` may import it; src/ never imports a devDependency
 * that is not also a peer dependency (it would be missing for users); no runtime import cycles between modules,
 * no cycles between folders.
 *
 * A new top-level folder: add its name to LAYERS at the place its data flow says (below everything it imports,
 * above everything that imports it). Until then it is treated as sitting just below cli (it may import every
 * placed layer except cli; only cli, src/index.ts and other unplaced folders may import it) and each of its imports prints an
 * `unplaced-folder` warning (warnings do not fail the check).
 */
'use strict';

/** Lowest first. */
const LAYERS = ['common', 'contract', 'liveview', 'probe', 'metrics', 'server-metrics', 'health', 'scenario', 'browser', 'visual', 'load', 'lite', 'cluster', 'report', 'spec', 'api', 'cli'];

/** Exact alternation of folder names for a path regex. */
const anyOf = (names) => `(${names.join('|')})`;
const TOP = 'cli';
const placed = anyOf(LAYERS);
/** A top-level folder under src/ that is not in LAYERS. */
const UNPLACED = `^src/(?!${placed}/)[^/]+/`;
/** The same folder as a folder-scope rule sees it (no trailing slash). */
const UNPLACED_FOLDER = `^src/(?!${placed}$)[^/]+$`;

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only lower layers (${LAYERS.slice(0, i).join(', ') || 'none'}), never ${LAYERS.slice(i + 1).join(', ')}.`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/${anyOf(LAYERS.slice(i + 1))}/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-unplaced-below-cli',
      comment: 'A folder not yet in LAYERS counts as just below cli: the placed layers other than cli may not import it.',
      severity: 'error',
      from: { path: `^src/${anyOf(LAYERS.filter((l) => l !== TOP))}/` },
      to: { path: UNPLACED },
    },
    {
      name: 'layer-unplaced-imports-cli',
      comment: 'A folder not yet in LAYERS counts as just below cli, so it may not import cli.',
      severity: 'error',
      from: { path: UNPLACED },
      to: { path: `^src/${TOP}/` },
    },
    {
      name: 'unplaced-folder',
      comment: 'This folder is not in LAYERS (.dependency-cruiser.cjs): add it where its data flow says.',
      severity: 'warn',
      from: { path: UNPLACED },
      to: {},
    },
    {
      name: 'no-import-of-entry',
      comment: 'src/index.ts is the public entry (it may import anything); nothing inside src imports it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'playwright-loaded-lazily',
      comment:
        'Playwright costs ≈ 65 MiB PSS to load: only src/browser/playwright-lazy.ts loads it, on first use, so a run of lite users never does. Type-only imports are fine; rookery/test (src/spec) is Playwright Test itself.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/browser/playwright-lazy\\.ts$', '^src/spec/'] },
      to: { path: '^node_modules/(playwright|playwright-core|@playwright/test)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-fixtures-in-src',
      comment: 'fixtures/ is the test app; only `rookery fixture` and `rookery demo` start it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/commands/(fixture|demo)\\.ts$' },
      to: { path: '^fixtures/' },
    },
    {
      name: 'no-dev-deps-in-src',
      comment: 'src/ ships to users, who do not get devDependencies (type-only imports included: they end up in .d.ts).',
      severity: 'error',
      from: { path: '^src/' },
      // A devDependency that is also a peerDependency (@playwright/test, optional peer of rookery/test) is declared
      // for users; one that is only a devDependency is not.
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['npm', 'npm-peer', 'npm-optional'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing would also slip past every rule above.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular-modules',
      comment: 'No runtime import cycle between modules. A cycle closed only by `import type` (e.g. a type and the function that makes it, in one folder) erases at compile time and is allowed; between folders it is not (next rule).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-folders',
      comment:
        'Two folders must not import each other, directly or round a loop. Between placed layers the layer rules already make a loop impossible (and report its backward edge), so this rule looks only at loops through a folder not yet in LAYERS.',
      severity: 'error',
      scope: 'folder',
      from: { path: UNPLACED_FOLDER },
      to: { circular: true },
    },
  ],
  options: {
    // The test app is not layered; its imports are not followed (only src's imports of it are checked).
    doNotFollow: { path: ['node_modules', '^fixtures/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    // `import type` counts: a type from a higher layer couples the layers just the same.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types', 'typings'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
