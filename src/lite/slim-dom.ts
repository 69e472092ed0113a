/**
 * Memory per lite user. happy-dom 21 gives every Node — Text and Attr nodes included — eleven Maps when it is
 * built: seven query caches (querySelector, querySelectorAll, matches, elementsByTagName, elementsByTagNameNS,
 * elementByTagName, elementById) and two listener tables (listeners and their options, each capturing + bubbling).
 * An empty Map costs ≈ 190 bytes of heap, and almost all of them stay empty: a heap snapshot of 100 users on the
 * fixture's counter page counted ≈ 150 Nodes and ≈ 160 event targets per user (≈ 320 listener tables), ≈ 0.3 MiB
 * of empty Maps each (BENCHMARKS.md, "What a lite user's heap holds").
 *
 * `installSlimDom` makes those Maps copy-on-write: they start as one shared empty Map, and a node gets its own
 * the first time something is stored — on the paths that store into them (addEventListener, QuerySelector's
 * querySelector / querySelectorAll / matches, ParentNodeUtility's getElement(s)By*). Reads see the same empty
 * Map they would have seen; nothing else about the DOM changes. A store through any other path (a happy-dom
 * version that adds one) hits the shared Map's `set`, which throws instead of leaking entries between nodes; the
 * lite integration tests run every flow through these paths.
 *
 * Event targets without listeners (most nodes) also share the holder of their listener tables.
 *
 * Installed once per process, before the first window exists (LiteUser's constructor); it patches happy-dom's
 * own classes, so every happy-dom window in the process gets it.
 */
import { EventTarget, Node, PropertySymbol, type BrowserWindow } from 'happy-dom';
// Deep imports of happy-dom's internals, and the write paths wrapped below, were read against happy-dom 21.0.4:
// package.json pins that exact version (no caret) so an update is a deliberate change, re-checked against this file
// and its tests (test/unit/lite-slim-dom.test.ts, the lite integration tests), not something `npm install` brings.
import QuerySelector from 'happy-dom/lib/query-selector/QuerySelector.js';
import ParentNodeUtility from 'happy-dom/lib/nodes/parent-node/ParentNodeUtility.js';

class SharedEmptyMap<K, V> extends Map<K, V> {
  override set(): this {
    throw new Error('lite users (src/lite/slim-dom.ts): happy-dom stored into a shared empty Map through a path that does not give the node its own first; this happy-dom version needs the path added');
  }
}
const EMPTY: Map<unknown, unknown> = new SharedEmptyMap();
const NO_LISTENERS: Tables = Object.freeze({ bubbling: EMPTY, capturing: EMPTY });

type Tables = Record<string, Map<unknown, unknown>>;
const CACHE_KEYS = ['querySelector', 'querySelectorAll', 'matches', 'elementsByTagName', 'elementsByTagNameNS', 'elementByTagName', 'elementById'] as const;
type CacheKey = (typeof CACHE_KEYS)[number];

/** Replaces what a constructor assigns to `symbol` (on instances of `proto`'s class) with `slim(value)`. */
function slimOnConstruct(proto: object, symbol: symbol, slim: (value: Tables) => Tables): void {
  // Only the constructor's assignment reaches this setter: it leaves an own data property behind. happy-dom's
  // ClassMethodBinder (which copies prototype methods and accessors onto each window's objects, bound) leaves this
  // accessor alone only because it has no getter (it copies accessors whose `get` is defined): giving it one would
  // make the binder copy it onto those objects, bound to them.
  Object.defineProperty(proto, symbol, {
    configurable: true,
    set(this: object, value: Tables) {
      Object.defineProperty(this, symbol, { value: slim(value), writable: true, enumerable: true, configurable: true });
    },
  });
}

function ownTable(holder: Tables | undefined, key: string): void {
  if (holder && holder[key] === EMPTY) holder[key] = new Map();
}

let installed = false;

/** `ROOKERY_LITE_SLIM_DOM=0` leaves happy-dom as shipped (to compare, or if a happy-dom release breaks this). */
export const slimDomEnabled = (): boolean => process.env.ROOKERY_LITE_SLIM_DOM !== '0';

export function installSlimDom(): void {
  if (installed || !slimDomEnabled()) return;
  installed = true;
  // Listener tables are only ever stored into by addEventListener, so even their holder is shared until then.
  const sharedListeners = (): Tables => NO_LISTENERS;
  slimOnConstruct(EventTarget.prototype, PropertySymbol.listeners, sharedListeners);
  slimOnConstruct(EventTarget.prototype, PropertySymbol.listenerOptions, sharedListeners);
  slimOnConstruct(Node.prototype, PropertySymbol.cache, (v) => {
    for (const k of CACHE_KEYS) v[k] = EMPTY;
    return v;
  });

  type Holder = Record<symbol, Tables | undefined>;
  const addEventListener = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (this: EventTarget, ...args: Parameters<EventTarget['addEventListener']>) {
    const self = this as unknown as Holder;
    // An own data property by now (set at construction), so this is a plain store, not the setter above.
    if (self[PropertySymbol.listeners] === NO_LISTENERS) self[PropertySymbol.listeners] = { bubbling: new Map(), capturing: new Map() };
    if (self[PropertySymbol.listenerOptions] === NO_LISTENERS) self[PropertySymbol.listenerOptions] = { bubbling: new Map(), capturing: new Map() };
    return addEventListener.apply(this, args);
  };

  /** Wraps a static method whose first argument is the node whose cache table `key` it stores into. */
  const owning = <T extends object>(cls: T, method: keyof T & string, key: CacheKey): void => {
    const original = cls[method] as unknown as (node: Holder, ...rest: unknown[]) => unknown;
    const wrapped = function (this: unknown, node: Holder, ...rest: unknown[]) {
      ownTable(node?.[PropertySymbol.cache], key);
      return original.call(this, node, ...rest);
    };
    Object.defineProperty(cls, method, { value: wrapped, writable: true, configurable: true });
  };
  owning(QuerySelector, 'querySelectorAll', 'querySelectorAll');
  owning(QuerySelector, 'querySelector', 'querySelector');
  owning(QuerySelector, 'matches', 'matches');
  // Selector matching (:is, :not, :has) and CSS rules call matches through this bound copy.
  (QuerySelector as unknown as { globalMatchFunction: unknown }).globalMatchFunction = QuerySelector.matches.bind(QuerySelector);
  owning(ParentNodeUtility, 'getElementsByTagName', 'elementsByTagName');
  owning(ParentNodeUtility, 'getElementsByTagNameNS', 'elementsByTagNameNS');
  owning(ParentNodeUtility, 'getElementByTagName', 'elementByTagName');
  owning(ParentNodeUtility, 'getElementById', 'elementById');
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
}
