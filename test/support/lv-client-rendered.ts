/**
 * The real phoenix_live_view 1.2 client's `Rendered` (diff merge + HTML rendering), bundled from the npm
 * package's sources with esbuild, so tests can check the fixture's diffs against the actual client.
 */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ClientRendered {
  rendered: Record<string, unknown>;
  mergeDiff(diff: unknown): void;
  recursiveToString(
    rendered: unknown,
    components: unknown,
    onlyCids: unknown,
    changeTracking: boolean,
    rootAttrs: Record<string, unknown>,
    cid: number | null,
  ): { buffer: string };
  pruneCIDs(cids: number[]): void;
}

export type ClientRenderedCtor = new (viewId: string, diff: unknown) => ClientRendered;

function renderedSource(): string {
  const require = createRequire(import.meta.url);
  // resolves to <pkg>/priv/static/phoenix_live_view.cjs.js
  const pkg = dirname(dirname(dirname(require.resolve('phoenix_live_view'))));
  const src = join(pkg, 'assets/js/phoenix_live_view/rendered.js');
  if (!existsSync(src)) throw new Error(`phoenix_live_view sources not found at ${src}`);
  return src;
}

export async function loadClientRendered(): Promise<ClientRenderedCtor> {
  const out = await build({ entryPoints: [renderedSource()], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent' });
  const dir = mkdtempSync(join(tmpdir(), 'rookery-lv-rendered-'));
  const file = join(dir, 'rendered.mjs');
  try {
    writeFileSync(file, out.outputFiles[0]?.text ?? '');
    const mod = (await import(pathToFileURL(file).href)) as { default: ClientRenderedCtor };
    return mod.default;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** HTML the client would produce for its current tree, without its internal magic-id/component attributes. */
export function clientHtml(r: ClientRendered): string {
  const components = (r.rendered as { c?: unknown }).c ?? {};
  const html = r.recursiveToString(r.rendered, components, undefined, false, {}, null).buffer;
  return html.replace(/ data-phx-(id|component|view)="[^"]*"/g, '');
}
