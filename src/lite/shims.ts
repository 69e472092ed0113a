/**
 * The one place where lite users work around happy-dom's gaps, so the app's own LiveView client runs as it does
 * in a browser. Each shim says what differs from a browser and why it matters to LiveView:
 *
 * 1. Classic scripts are evaluated wrapped in a function, so their top-level `var`/`function` declarations
 *    (`var Phoenix = …`, `var LiveView = …` in the phoenix and phoenix_live_view UMD/IIFE builds) never become
 *    globals and the next script cannot see them. `exportClassicGlobals` appends an assignment of each top-level
 *    name to `window` to the script text (applied once when a script enters the cache, src/lite/script-cache.ts).
 *    Inline scripts are not patched: their top-level names stay local (apps assign `window.liveSocket`
 *    explicitly, as the phx.new template does).
 * 2. The document reports `readyState === 'interactive'` while the parser is still running and never fires
 *    `DOMContentLoaded`, so `liveSocket.connect()` called from a script in `<head>` finds no root view yet and
 *    silently binds a dead page. `installReadyStateShim` reports `loading` while the document is parsed, then
 *    `interactive`, and fires `readystatechange` + `DOMContentLoaded` once parsing is done.
 * 3. Each synchronous `<script src>` load runs a child process (happy-dom's sync fetch, ~70 ms CPU). Scripts are
 *    instead served from a per-process cache (the fetch interceptor in src/lite/user.ts), filled once per run.
 * 4. A navigation of the main frame gives the new window `parent` and `top` = the window it replaces (happy-dom 21
 *    reads `page.mainFrame.window` before swapping it), where a browser's top-level window is its own parent and
 *    top. Besides being wrong for a script that checks `window.top === window`, the link keeps every replaced
 *    window (its VM context, document and the app's objects, ≈ 0.3 MiB) alive as long as the page lives.
 *    `fixTopLevelWindow` points both back at the window itself.
 *
 * What remains out of reach without a layout engine is listed in the README ("Lite users").
 */
import { PropertySymbol, type BrowserWindow } from 'happy-dom';

const TOP_LEVEL_DECLARATION = /^(?:var|let|const|function\*?|async\s+function\*?|class)\s+([A-Za-z_$][\w$]*)/gm;

/**
 * Appends `window.NAME = NAME` for every name declared at the start of a line (top level in bundled and minified
 * builds). Guarded by `typeof`, so a name that was only declared inside a function is skipped, and existing
 * window properties are not overwritten.
 */
export function exportClassicGlobals(source: string): string {
  const names = new Set<string>();
  for (const m of source.matchAll(TOP_LEVEL_DECLARATION)) if (m[1]) names.add(m[1]);
  if (names.size === 0) return source;
  const exports = [...names].map((n) => `if(typeof ${n}!=="undefined"&&!(${JSON.stringify(n)} in window))window[${JSON.stringify(n)}]=${n};`).join('');
  // A newline first: the source may end in a line comment (source maps).
  return `${source}\n;${exports}\n`;
}

type ReadyState = 'loading' | 'interactive' | 'complete';

/**
 * Call from `beforeContentCallback` (before the document's HTML is parsed). happy-dom parses and runs the HTML in
 * one requestAnimationFrame callback; ours is queued before it, and the setImmediate it schedules runs after it,
 * i.e. once the parser is done.
 */
export function installReadyStateShim(window: BrowserWindow): void {
  const doc = window.document;
  const state = doc as unknown as Record<symbol, ReadyState>;
  state[PropertySymbol.readyState] = 'loading';
  window.requestAnimationFrame(() => {
    setImmediate(() => {
      if (window.closed) return;
      if (state[PropertySymbol.readyState] === 'loading') state[PropertySymbol.readyState] = 'interactive';
      doc.dispatchEvent(new window.Event('readystatechange'));
      doc.dispatchEvent(new window.Event('DOMContentLoaded', { bubbles: true }));
    });
  });
}

/** Shim 4: a main frame's window is its own `parent` and `top` (call from `beforeContentCallback`). */
export function fixTopLevelWindow(window: BrowserWindow): void {
  const w = window as unknown as Record<symbol, unknown>;
  w[PropertySymbol.parent] = window;
  w[PropertySymbol.top] = window;
}
