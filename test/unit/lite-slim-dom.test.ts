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

describe('slim DOM (copy-on-write listener tables and query caches)', () => {
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

  it('queries give the same answers and cache per node; mutations still invalidate', () => {
    const w = page('<ul id="l"><li class="i">1</li><li class="i">2</li></ul><p class="i">3</p>');
    const doc = w.document;
    const list = doc.getElementById('l')!;
    expect(list.querySelectorAll('.i').length).toBe(2);
    expect(doc.querySelectorAll('.i').length).toBe(3);
    expect(list.querySelector('.i')!.textContent).toBe('1');
    expect(doc.getElementsByTagName('li').length).toBe(2);
    expect(list.firstElementChild!.matches('#l > .i')).toBe(true);
    expect(list.firstElementChild!.closest('ul')).toBe(list);
    const li = doc.createElement('li');
    li.className = 'i';
    li.textContent = '4';
    list.appendChild(li);
    expect(list.querySelectorAll('.i').length).toBe(3);
    expect(doc.querySelectorAll('.i').length).toBe(4);
    list.removeChild(li);
    expect(doc.querySelectorAll('li.i').length).toBe(2);
    // A node that was never queried still shares the empty tables.
    const p = doc.querySelector('p')!;
    const untouched = slots(p.firstChild)[PropertySymbol.cache]!;
    expect(untouched.querySelectorAll!.size).toBe(0);
    expect(untouched.querySelectorAll).toBe(slots(doc.createTextNode('y'))[PropertySymbol.cache]!.querySelectorAll);
    w.close();
  });

  it('a store into a shared table through a path that did not own it fails loudly instead of leaking between nodes', () => {
    const w = page('<i></i><b></b>');
    const shared = slots(w.document.querySelector('i')!.firstChild ?? w.document.createTextNode(''))[PropertySymbol.cache]!.elementById!;
    expect(() => shared.set('x', {})).toThrow(/shared empty Map/);
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
