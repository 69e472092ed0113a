import { describe, expect, it } from 'vitest';
import { DiffTracker, type DiffObject } from '../../fixtures/server/render/diff.js';
import { renderToHtml } from '../../fixtures/server/render/html.js';
import { LiveStream } from '../../fixtures/server/render/stream.js';
import {
  each,
  escapeHtml,
  html,
  liveComponent,
  raw,
  rootHtml,
  type EventParams,
  type LiveComponent,
  type LiveComponentDef,
  type Rendered,
} from '../../fixtures/server/render/template.js';

const bytes = (d: unknown): number => Buffer.byteLength(JSON.stringify(d));

describe('templates', () => {
  it('escapes dynamic text like Phoenix.HTML, but not raw HTML or statics', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    const r = html`<p title="${'"q"'}">${'<b>'}${raw('<i>ok</i>')}${7}${null}${false}</p>`;
    expect(r.dynamics).toEqual(['&quot;q&quot;', '&lt;b&gt;', '<i>ok</i>', '7', '', '']);
    expect(renderToHtml(r)).toBe('<p title="&quot;q&quot;">&lt;b&gt;<i>ok</i>7</p>');
  });

  it('one call site is one template (the fingerprint); source line breaks and indentation are dropped', () => {
    const t = (x: string): Rendered => html`<div>
        <span>${x}</span>
      </div>`;
    expect(t('a').template).toBe(t('b').template);
    expect(t('a').template.statics).toEqual(['<div><span>', '</span></div>']);
    expect(html`<p>${1}</p>`.template).not.toBe(t('a').template);
  });
});

describe('DiffTracker: rendered trees', () => {
  const page = (count: number, note: string | null): Rendered =>
    html`<h1>Counter</h1><output id="count">${count}</output>${note === null ? '' : html`<p class="note">${note}</p>`}`;

  it('sends the first render in full with statics in a root "p" table, and the title', () => {
    const t = new DiffTracker();
    const d = t.render(page(0, null), 'Counter');
    expect(d).toEqual({ 0: '0', 1: '', s: 0, p: { 0: ['<h1>Counter</h1><output id="count">', '</output>', ''] }, t: 'Counter' });
  });

  it('sends only changed dynamics, nothing when nothing changed, and statics only for a new subtree', () => {
    const t = new DiffTracker();
    t.render(page(0, null), 'Counter');
    expect(t.render(page(0, null), 'Counter')).toBeNull();
    expect(t.render(page(1, null), 'Counter')).toEqual({ 0: '1' });
    // A conditional block appears: its template travels once, via the root table.
    expect(t.render(page(1, 'hi'), 'Counter')).toEqual({ 1: { 0: 'hi', s: 0 }, p: { 0: ['<p class="note">', '</p>'] } });
    // Same block, new text: no statics.
    expect(t.render(page(1, 'yo'), 'Counter')).toEqual({ 1: { 0: 'yo' } });
    expect(t.render(page(1, null), 'Counter')).toEqual({ 1: '' });
    expect(t.render(page(1, null), 'Other')).toEqual({ t: 'Other' });
  });

  it('shares one template among many nested renders in the same diff', () => {
    const cell = (i: number): Rendered => rootHtml`<td>${i}</td>`;
    const t = new DiffTracker();
    const d = t.render(html`<tr>${cell(1)}${cell(2)}</tr>`) as DiffObject;
    expect(d).toEqual({ 0: { 0: '1', r: 1, s: 0 }, 1: { 0: '2', r: 1, s: 0 }, s: 1, p: { 0: ['<td>', '</td>'], 1: ['<tr>', '', '</tr>'] } });
  });
});

describe('DiffTracker: comprehensions (keyed by index, LiveView 1.1+)', () => {
  const row = (id: number): Rendered => html`<li id="i-${id}">Item ${id}</li>`;
  const list = (ids: number[]): Rendered => html`<ul>${each(ids, row)}</ul>`;

  it('sends an empty comprehension as "" and later in full with "s" and "k"/"kc"', () => {
    const t = new DiffTracker();
    expect(t.render(list([]))).toMatchObject({ 0: '' });
    expect(t.render(list([]))).toBeNull();
    expect(t.render(list([1, 2]))).toEqual({ 0: { s: 0, k: { 0: { 0: '1', 1: '1' }, 1: { 0: '2', 1: '2' }, kc: 2 } }, p: { 0: ['<li id="i-', '">Item ', '</li>'] } });
  });

  it('an append sends one entry; an insert at the top re-sends every shifted entry (no statics)', () => {
    const t = new DiffTracker();
    t.render(list([1, 2, 3]));
    expect(t.render(list([1, 2, 3, 4]))).toEqual({ 0: { k: { 3: { 0: '4', 1: '4' }, kc: 4 } } });
    const top = t.render(list([5, 1, 2, 3, 4])) as { 0: { k: Record<string, unknown> } };
    expect(Object.keys(top[0].k).sort()).toEqual(['0', '1', '2', '3', '4', 'kc']);
    expect(top[0].k[4]).toEqual({ 0: '4', 1: '4' });
    expect(JSON.stringify(top)).not.toContain('Item');
  });

  it('removing trailing entries sends only the new count; emptying sends kc 0', () => {
    const t = new DiffTracker();
    t.render(list([1, 2, 3]));
    expect(t.render(list([1, 2]))).toEqual({ 0: { k: { kc: 2 } } });
    expect(t.render(list([]))).toEqual({ 0: { k: { kc: 0 } } });
  });

  it('entries that hold nested templates reference the root table (integer "s")', () => {
    const t = new DiffTracker();
    const d = t.render(html`<ul>${each([1, 2], (i) => html`${rootHtml`<li>${i}</li>`}`)}</ul>`) as DiffObject;
    expect(d[0]).toEqual({ s: 1, k: { 0: { 0: { 0: '1', r: 1, s: 0 } }, 1: { 0: { 0: '2', r: 1, s: 0 } }, kc: 2 } });
    expect(d.p).toEqual({ 0: ['<li>', '</li>'], 1: ['', ''], 2: ['<ul>', '</ul>'] });
    expect(d.s).toBe(2);
  });
});

describe('DiffTracker: streams', () => {
  interface Item {
    id: number;
  }
  const item = (it: Item, dom: string): Rendered => html`<li id="${dom}">${it.id}</li>`;
  const make = (): LiveStream<Item> => new LiveStream<Item>('0', (i) => `items-${i.id}`, item, { id: 0 });
  const view = (s: LiveStream<Item>): Rendered => html`<ul id="items" phx-update="stream">${s.take()}</ul>`;

  it('sends statics, entries and the stream annotation on first render, then only operations', () => {
    const s = make();
    s.insertMany([{ id: 1 }, { id: 2 }]);
    const t = new DiffTracker();
    expect(t.render(view(s))).toEqual({
      0: { s: 0, k: { 0: { 0: 'items-1', 1: '1' }, 1: { 0: 'items-2', 1: '2' }, kc: 2 }, stream: ['0', [['items-1', -1, null, false], ['items-2', -1, null, false]], []] },
      p: { 0: ['<li id="', '">', '</li>'], 1: ['<ul id="items" phx-update="stream">', '</ul>'] },
      s: 1,
    } satisfies DiffObject);
    expect(t.render(view(s))).toBeNull();
    s.insert({ id: 3 }, { at: 0, limit: -10 });
    expect(t.render(view(s))).toEqual({ 0: { k: { 0: { 0: 'items-3', 1: '3' }, kc: 1 }, stream: ['0', [['items-3', 0, -10, false]], []] } });
    s.delete('items-1');
    expect(t.render(view(s))).toEqual({ 0: { k: { kc: 0 }, stream: ['0', [], ['items-1']] } });
    s.reset([{ id: 1 }]);
    expect(t.render(view(s))).toEqual({ 0: { k: { 0: { 0: 'items-1', 1: '1' }, kc: 1 }, stream: ['0', [['items-1', -1, null, false]], [], true] } });
  });

  it('an empty stream still sends its statics (the template comes from the placeholder)', () => {
    const t = new DiffTracker();
    expect(t.render(view(make()))).toMatchObject({ 0: { s: 0, k: { kc: 0 }, stream: ['0', [], []] } });
  });

  it('the dead render applies inserts in order with at and limit', () => {
    const s = make();
    s.insertMany([{ id: 1 }, { id: 2 }]);
    s.insert({ id: 3 }, { at: 0 });
    s.insert({ id: 4 }, { limit: -3 });
    expect(renderToHtml(view(s))).toBe('<ul id="items" phx-update="stream"><li id="items-1">1</li><li id="items-2">2</li><li id="items-4">4</li></ul>');
  });
});

describe('DiffTracker: LiveComponents', () => {
  class Counter implements LiveComponent<{ label: string }> {
    count = 0;
    constructor(public label: string) {}
    update(a: { label: string }): boolean {
      const changed = a.label !== this.label;
      this.label = a.label;
      return changed;
    }
    render(myself: number): Rendered {
      return rootHtml`<div class="c"><b>${this.label}</b><i>${this.count}</i><button phx-click="bump" phx-target="${myself}">+</button></div>`;
    }
    handleEvent(event: string, _params: EventParams): boolean | 'unknown' {
      if (event !== 'bump') return 'unknown';
      this.count++;
      return true;
    }
  }
  const def: LiveComponentDef<{ label: string }> = { name: 'Counter', mount: (a) => new Counter(a.label) };
  const parent = (labels: string[]): Rendered => html`<section>${each(labels, (l) => html`${liveComponent(def, l, { label: l })}`)}</section>`;

  it('renders components under "c" with "r": 1; later ones of the same template share statics ("s": cid)', () => {
    const t = new DiffTracker();
    const d = t.render(parent(['a', 'b', 'c'])) as DiffObject;
    expect(d[0]).toEqual({ s: 0, k: { 0: { 0: 1 }, 1: { 0: 2 }, 2: { 0: 3 }, kc: 3 } });
    const c = d.c as Record<string, DiffObject>;
    expect(c[1]).toEqual({ 0: 'a', 1: '0', 2: '1', r: 1, s: ['<div class="c"><b>', '</b><i>', '</i><button phx-click="bump" phx-target="', '">+</button></div>'] });
    expect(c[2]).toEqual({ 0: 'b', 1: '0', 2: '2', s: 1 });
    expect(c[3]).toEqual({ 0: 'c', 1: '0', 2: '3', s: 1 });
  });

  it('a component event replies with only that component under "c"', () => {
    const t = new DiffTracker();
    t.render(parent(['a', 'b']));
    expect(t.componentEvent(2, 'bump', {})).toEqual({ status: 'ok', diff: { c: { 2: { 1: '1' } } } });
    expect(t.componentEvent(9, 'bump', {})).toEqual({ status: 'no-component' });
    expect(t.componentEvent(1, 'nope', {})).toEqual({ status: 'unknown-event' });
    // The parent re-rendering with unchanged assigns sends nothing for the components.
    expect(t.render(parent(['a', 'b']))).toBeNull();
  });

  it('a component added later copies statics from one the client already has ("s": -cid)', () => {
    const t = new DiffTracker();
    t.render(parent(['a']));
    const d = t.render(parent(['a', 'b'])) as DiffObject;
    expect(d).toEqual({ 0: { k: { 1: { 0: 2 }, kc: 2 } }, c: { 2: { 0: 'b', 1: '0', 2: '2', s: -1 } } });
  });

  it('cids_will_destroy + cids_destroyed delete only components not rendered again in between', () => {
    const t = new DiffTracker();
    t.render(parent(['a', 'b', 'c']));
    t.render(parent(['a']));
    t.markForDeletion([2, 3]);
    // "c" comes back before the client confirms: it is revived (sent in full) and not deleted.
    const d = t.render(parent(['a', 'c'])) as DiffObject;
    expect((d.c as Record<string, DiffObject>)[3]).toMatchObject({ 0: 'c', s: -1 });
    expect(t.deleteMarked([2, 3])).toEqual([2]);
    expect(t.componentCount).toBe(2);
    // "b" again gets a fresh cid.
    const d2 = t.render(parent(['a', 'c', 'b'])) as DiffObject;
    expect(d2[0]).toEqual({ k: { 2: { 0: 4 }, kc: 3 } });
  });

  it('inside a component, comprehension templates go into a "p" on the comprehension', () => {
    class Lister implements LiveComponent<null> {
      update(): boolean {
        return false;
      }
      render(): Rendered {
        return rootHtml`<ul>${each([1, 2], (i) => html`${html`<li>${i}</li>`}`)}</ul>`;
      }
      handleEvent(): boolean {
        return false;
      }
    }
    const t = new DiffTracker();
    const d = t.render(html`<div>${liveComponent({ name: 'Lister', mount: () => new Lister() }, 'x', null)}</div>`) as DiffObject;
    expect((d.c as Record<string, DiffObject>)[1]).toEqual({
      0: { s: ['', ''], k: { 0: { 0: { 0: '1', s: 0 } }, 1: { 0: { 0: '2', s: 0 } }, kc: 2 }, p: { 0: ['<li>', '</li>'] } },
      r: 1,
      s: ['<ul>', '</ul>'],
    });
  });

  it('rejects components without a single root and duplicate ids, like Phoenix', () => {
    const flat: LiveComponentDef<null> = {
      name: 'Flat',
      mount: () => ({ update: () => false, render: () => html`<a></a><b></b>`, handleEvent: () => false }),
    };
    expect(() => new DiffTracker().render(html`${liveComponent(flat, 'x', null)}`)).toThrow(/single root/);
    expect(() => new DiffTracker().render(parent(['a', 'a']))).toThrow(/duplicate/);
  });

  it('the dead render inlines components', () => {
    expect(renderToHtml(parent(['a']))).toBe('<section><div class="c"><b>a</b><i>0</i><button phx-click="bump" phx-target="1">+</button></div></section>');
  });
});

describe('diff sizes', () => {
  it('a stream insert is far smaller than re-sending a shifted plain list', () => {
    const row = (id: number, dom: string): Rendered => html`<li id="${dom}"><span>Item ${id}</span><button phx-click="delete" phx-value-id="${id}">x</button></li>`;
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    const listView = (list: number[]): Rendered => html`<ul>${each(list, (i) => row(i, `items-${i}`))}</ul>`;
    const listT = new DiffTracker();
    listT.render(listView(ids));
    const listDiff = listT.render(listView([101, ...ids]));
    const s = new LiveStream<number>('0', (i) => `items-${i}`, row, 0);
    s.insertMany(ids);
    const streamView = (): Rendered => html`<ul phx-update="stream">${s.take()}</ul>`;
    const streamT = new DiffTracker();
    streamT.render(streamView());
    s.insert(101, { at: 0 });
    const streamDiff = streamT.render(streamView());
    expect(bytes(streamDiff)).toBeLessThan(150);
    expect(bytes(listDiff)).toBeGreaterThan(20 * bytes(streamDiff));
  });
});
