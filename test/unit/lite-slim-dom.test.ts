import { describe, expect, it } from 'vitest';
import { Browser, PropertySymbol, Window } from 'happy-dom';
import { installSlimDom, shareSelectorCache } from '../../src/lite/slim-dom.js';
import { fixTopLevelWindow } from '../../src/lite/shims.js';

installSlimDom();

type Slots = Record<symbol, Record<string, Map<unknown, unknown>>>;
const slots = (x: unknown): Slots => x as Slots;

function page(html: string): Window {
  const window = new Window({ url: 'http://127.0.0.1/' });
  window.document.body.innerHTML = html;
  return window;
}

describe('slim DOM (copy-on-write listener tables, no query caches)', () => {
  it('nodes without listeners share one empty holder; a listener gives only its node its own tables', () => {
    const w = page('<div id="a"><span>x</span></div><div id="b"></div>');
    const a = w.document.getElementById('a')!;
    const b = w.document.getElementById('b')!;
    const text = a.firstChild!.firstChild!;
    expect(slots(a)[PropertySymbol.listeners]).toBe(slots(b)[PropertySymbol.listeners]);
    expect(slots(a)[PropertySymbol.listeners]).toBe(slots(text)[PropertySymbol.listeners]);

    const seen: string[] = [];
    const onA = (e: { currentTarget: unknown }) => seen.push(e.currentTarget === a ? 'a' : 'other');
    a.addEventListener('click', onA);
    expect(slots(a)[PropertySymbol.listeners]).not.toBe(slots(b)[PropertySymbol.listeners]);
    b.dispatchEvent(new w.Event('click', { bubbles: true }));
    a.firstChild!.dispatchEvent(new w.Event('click', { bubbles: true }));
    a.dispatchEvent(new w.Event('click'));
    expect(seen).toEqual(['a', 'a']);
    // Capture listeners and options still work on the node's own tables.
    b.addEventListener('click', () => seen.push('b-capture'), { capture: true, once: true });
    b.dispatchEvent(new w.Event('click'));
    b.dispatchEvent(new w.Event('click'));
    expect(seen).toEqual(['a', 'a', 'b-capture']);
    a.removeEventListener('click', onA);
    a.dispatchEvent(new w.Event('click'));
    expect(seen).toHaveLength(3);
    w.close();
  });

  it('queries give the same answers as happy-dom with its caches, through mutations, and keep nothing', () => {
    const w = page('<ul id="l"><li class="i">1</li><li class="i">2</li></ul><p class="i" id="p">3</p>');
    const doc = w.document;
    const list = doc.getElementById('l')!;
    const ask = () => [
      list.querySelectorAll('.i').length,
      doc.querySelectorAll('.i').length,
      list.querySelector('.i')?.textContent,
      doc.getElementsByTagName('li').length,
      doc.getElementsByClassName('i').length,
      doc.getElementById('p')?.textContent,
      list.firstElementChild!.matches('#l > .i'),
      list.firstElementChild!.closest('ul') === list,
    ];
    expect(ask()).toEqual([2, 3, '1', 2, 3, '3', true, true]);
    // The same questions twice (what a cache would have answered) and after each kind of change.
    expect(ask()).toEqual([2, 3, '1', 2, 3, '3', true, true]);
    const li = doc.createElement('li');
    li.className = 'i';
    li.textContent = '4';
    list.insertBefore(li, list.firstChild);
    expect(ask()).toEqual([3, 4, '4', 3, 4, '3', true, true]);
    li.className = 'j';
    expect(ask()).toEqual([2, 3, '1', 3, 3, '3', false, true]);
    list.removeChild(li);
    doc.getElementById('p')!.id = 'q';
    expect(ask()).toEqual([2, 3, '1', 2, 3, undefined, true, true]);
    // A live collection follows the document.
    const lis = doc.getElementsByTagName('li');
    expect(lis.length).toBe(2);
    list.appendChild(doc.createElement('li'));
    expect(lis.length).toBe(3);
    // Nothing is kept: every node shares one holder of caches that store nothing, and no invalidation list grows.
    const holder = slots(list)[PropertySymbol.cache]!;
    expect(holder).toBe(slots(doc.createTextNode('y'))[PropertySymbol.cache]);
    for (const k of ['querySelector', 'querySelectorAll', 'matches', 'elementsByTagName', 'elementById']) expect(holder[k]!.size).toBe(0);
    expect((slots(list.firstElementChild)[PropertySymbol.affectsCache] as unknown as unknown[]).length).toBe(0);
    expect((slots(doc)[PropertySymbol.affectsCache] as unknown as unknown[]).length).toBe(0);
    w.close();
  });

  it('computed styles are recomputed, so an ancestor change shows in a descendant', () => {
    const w = page('<style>.red span { color: red } .blue span { color: blue }</style><div id="d" class="red"><span id="s">x</span></div>');
    shareSelectorCache(w as never);
    const span = w.document.getElementById('s')!;
    expect(w.getComputedStyle(span).color).toBe('red');
    w.document.getElementById('d')!.className = 'blue';
    expect(w.getComputedStyle(span).color).toBe('blue');
    expect((slots(w.document)[PropertySymbol.affectsComputedStyleCache] as unknown as unknown[]).length).toBe(0);
    w.close();
  });

  it('a listener stored into a shared table through a path other than addEventListener fails loudly', () => {
    const w = page('<i></i><b></b>');
    const shared = slots(w.document.querySelector('i')!)[PropertySymbol.listeners]!.bubbling!;
    expect(() => shared.set('click', [])).toThrow(/shared empty table/);
    expect(shared.size).toBe(0);
    w.close();
  });

  it('one selector cache serves every window and outlives a closed one', () => {
    const w1 = page('<a class="k"></a>');
    const w2 = page('<a class="k"></a><a class="k"></a>');
    shareSelectorCache(w1 as never);
    shareSelectorCache(w2 as never);
    const cache = slots(w1)[PropertySymbol.querySelectorCache] as unknown as Map<string, unknown>;
    expect(slots(w2)[PropertySymbol.querySelectorCache]).toBe(cache);
    expect(w1.document.querySelectorAll('a.k').length).toBe(1);
    expect(w2.document.querySelectorAll('a.k').length).toBe(2);
    expect(cache.has('a.k')).toBe(true);
    w1.close();
    expect(cache.has('a.k')).toBe(true);
    expect(w2.document.querySelectorAll('a.k').length).toBe(2);
    w2.close();
  });
});

describe('main-frame navigation (shim 4)', () => {
  it('the navigated window is its own parent and top, not the window it replaced', async () => {
    const browser = new Browser({ settings: { navigation: { beforeContentCallback: (w) => fixTopLevelWindow(w) } } });
    const p = browser.newPage();
    const first = p.mainFrame.window;
    await p.goto('about:blank');
    const w = p.mainFrame.window;
    expect(w).not.toBe(first);
    expect(w.parent).toBe(w);
    expect(w.top).toBe(w);
    await browser.close();
  });
});
