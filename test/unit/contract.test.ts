// The contract (src/contract): each document declared once, its types derived, and one wording of what is wrong —
// `<path>: expected <what>, got <what it was>` — for results files, intervals and cluster frames alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContractError, decode, describeValue, formatPath } from '../../src/contract/issues.js';
import { decodeResults } from '../../src/contract/results.js';
import { intervalSchema } from '../../src/contract/interval.js';
import { collectorMessageSchemas, runnerMessageSchemas } from '../../src/contract/cluster.js';
import { ProtocolError, validateCollectorMessage, validateProfile, validateRunnerMessage } from '../../src/cluster/protocol.js';
import { fakeResults } from '../support/fake-results.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';

const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
};

describe('issue wording', () => {
  it('writes paths as JavaScript does and values briefly', () => {
    expect(formatPath('results', ['metrics', 3, 'count'])).toBe('results.metrics[3].count');
    expect(describeValue(undefined)).toBe('nothing (the field is missing)');
    expect(describeValue('x'.repeat(50))).toBe(`the string "${'x'.repeat(40)}…"`);
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(-1)).toBe('the number -1');
  });

  it('names the first bad field of a results file and counts the rest', () => {
    const r = json(fakeResults({ intervals: 4 }));
    (r.metrics[3] as { count: number }).count = -1;
    expect(() => decodeResults(r)).toThrow('results.metrics[3].count: expected a non-negative integer, got the number -1');
    (r.metrics[5] as { count: number }).count = 1.5;
    const err = thrown(() => decodeResults(r));
    expect(err).toBeInstanceOf(ContractError);
    expect(err.message).toBe('results.metrics[3].count: expected a non-negative integer, got the number -1 (and 1 more problem)');
  });

  it('says which value an enum or literal wanted', () => {
    const r = json(fakeResults({ intervals: 2 }));
    expect(() => decodeResults({ ...r, meta: { ...r.meta, variantMode: 'parallel' } })).toThrow(
      "results.meta.variantMode: expected 'interleaved' or 'sequential', got the string \"parallel\"",
    );
    expect(() => decodeResults({ ...r, meta: { ...r.meta, tool: { name: 'k6', version: '1' } } })).toThrow("results.meta.tool.name: expected 'rookery', got the string \"k6\"");
  });

  it('returns the document without fields it does not declare, keeping meta.load as written', () => {
    const r = json(fakeResults({ intervals: 2 }));
    const read = decodeResults({ ...r, extra: 1, meta: { ...r.meta, load: { ...r.meta.load, custom: 'kept' } } });
    expect('extra' in read).toBe(false);
    expect(read.meta.load.custom).toBe('kept');
    expect(read).toEqual({ ...r, meta: { ...r.meta, load: { ...r.meta.load, custom: 'kept' } } });
  });

  it('maps errors to the caller’s class (frames are ProtocolErrors)', () => {
    const e = thrown(() => decode(z.object({ a: z.string() }), { a: 1 }, 'doc', (m) => new ProtocolError(m)));
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.message).toBe('doc.a: expected a string, got the number 1');
  });
});

describe('interval (rookery/snapshot@1)', () => {
  const interval = { schema: 'rookery/snapshot@1', from: 0, to: 1000, histograms: [], counters: [], gauges: [], errors: [] };
  it('accepts a well-formed interval and refuses bad error counts and contexts by path', () => {
    expect(intervalSchema.parse(interval)).toEqual(interval);
    const bad = { ...interval, errors: [{ kind: 'x', count: 1, samples: [{ message: 'm', at: 1, context: { user: true } }] }] };
    expect(() => decode(intervalSchema, bad, 'snapshot')).toThrow('snapshot.errors[0].samples[0].context.user: expected a string or number, got boolean');
    expect(() => decode(intervalSchema, { ...interval, histograms: [{ name: 'a', labels: {}, hdr: '' }] }, 'snapshot')).toThrow(
      'snapshot.histograms[0].hdr: expected a non-empty string, got the string ""',
    );
  });
});

describe('cluster messages', () => {
  const hex64 = 'ab'.repeat(32);
  it('declares every message type once, for the side that receives it', () => {
    expect(Object.keys(runnerMessageSchemas).sort()).toEqual(['done', 'error', 'failed', 'hello', 'ping', 'ready', 'snapshot']);
    expect(Object.keys(collectorMessageSchemas).sort()).toEqual(['assign', 'bye', 'challenge', 'error', 'ping', 'reject', 'reslice', 'start', 'stop', 'users', 'welcome']);
  });

  it('keeps the limits and words them with the field', () => {
    const hello = { v: 1, t: 'hello', name: 'r', host: 'h', pid: 1, capacity: 1, nonce: hex64, proof: hex64, versions: {} };
    expect(() => validateRunnerMessage({ ...hello, capacity: 0 })).toThrow('runner hello.capacity: expected a number ≥ 1, got the number 0');
    expect(() => validateRunnerMessage({ ...hello, nonce: 'AB'.repeat(32) })).toThrow(/^runner hello\.nonce: expected 32 bytes of lowercase hex, got the string "ABAB/);
    expect(() => validateRunnerMessage({ ...hello, name: '' })).toThrow('runner hello.name: empty');
    expect(() => validateRunnerMessage({ ...hello, versions: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) })).toThrow(
      'runner hello.versions: more than 32 entries',
    );
    expect(() => validateRunnerMessage({ ...hello, pid: undefined })).toThrow('runner hello.pid: expected a finite number, got nothing (the field is missing)');
    expect(() => validateRunnerMessage({ ...hello, extra: 1, more: 2 })).toThrow('runner hello: unknown field "extra", "more"');
    expect(() => validateCollectorMessage({ v: 1, t: 'toString' })).toThrow('collector message: unknown type "toString"');
    expect(() => validateCollectorMessage({ v: 1, t: 'start', inMs: 0, weights: [2, 1], index: 2, extraUsers: 0 })).toThrow(
      'collector start.index: expected a slice index ≤ 1, got the number 2',
    );
  });

  it('names the load model that was sent when it is not one of the three', () => {
    expect(() => validateProfile({ kind: 'burst', users: 1 })).toThrow("profile.kind: expected 'constant', 'stages' or 'arrival', got the string \"burst\"");
    expect(() => validateProfile(null)).toThrow('profile: expected an object, got null');
  });

  it('carries the per-kind fields of a run with lite users (parts, lite capacity, the measuring part)', () => {
    const start = { v: 1, t: 'start', inMs: 0, weights: [2, 1, 1], index: 0, extraUsers: 0, parts: { browser: null, lite: [1, 2] } };
    expect(validateCollectorMessage(start)).toEqual(start);
    expect(() => validateCollectorMessage({ ...start, parts: { browser: 0, lite: [3] } })).toThrow('collector start.parts.lite[0]: expected a slice index ≤ 2, got the number 3');
    const hello = { v: 1, t: 'hello', name: 'r', host: 'h', pid: 1, capacity: 1, lite: { capacity: 200, workers: 2 }, nonce: hex64, proof: hex64, versions: {} };
    expect(validateRunnerMessage(hello)).toEqual(hello);
    const interval = { schema: 'rookery/snapshot@1', from: 0, to: 1000, histograms: [], counters: [], gauges: [], errors: [], connected: [{ from: 0, to: 900, counts: [{ labels: { view: '/c' }, value: 3 }] }] };
    const frame = { v: 1, t: 'snapshot', seq: 0, runStartedAt: 0, snapshot: interval, part: 'lite-0', status: { active: 0, target: 0, iterations: 0, errors: 0, dropped: 0 } };
    expect(validateRunnerMessage(frame)).toEqual(frame);
    expect(() => validateRunnerMessage({ ...frame, part: 'Lite 0' })).toThrow('runner snapshot.part: expected a short name of a-z, 0-9 and -, got the string "Lite 0"');
  });
});

/** Every path into a JSON value (objects and arrays, the first few elements of each array). */
function pathsOf(x: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(x)) x.slice(0, 3).forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (typeof x === 'object' && x !== null) for (const [k, v] of Object.entries(x)) pathsOf(v, [...prefix, k], out);
  return out;
}

/** A copy of `doc` with the value at `path` replaced (or the whole doc when the path is empty). */
function replaced(doc: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}

describe('fuzz: any field replaced by any JSON value deep inside a document', () => {
  it('is accepted or refused with the contract’s error, never another exception', () => {
    const results = json(fakeResults({ intervals: 3, events: [{ event: 'inc', view: '/c', count: 20, rttMs: { median: 4, sigma: 0.3 }, diffBytes: { median: 60, sigma: 0.1 } }] }));
    const reg = new MetricsRegistry({ startedAt: 1_000 });
    reg.record('lv_event_rtt_ms', { event: 'inc', view: '/counter' }, 12.5);
    reg.count('lv_events', { event: 'inc', view: '/counter' });
    reg.error('user.scenario', 'boom', { user: 1 });
    const frame = json({ v: 1, t: 'snapshot', seq: 0, runStartedAt: 1_000, snapshot: reg.takeInterval(2_000), status: { active: 1, target: 1, iterations: 0, errors: 0, dropped: 0 } });
    const start = { v: 1, t: 'start', inMs: 10, weights: [2, 1], index: 1, extraUsers: 0 };
    const cases: Array<[unknown, (x: unknown) => unknown, new (...a: never[]) => Error]> = [
      [results, decodeResults, ContractError],
      [frame, validateRunnerMessage, ProtocolError],
      [start, validateCollectorMessage, ProtocolError],
    ];
    for (const [doc, check, errorClass] of cases) {
      fc.assert(
        fc.property(fc.constantFrom(...pathsOf(doc)), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
          try {
            check(replaced(doc, path, value));
          } catch (e) {
            expect(e).toBeInstanceOf(errorClass);
          }
        }),
        { numRuns: 300 },
      );
    }
  });
});
