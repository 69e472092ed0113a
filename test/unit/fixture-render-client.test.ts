/**
 * The fixture's differ judged by the real client: the phoenix_live_view 1.2 `Rendered` merges every diff the
 * DiffTracker emits, and its HTML must equal a fresh render of the same state — for random edit sequences.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiffTracker } from '../../fixtures/server/render/diff.js';
import { renderToHtml } from '../../fixtures/server/render/html.js';
import { each, html, liveComponent, rootHtml, type LiveComponent, type LiveComponentDef, type Rendered } from '../../fixtures/server/render/template.js';
import { clientHtml, loadClientRendered, type ClientRenderedCtor } from '../support/lv-client-rendered.js';

interface Model {
  count: number;
  note: string | null;
  rows: number[];
  comps: string[];
  compCounts: Map<string, number>;
}

type Op =
  | { op: 'count'; v: number }
  | { op: 'note'; v: string | null }
  | { op: 'insertRow'; at: number; v: number }
  | { op: 'removeRow'; at: number }
  | { op: 'editRow'; at: number; v: number }
  | { op: 'addComp'; at: number; label: string }
  | { op: 'removeComp'; at: number }
  | { op: 'bump'; at: number };

const cardMarkup = (label: string, count: number): Rendered => rootHtml`<div class="card"><b>${label}</b> <i>${count}</i></div>`;

class Card implements LiveComponent<{ label: string }> {
  count = 0;
  constructor(private label: string) {}
  update(a: { label: string }): boolean {
    const changed = a.label !== this.label;
    this.label = a.label;
    return changed;
  }
  render(): Rendered {
    return rootHtml`<div class="card"><b>${this.label}</b> <i>${this.count}</i></div>`;
  }
  handleEvent(): boolean {
    this.count++;
    return true;
  }
}
const cardDef: LiveComponentDef<{ label: string }> = { name: 'Card', mount: (a) => new Card(a.label) };

const row = (v: number): Rendered => rootHtml`<li class="${v % 2 ? 'odd' : 'even'}">${v}${v % 3 === 0 ? html`<em>fizz ${v}</em>` : ''}</li>`;

/** `live`: components as LiveComponents (server side); otherwise the same markup as plain templates (expected HTML). */
function view(m: Model, live: boolean): Rendered {
  return html`<h1>${m.count}</h1>${m.note === null ? '' : html`<p class="note">${m.note}</p>`}<ul>${each(m.rows, (v) => html`${row(v)}`)}</ul><section>${each(m.comps, (label) =>
    live ? html`${liveComponent(cardDef, label, { label })}` : html`${cardMarkup(label, m.compCounts.get(label) ?? 0)}`,
  )}</section>`;
}

/** cids the client's tree references (integers in dynamic slots). */
function referencedCids(node: unknown, out = new Set<number>()): Set<number> {
  if (typeof node !== 'object' || node === null) return out;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'c' || k === 's' || k === 'kc' || k === 'r' || k === 'p' || k === 'stream') continue;
    if (typeof v === 'number') out.add(v);
    else referencedCids(v, out);
  }
  return out;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('count' as const), v: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant('note' as const), v: fc.option(fc.constantFrom('a', 'b<c>', '&')) }),
  fc.record({ op: fc.constant('insertRow' as const), at: fc.nat(8), v: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ op: fc.constant('removeRow' as const), at: fc.nat(8) }),
  fc.record({ op: fc.constant('editRow' as const), at: fc.nat(8), v: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ op: fc.constant('addComp' as const), at: fc.nat(5), label: fc.constantFrom('x', 'y', 'z', 'w', 'v') }),
  fc.record({ op: fc.constant('removeComp' as const), at: fc.nat(5) }),
  fc.record({ op: fc.constant('bump' as const), at: fc.nat(5) }),
);

let Rendered_: ClientRenderedCtor;
beforeAll(async () => {
  Rendered_ = await loadClientRendered();
});

describe('DiffTracker against the real phoenix_live_view client', () => {
  it('join + every update diff merge into exactly the HTML of a fresh render', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const m: Model = { count: 0, note: null, rows: [1, 2, 3], comps: ['x'], compCounts: new Map() };
        const tracker = new DiffTracker();
        const client = new Rendered_('phx-test', tracker.render(view(m, true), 'T'));
        expect(clientHtml(client)).toBe(renderToHtml(view(m, false)));
        // cids the server allocated, by label, learned from the client's tree as components appear.
        for (const o of ops) {
          let componentDiff = null;
          switch (o.op) {
            case 'count':
              m.count = o.v;
              break;
            case 'note':
              m.note = o.v;
              break;
            case 'insertRow':
              m.rows.splice(Math.min(o.at, m.rows.length), 0, o.v);
              break;
            case 'removeRow':
              m.rows.splice(o.at, 1);
              break;
            case 'editRow':
              if (o.at < m.rows.length) m.rows[o.at] = o.v;
              break;
            case 'addComp':
              if (!m.comps.includes(o.label)) {
                m.comps.splice(Math.min(o.at, m.comps.length), 0, o.label);
                m.compCounts.set(o.label, 0);
              }
              break;
            case 'removeComp':
              m.comps.splice(o.at, 1);
              break;
            case 'bump': {
              const label = m.comps[o.at];
              if (label === undefined) break;
              const cids = [...referencedCids(client.rendered)];
              // Find the cid whose component renders this label.
              const cid = cids.find((c) => JSON.stringify((client.rendered.c as Record<string, unknown>)[c]).includes(`"0":"${label}"`));
              if (cid === undefined) break;
              const r = tracker.componentEvent(cid, 'bump', {});
              expect(r.status).toBe('ok');
              if (r.status === 'ok') componentDiff = r.diff;
              m.compCounts.set(label, (m.compCounts.get(label) ?? 0) + 1);
              break;
            }
          }
          if (componentDiff) {
            expect(Object.keys(componentDiff)).toEqual(['c']);
            client.mergeDiff(componentDiff);
          }
          const diff = tracker.render(view(m, true), 'T');
          if (diff) client.mergeDiff(diff);
          // The client reports components that left the DOM; the server deletes them and the client prunes.
          const held = Object.keys((client.rendered.c as Record<string, unknown>) ?? {}).map(Number);
          const used = referencedCids(client.rendered);
          const gone = held.filter((c) => !used.has(c));
          if (gone.length > 0) {
            tracker.markForDeletion(gone);
            client.pruneCIDs(tracker.deleteMarked(gone));
          }
          expect(clientHtml(client)).toBe(renderToHtml(view(m, false)));
        }
        expect(tracker.componentCount).toBe(m.comps.length);
      }),
      { numRuns: 150, seed: 20251124 },
    );
  });
});
