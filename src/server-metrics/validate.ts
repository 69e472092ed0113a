/** Checks `results.server` read back from disk (called by validateResults). Throws naming the first bad field. */
import { array, each, labels, nullableNumber, number, object, string } from '../metrics/shape.js';

export function checkServerResults(x: unknown, p = 'results.server'): void {
  const o = object(x, p);
  if (o.schema !== 'rookery/server-metrics@1') throw new Error(`${p}.schema: expected 'rookery/server-metrics@1', got ${JSON.stringify(o.schema)}`);
  number(o.intervalMs, `${p}.intervalMs`);
  const n = each(o.t, `${p}.t`, number).length;
  const points = (arr: unknown, path: string, item: (v: unknown, p: string) => unknown): void => {
    const a = array(arr, path);
    if (a.length !== n) throw new Error(`${path}: has ${a.length} points, expected ${n} (as many as ${p}.t)`);
    a.forEach((v, i) => item(v, `${path}[${i}]`));
  };
  each(o.targets, `${p}.targets`, (t, tp) => {
    const e = object(t, tp);
    string(e.url, `${tp}.url`);
    number(e.scrapes, `${tp}.scrapes`);
    number(e.failures, `${tp}.failures`);
  });
  each(o.series, `${p}.series`, (s, sp) => {
    const e = object(s, sp);
    string(e.role, `${sp}.role`);
    string(e.metric, `${sp}.metric`);
    labels(e.labels, `${sp}.labels`);
    points(e.values, `${sp}.values`, nullableNumber);
  });
  each(o.histograms, `${p}.histograms`, (h, hp) => {
    const e = object(h, hp);
    string(e.role, `${hp}.role`);
    labels(e.labels, `${hp}.labels`);
    each(e.le, `${hp}.le`, number);
    points(e.count, `${hp}.count`, number);
    points(e.sum, `${hp}.sum`, number);
    points(e.buckets, `${hp}.buckets`, (b, bp) => each(b, bp, number));
    for (const f of ['p50', 'p95', 'p99'] as const) points(e[f], `${hp}.${f}`, nullableNumber);
  });
  if (o.connected !== undefined) {
    each(o.connected, `${p}.connected`, (c, cp) => {
      const e = object(c, cp);
      labels(e.labels, `${cp}.labels`);
      points(e.values, `${cp}.values`, nullableNumber);
    });
  }
}
