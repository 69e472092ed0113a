/**
 * Diff anatomy: what a rendered LiveView diff is made of, in wire bytes and counts. Pure; one walk per diff.
 *
 * Byte definition (so that shares of the frame add up): a string's size is its UTF-8 length **as JSON-encoded
 * on the wire**, i.e. including the two quotes and escape sequences (`\"`, `\\`, `\n`, `\u00XX`), which is what
 * JSON.stringify and the server's Jason both produce for valid UTF-8 text. Then
 * - `staticBytes` = strings of `s` arrays and of `p` templates (any depth, including inside components);
 * - `dynamicBytes` = leaf values in dynamic slots (`"0"…"n"`, keyed `k` entries, 1.0 `d` rows), where a leaf is an
 *   HTML string or an integer component reference (counted by its digits), plus the full JSON of the top-level
 *   reply `r` (when it is a reply map, not the root flag `1`), pushed events `e` and title `t`;
 * - everything else (keys, brackets, `kc`/`km`, integer `s` template refs, move indices, stream metadata) is
 *   structure: `bytes - staticBytes - dynamicBytes`.
 *
 * Both formats decode: LiveView 1.1+ (`k`/`kc`/`km` keyed comprehensions, root `p`, integer `s`) and 0.20/1.0
 * (comprehensions `{s, d: [[…]], p?}`). See the protocol notes in ../shared/liveview-protocol.md §3.
 */
import type { DiffAnatomy } from './observations.js';

type Node = Record<string, unknown>;

export function emptyAnatomy(bytes: number): DiffAnatomy {
  return {
    bytes,
    staticBytes: 0,
    dynamicBytes: 0,
    components: 0,
    streamInserts: 0,
    streamDeletes: 0,
    streamResets: 0,
    templates: 0,
    events: 0,
    title: false,
  };
}

/** Anatomy of one diff (`response.rendered` of a join, `response.diff` of a reply, or a `diff` push payload). */
export function diffAnatomy(rendered: unknown, frameBytes: number): DiffAnatomy {
  const a = emptyAnatomy(frameBytes);
  if (!isNode(rendered)) return a;
  // The top level is the only place where c/e/t/r have their diff-envelope meaning (`r` nested is the root flag).
  for (const key in rendered) {
    const v = rendered[key];
    switch (key) {
      case 'c':
        if (isNode(v)) {
          for (const cid in v) {
            a.components++;
            const component = v[cid];
            if (isNode(component)) walkNode(component, a);
          }
        }
        break;
      case 'e':
        if (Array.isArray(v)) a.events += v.length;
        a.dynamicBytes += jsonValueBytes(v);
        break;
      case 't':
        a.title = true;
        a.dynamicBytes += jsonValueBytes(v);
        break;
      case 'r':
        // A reply map (`{:reply, map, socket}`) is data; the number 1 is the root-tag flag of a join render.
        if (typeof v === 'object') a.dynamicBytes += jsonValueBytes(v);
        break;
      default:
        walkKey(key, v, a);
    }
  }
  return a;
}

function walkNode(node: Node, a: DiffAnatomy): void {
  for (const key in node) walkKey(key, node[key], a);
}

function walkKey(key: string, v: unknown, a: DiffAnatomy): void {
  switch (key) {
    case 's':
      // An integer `s` (1.1+ template index, or ±cid in components) is a reference: no static bytes of its own.
      if (Array.isArray(v)) a.staticBytes += stringsBytes(v);
      return;
    case 'p':
      if (isNode(v)) {
        for (const id in v) {
          a.templates++;
          const statics = v[id];
          if (Array.isArray(statics)) a.staticBytes += stringsBytes(statics);
        }
      }
      return;
    case 'k':
      if (isNode(v)) walkKeyed(v, a);
      return;
    case 'd':
      if (Array.isArray(v)) {
        for (const row of v) {
          if (Array.isArray(row)) for (const slot of row) walkValue(slot, a);
        }
      }
      return;
    case 'stream':
      if (Array.isArray(v)) countStream(v, a);
      return;
    case 'r':
    case 'kc':
    case 'km':
      return;
    default:
      walkValue(v, a);
  }
}

/** 1.1+ keyed entries: an object diff, a number (moved, unchanged) or `[from, diff]` (moved with a diff). */
function walkKeyed(k: Node, a: DiffAnatomy): void {
  for (const idx in k) {
    if (idx === 'kc' || idx === 'km') continue;
    const entry = k[idx];
    if (isNode(entry)) walkNode(entry, a);
    else if (Array.isArray(entry) && isNode(entry[1])) walkNode(entry[1], a);
  }
}

function walkValue(v: unknown, a: DiffAnatomy): void {
  if (typeof v === 'string') a.dynamicBytes += jsonStringBytes(v);
  else if (typeof v === 'number') a.dynamicBytes += numberBytes(v);
  else if (isNode(v)) walkNode(v, a);
}

/**
 * `[ref, inserts, deleteDomIds, reset?]`. The client treats any 4th element as a reset (`reset !== undefined`,
 * dom_patch.ts), so its presence counts, not its value. 1.0 inserts have 3 fields, 1.1+ have 4: only counted.
 */
function countStream(stream: unknown[], a: DiffAnatomy): void {
  const inserts = stream[1];
  const deletes = stream[2];
  if (Array.isArray(inserts)) a.streamInserts += inserts.length;
  if (Array.isArray(deletes)) a.streamDeletes += deletes.length;
  if (stream.length > 3) a.streamResets++;
}

function stringsBytes(arr: unknown[]): number {
  let n = 0;
  for (const s of arr) if (typeof s === 'string') n += jsonStringBytes(s);
  return n;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** UTF-8 bytes of `JSON.stringify(s)`, computed without building it. */
export function jsonStringBytes(s: string): number {
  let n = 2;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x22 || c === 0x5c) n += 2;
      else if (c >= 0x20) n += 1;
      // \b \t \n \f \r have two-character escapes; other control characters become \u00XX.
      else if (c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) n += 2;
      else n += 6;
    } else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c > 0xdfff) n += 3;
    else if (c <= 0xdbff && i + 1 < len && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 6; // a lone surrogate is written as \uDXXX by well-formed JSON.stringify
  }
  return n;
}

function numberBytes(v: number): number {
  // JSON has no NaN/Infinity (they cannot come out of JSON.parse); integers are the common case.
  return Number.isSafeInteger(v) && v >= 0 && v < 10 ? 1 : String(v).length;
}

/** UTF-8 bytes of `JSON.stringify(v)` for a JSON.parse result. */
export function jsonValueBytes(v: unknown): number {
  if (typeof v === 'string') return jsonStringBytes(v);
  if (typeof v === 'number') return numberBytes(v);
  if (typeof v === 'boolean') return v ? 4 : 5;
  if (v === null) return 4;
  if (Array.isArray(v)) {
    let n = 2 + (v.length > 1 ? v.length - 1 : 0);
    for (const item of v) n += item === undefined ? 4 : jsonValueBytes(item);
    return n;
  }
  if (typeof v === 'object') {
    let n = 2;
    let first = true;
    const o = v as Node;
    for (const key in o) {
      const item = o[key];
      if (item === undefined) continue;
      n += (first ? 0 : 1) + jsonStringBytes(key) + 1 + jsonValueBytes(item);
      first = false;
    }
    return n;
  }
  return 0;
}
