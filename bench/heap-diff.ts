/**
 * What a lite user's heap holds: compares the two heap snapshots `lite-memory --snapshots DIR` writes (DIR/base and
 * DIR/after, `--users` users apart) and prints, per added user, the bytes and counts by V8 node type and
 * constructor, then — for the kinds of node that grew most — what holds them (the owner's constructor and the edge
 * name, `--depth` owners up). Snapshots of ~100 users are 100–200 MB; give Node room:
 *
 *   node --expose-gc bench/run.js lite-memory --users 100 --snapshots rookery-results/heap
 *   node --max-old-space-size=8000 bench/run.js heap-diff --dir rookery-results/heap --users 100 [--top 40] [--depth 2]
 *
 * `--users` must be the `--users` that lite-memory was given: the snapshots do not record it, and every per-user
 * figure is the difference divided by it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { num, parseFlags, str } from './support/bench-args.js';

const flags = parseFlags(process.argv.slice(2), { dir: '', users: '100', top: '40', depth: '2', owners: '6' });
const dir = str(flags, 'dir');
if (!dir) throw new Error('heap-diff: --dir DIR (where lite-memory --snapshots wrote base.heapsnapshot and after.heapsnapshot)');
const users = num(flags, 'users');
const KiB = 1024;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

class Heap {
  readonly s: Snapshot;
  readonly nfl: number;
  readonly efl: number;
  private readonly f: Record<'type' | 'name' | 'size' | 'edges' | 'eType' | 'eName' | 'eTo', number>;
  readonly count: number;

  constructor(file: string) {
    this.s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    const m = this.s.snapshot.meta;
    this.nfl = m.node_fields.length;
    this.efl = m.edge_fields.length;
    this.f = {
      type: m.node_fields.indexOf('type'),
      name: m.node_fields.indexOf('name'),
      size: m.node_fields.indexOf('self_size'),
      edges: m.node_fields.indexOf('edge_count'),
      eType: m.edge_fields.indexOf('type'),
      eName: m.edge_fields.indexOf('name_or_index'),
      eTo: m.edge_fields.indexOf('to_node'),
    };
    this.count = this.s.nodes.length / this.nfl;
  }

  type(n: number): string {
    return this.s.snapshot.meta.node_types[0][this.s.nodes[n * this.nfl + this.f.type]!]!;
  }

  size(n: number): number {
    return this.s.nodes[n * this.nfl + this.f.size]!;
  }

  /** Type and constructor (strings, numbers and code grouped, as their names are their contents). */
  kind(n: number): string {
    const t = this.type(n);
    const name = this.s.strings[this.s.nodes[n * this.nfl + this.f.name]!]!;
    if (t.endsWith('string')) return `${t}`;
    if (t === 'number') return 'number';
    if (t === 'code') return `code ${name.startsWith('system /') ? name : ''}`.trim();
    return `${t} ${name.slice(0, 60)}`.trim();
  }

  /** For each node, its first strong owner and the edge's name. */
  owners(): { owner: Int32Array; edge: string[] } {
    const owner = new Int32Array(this.count).fill(-1);
    const edge: string[] = new Array<string>(this.count);
    const edgeTypes = this.s.snapshot.meta.edge_types[0];
    let e = 0;
    for (let n = 0; n < this.count; n++) {
      const ec = this.s.nodes[n * this.nfl + this.f.edges]!;
      for (let k = 0; k < ec; k++, e += this.efl) {
        const et = edgeTypes[this.s.edges[e + this.f.eType]!]!;
        if (et === 'weak') continue;
        const to = this.s.edges[e + this.f.eTo]! / this.nfl;
        if (owner[to] !== -1) continue;
        owner[to] = n;
        const v = this.s.edges[e + this.f.eName]!;
        edge[to] = et === 'element' ? '[i]' : et === 'hidden' ? `[h]` : `.${this.s.strings[v]!.slice(0, 30)}`;
      }
    }
    return { owner, edge };
  }
}

function byKind(h: Heap): Map<string, { count: number; bytes: number }> {
  const out = new Map<string, { count: number; bytes: number }>();
  for (let n = 0; n < h.count; n++) {
    const k = h.kind(n);
    const e = out.get(k) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += h.size(n);
    out.set(k, e);
  }
  return out;
}

const base = byKind(new Heap(join(dir, 'base.heapsnapshot')));
const afterHeap = new Heap(join(dir, 'after.heapsnapshot'));
const after = byKind(afterHeap);
const total = (m: Map<string, { bytes: number }>): number => [...m.values()].reduce((a, e) => a + e.bytes, 0);
const rows = [...after].map(([k, e]) => {
  const b = base.get(k) ?? { count: 0, bytes: 0 };
  return { k, count: (e.count - b.count) / users, bytes: (e.bytes - b.bytes) / users };
}).sort((a, b) => b.bytes - a.bytes);
const top = num(flags, 'top');
const out: string[] = [`heap per added user: ${((total(after) - total(base)) / users / KiB).toFixed(1)} KiB (self sizes, ${users} users apart)`, '', 'KiB/user  count/user  kind'];
for (const r of rows.slice(0, top)) out.push(`${(r.bytes / KiB).toFixed(2).padStart(8)}  ${r.count.toFixed(1).padStart(10)}  ${r.k}`);

// Who holds the kinds that grew most: group their nodes by the chain of first owners.
const { owner, edge } = afterHeap.owners();
const depth = num(flags, 'depth');
for (const r of rows.slice(0, num(flags, 'owners'))) {
  const chains = new Map<string, { count: number; bytes: number }>();
  for (let n = 0; n < afterHeap.count; n++) {
    if (afterHeap.kind(n) !== r.k) continue;
    let key = '';
    for (let c = n, d = 0; d < depth; d++) {
      const o = owner[c]!;
      if (o < 0) {
        key += ' ← (root)';
        break;
      }
      key += ` ←${edge[c]} ${afterHeap.kind(o)}`;
      c = o;
    }
    const e = chains.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += afterHeap.size(n);
    chains.set(key, e);
  }
  out.push('', `held by (${r.k}, whole heap):`);
  for (const [k, e] of [...chains].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8)) out.push(`${(e.bytes / KiB).toFixed(0).padStart(8)} KiB ${String(e.count).padStart(7)} ${k}`);
}
process.stdout.write(`${out.join('\n')}\n`);
