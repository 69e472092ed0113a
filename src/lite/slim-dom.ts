/**
 * Memory per lite user. happy-dom 21 gives every Node — Text and Attr nodes included — eleven Maps when it is
 * built: seven query caches (querySelector, querySelectorAll, matches, elementsByTagName, elementsByTagNameNS,
 * elementByTagName, elementById) and two listener tables (listeners and their options, each capturing + bubbling).
 * An empty Map costs ≈ 190 bytes of heap, and almost all of them stay empty: a heap snapshot of 100 users on the
 * fixture's counter page counted ≈ 150 Nodes and ≈ 160 event targets per user (≈ 320 listener tables), ≈ 0.3 MiB
 * of empty Maps each (BENCHMARKS.md, "What a lite user's heap holds").
 *
 * `installSlimDom` makes the listener tables copy-on-write: they start as one shared empty Map, and a node gets
 * its own on its first addEventListener. A store through any other path (a happy-dom version that adds one) hits
 * the shared Map's `set`, which throws instead of leaking listeners between nodes. Event targets without listeners
 * (most nodes) also share the holder of their tables.
 *
 * It turns the query caches off (one shared holder of caches that store nothing). They cost more than they save
 * here, in garbage the old generation has to collect: a query that misses (and the client's queries miss after
 * every patch, which invalidates them) pushes its cache entry onto the invalidation list of every element it
 * walks, and those lists keep the entries until that element itself changes — on a page the patch does not
 * touch, seconds, so they live through two scavenges and are promoted. Turning them off cut what a worker promotes
 * from 24–25 to 16–17 KiB per click (BENCHMARKS.md, "Lite users: the GC measured"), at the same CPU per click:
 * without the caches a query walks the (small) page again, and every answer is computed afresh — what a cache hit
 * returned. Still correct for live collections (getElementsByTagName, table.rows…), which then re-walk their subtree
 * on each access, and getComputedStyle, which recomputes; but a page script that loops over a live collection by
 * index pays O(n²). ROOKERY_LITE_QUERY_CACHE=1 restores the caches.
 *
 * Installed once per process, before the first window exists (LiteUser's constructor); it patches happy-dom's
 * own classes, so every happy-dom window in the process gets it.
 */
import { EventTarget, Node, PropertySymbol, type BrowserWindow } from 'happy-dom';
// Deep imports of happy-dom's internals, and the write paths wrapped below, were read against happy-dom 21.0.4:
// package.json pins that exact version (no caret) so an update is a deliberate change, re-checked against this file
// and its tests (test/unit/lite-slim-dom.test.ts, the lite integration tests), not something `npm install` brings.

/** A query cache that never stores: `get` finds nothing, `set` keeps nothing, `size` stays 0. */
class NoStoreMap<K, V> extends Map<K, V> {
  override set(): this {
    return this;
  }
}
const NO_STORE: Map<unknown, unknown> = new NoStoreMap();

/** An invalidation list that keeps nothing: with no query cache there is nothing to invalidate. */
class NoStoreList<T> extends Array<T> {
  override push(): number {
    return 0;
  }
}
const NO_ENTRIES: unknown[] = Object.freeze(new NoStoreList()) as unknown as unknown[];

/** The listener tables nodes share until their first addEventListener: a store through any other path throws. */
class SharedEmptyMap<K, V> extends Map<K, V> {
  override set(): this {
    throw new Error('lite users (src/lite/slim-dom.ts): happy-dom stored a listener into a shared empty table through a path other than addEventListener; this happy-dom version needs the path added');
  }
}
type Tables = Record<string, Map<unknown, unknown>>;
const EMPTY: Map<unknown, unknown> = new SharedEmptyMap();
const NO_LISTENERS: Tables = Object.freeze({ bubbling: EMPTY, capturing: EMPTY });

/**
 * Every node's query-cache holder: the seven query caches that store nothing, and a computed-style slot that
 * keeps nothing (a computed style cached on a node is invalidated through its ancestors' invalidation lists,
 * which no longer keep anything, so it must not be cached either).
 */
const NO_CACHE: object = Object.freeze(Object.defineProperties(
  { querySelector: NO_STORE, querySelectorAll: NO_STORE, matches: NO_STORE, elementsByTagName: NO_STORE, elementsByTagNameNS: NO_STORE, elementByTagName: NO_STORE, elementById: NO_STORE },
  { computedStyle: { get: () => null, set: () => {}, enumerable: true } },
));

/** Replaces what a constructor assigns to `symbol` (on instances of `proto`'s class) with `slim(value)`. */
function slimOnConstruct<T>(proto: object, symbol: symbol, slim: (value: T) => unknown): void {
  // Only the constructor's assignment reaches this setter: it leaves an own data property behind. happy-dom's
  // ClassMethodBinder (which copies prototype methods and accessors onto each window's objects, bound) leaves this
  // accessor alone only because it has no getter (it copies accessors whose `get` is defined): giving it one would
  // make the binder copy it onto those objects, bound to them.
  Object.defineProperty(proto, symbol, {
    configurable: true,
    set(this: object, value: T) {
      Object.defineProperty(this, symbol, { value: slim(value), writable: true, enumerable: true, configurable: true });
    },
  });
}

let installed = false;

/** `ROOKERY_LITE_SLIM_DOM=0` leaves happy-dom as shipped (to compare, or if a happy-dom release breaks this). */
export const slimDomEnabled = (): boolean => process.env.ROOKERY_LITE_SLIM_DOM !== '0';
/** `ROOKERY_LITE_QUERY_CACHE=1` keeps happy-dom's query caches (to compare CPU and memory with them). */
const queryCachesOff = (): boolean => process.env.ROOKERY_LITE_QUERY_CACHE !== '1';

export function installSlimDom(): void {
  if (installed || !slimDomEnabled()) return;
  installed = true;
  // Listener tables are only ever stored into by addEventListener, so even their holder is shared until then.
  const sharedListeners = (): Tables => NO_LISTENERS;
  slimOnConstruct(EventTarget.prototype, PropertySymbol.listeners, sharedListeners);
  slimOnConstruct(EventTarget.prototype, PropertySymbol.listenerOptions, sharedListeners);
  // No query caches (see the top of this file): one shared holder that keeps nothing, and invalidation lists that
  // keep nothing. clearCache() finds every cache empty (size 0, no computed style) and the list empty, so it never
  // replaces them with real ones.
  if (queryCachesOff()) {
    slimOnConstruct(Node.prototype, PropertySymbol.cache, () => NO_CACHE);
    slimOnConstruct(Node.prototype, PropertySymbol.affectsCache, () => NO_ENTRIES);
  }

  type Holder = Record<symbol, Tables | undefined>;
  const addEventListener = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (this: EventTarget, ...args: Parameters<EventTarget['addEventListener']>) {
    const self = this as unknown as Holder;
    // An own data property by now (set at construction), so this is a plain store, not the setter above.
    if (self[PropertySymbol.listeners] === NO_LISTENERS) self[PropertySymbol.listeners] = { bubbling: new Map(), capturing: new Map() };
    if (self[PropertySymbol.listenerOptions] === NO_LISTENERS) self[PropertySymbol.listenerOptions] = { bubbling: new Map(), capturing: new Map() };
    return addEventListener.apply(this, args);
  };
}

/** Parsed selectors are the same in every window; one bounded cache serves the whole process. */
class SelectorCache<K, V> extends Map<K, V> {
  static readonly MAX = 5_000;
  override set(key: K, value: V): this {
    // Selectors naming one view's elements (ids) are many over a long run: start over rather than grow.
    if (this.size >= SelectorCache.MAX) super.clear();
    return super.set(key, value);
  }
  /** A closing window clears its cache; the shared one outlives it. */
  override clear(): void {}
}
const selectorCache = new SelectorCache<unknown, unknown>();

/**
 * happy-dom keeps a cache of parsed selectors per window (≈ 25 KiB per lite user on the counter page, the same
 * selectors in every window). Call from `beforeContentCallback`: the window's own, still empty, is replaced.
 */
export function shareSelectorCache(window: BrowserWindow): void {
  if (!slimDomEnabled()) return;
  (window as unknown as Record<symbol, unknown>)[PropertySymbol.querySelectorCache] = selectorCache;
  // The document's list of computed styles to invalidate when a style sheet changes (a class field, so no
  // prototype setter sees it): computed styles are not cached (NO_CACHE), so each getComputedStyle would add one
  // entry that nothing needs and that stays until the next style sheet change.
  if (queryCachesOff()) Object.defineProperty(window.document, PropertySymbol.affectsComputedStyleCache, { get: () => NO_ENTRIES, set: () => {}, configurable: true });
}
