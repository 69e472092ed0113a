import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffAnatomy, emptyAnatomy, jsonStringBytes, jsonValueBytes } from '../../src/liveview/diff.js';
import { j } from '../support/socket-vectors.js';

describe('wire byte counting', () => {
  it('jsonStringBytes equals the UTF-8 length of JSON.stringify for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary-ascii' })), (s) => {
        expect(jsonStringBytes(s)).toBe(j(s));
      }),
      { numRuns: 500 },
    );
    expect(jsonStringBytes('a"b\\c\n\u0001é😀')).toBe(j('a"b\\c\n\u0001é😀'));
  });

  it('jsonValueBytes equals the UTF-8 length of JSON.stringify for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonValueBytes(v)).toBe(j(v));
      }),
      { numRuns: 300 },
    );
  });
});

describe('diffAnatomy', () => {
  it('has nothing to count in a missing or non-object diff but keeps the frame size', () => {
    expect(diffAnatomy(undefined, 42)).toEqual(emptyAnatomy(42));
    expect(diffAnatomy('x', 7)).toEqual(emptyAnatomy(7));
    expect(diffAnatomy([1, 2], 7)).toEqual(emptyAnatomy(7));
  });

  it('1.0: a `d` comprehension with its own `p` and integer `s` in the rows', () => {
    const diff = {
      '0': { d: [[{ '0': 'x', s: 0 }, 'a'], [{ '0': 'y', s: 0 }, 'b']], p: { '0': ['<b>', '</b>'] }, s: ['<li>', '', '</li>'] },
      s: ['<ul>', '</ul>'],
    };
    expect(diffAnatomy(diff, 500)).toEqual({
      ...emptyAnatomy(500),
      staticBytes: j('<b>') + j('</b>') + j('<li>') + j('') + j('</li>') + j('<ul>') + j('</ul>'),
      dynamicBytes: j('x') + j('a') + j('y') + j('b'),
      templates: 1,
    });
  });

  it('1.1+: keyed entries, moves with and without a diff, root `p`', () => {
    const diff = {
      '0': { k: { '0': 2, '1': [0, { '0': 'moved' }], '2': { '0': { '0': 'new', s: 1 } }, kc: 3, km: true } },
      p: { '0': ['<i>', '</i>'], '1': ['<em>', '</em>'] },
    };
    expect(diffAnatomy(diff, 300)).toMatchObject({
      staticBytes: j('<i>') + j('</i>') + j('<em>') + j('</em>'),
      dynamicBytes: j('moved') + j('new'),
      templates: 2,
    });
  });

  it('components: counted once each, `s` references cost nothing, a `p` inside a component counts', () => {
    const diff = {
      '0': 1,
      '1': 12,
      c: {
        '1': { '0': { s: 0, '0': 'x' }, p: { '0': ['<p>', '</p>'] }, r: 1, s: ['<div>', '</div>'] },
        '2': { '0': { s: 0, '0': 'y' }, r: 1, s: 1 },
        '12': { '0': 'z', r: 1, s: -3 },
      },
      s: ['', '', ''],
    };
    expect(diffAnatomy(diff, 400)).toMatchObject({
      components: 3,
      templates: 1,
      staticBytes: j('<p>') + j('</p>') + j('<div>') + j('</div>') + 3 * j(''),
      // Integer dynamics are component references and count by their digits.
      dynamicBytes: j(1) + j(12) + j('x') + j('y') + j('z'),
    });
  });

  it('streams at any depth, including inside components; any 4th element is a reset', () => {
    const diff = {
      '0': { k: { kc: 0 }, stream: ['0', [['a', -1, null, false]], ['b', 'c'], true] },
      '1': { '0': { '0': { k: { kc: 0 }, stream: ['1', [['d', 0, 5, false], ['e', -1, null, true]], []] } } },
      c: { '7': { '0': { k: { kc: 0 }, stream: ['7-0', [], ['f'], false] } } },
    };
    expect(diffAnatomy(diff, 0)).toMatchObject({ streamInserts: 3, streamDeletes: 3, streamResets: 2, components: 1 });
  });

  it('top level: title and events are dynamic data; `r` is a reply map or the root flag', () => {
    const events = [['a', { x: 1 }], ['b', {}, true]];
    expect(diffAnatomy({ t: 'Title “1”', e: events, r: { ok: true } }, 0)).toMatchObject({
      title: true,
      events: 2,
      dynamicBytes: j('Title “1”') + j(events) + j({ ok: true }),
    });
    expect(diffAnatomy({ r: 1, s: ['x'] }, 0)).toMatchObject({ dynamicBytes: 0, staticBytes: j('x') });
    // Nested, `t`/`e` are just unknown keys of a node, and `r` is always the root flag.
    expect(diffAnatomy({ '0': { r: 1, s: ['<p>', '</p>'], '0': 'v' } }, 0)).toMatchObject({ dynamicBytes: j('v'), title: false, events: 0 });
  });

  it('for any tree of statics and slots, statics and dynamics are exactly the strings in each role', () => {
    type Tree = { [k: string]: string | Tree | string[] };
    const { tree } = fc.letrec<{ tree: Tree; slot: string | Tree }>((tie) => ({
      slot: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.string({ unit: 'grapheme', maxLength: 12 }), tie('tree')),
      tree: fc.array(tie('slot'), { maxLength: 4 }).chain((slots) =>
        fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: slots.length + 1, maxLength: slots.length + 1 }).map((s) => {
          const node: Tree = { s };
          slots.forEach((v, i) => (node[String(i)] = v));
          return node;
        }),
      ),
    }));
    const reference = (t: Tree, acc = { s: 0, d: 0 }) => {
      for (const [k, v] of Object.entries(t)) {
        if (k === 's') for (const x of v as string[]) acc.s += j(x);
        else if (typeof v === 'string') acc.d += j(v);
        else reference(v as Tree, acc);
      }
      return acc;
    };
    fc.assert(
      fc.property(tree, (t) => {
        const bytes = j(t);
        const a = diffAnatomy(t, bytes);
        const want = reference(t);
        expect([a.staticBytes, a.dynamicBytes]).toEqual([want.s, want.d]);
        expect(a.staticBytes + a.dynamicBytes).toBeLessThanOrEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });
});
