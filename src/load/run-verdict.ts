/**
 * Did a finished run measure anything? Judged per kind of user (`client=browser|lite`) from the merged Results, so
 * a local run and a distributed one (where the collector holds the merged Results) decide alike.
 *
 * A kind is broken when its users ran but none of them ever completed an iteration, and either at least as many
 * failed as were cut short at the end (every lite user of a scenario that reads `u.page`, a selector that matches nothing, a
 * page without a LiveView) or none ever joined a LiveView (every iteration cut short at the end, or every arrival
 * dropped). Such a run says nothing about that kind of user, whatever the thresholds say, so the CLI exits 2 for it.
 * A kind whose iterations are long-lived (cut short at the end, never "ok") but which did join is not broken, even
 * with a few failures among them: it measured its events. A run stopped early by a signal or `stop()` is not judged.
 *
 * Pure: reads counters, error samples and `meta.interrupted` only.
 */
import type { Results } from '../metrics/model.js';

export interface KindOutcome {
  /** The `client` label (`browser` or `lite`); counters without one are browser users' (they predate lite users). */
  client: string;
  /** iterations{result=ok}. */
  ok: number;
  /** user_errors: failed iterations, and users whose browser context or lite page could not open. */
  failed: number;
  /** iterations{result=aborted}: cut short by the end of the run. */
  aborted: number;
  /** iterations{result=dropped}: open-model arrivals never started (too many in flight). */
  dropped: number;
  /** LiveViews joined, initial and re-joins: the count of `lv_join_ms` (a refused join is counted in lv_joins only). */
  joined: number;
}

export interface BrokenKind extends KindOutcome {
  /** The first distinct error messages of this kind of user (at most 3), `kind: message`. */
  samples: string[];
}

const MAX_SAMPLES = 3;
/** A lite worker process lost mid-run (src/lite/workers.ts): its users stopped with it. */
const WORKER_FAULT = /^lite\.worker_/;

/** What each kind of user that appears in the counters achieved, in order of appearance. */
export function kindOutcomes(results: Results): KindOutcome[] {
  const kinds = new Map<string, KindOutcome>();
  const add = (client: string, field: 'ok' | 'failed' | 'aborted' | 'dropped' | 'joined', n: number) => {
    let k = kinds.get(client);
    if (!k) kinds.set(client, (k = { client, ok: 0, failed: 0, aborted: 0, dropped: 0, joined: 0 }));
    k[field] += n;
  };
  for (const c of results.counters) {
    const client = c.labels.client ?? 'browser';
    if (c.name === 'iterations') {
      if (c.labels.result === 'ok') add(client, 'ok', c.value);
      else if (c.labels.result === 'aborted') add(client, 'aborted', c.value);
      else if (c.labels.result === 'dropped') add(client, 'dropped', c.value);
      else add(client, 'failed', 0); // error: counted in user_errors
    } else if (c.name === 'user_errors') add(client, 'failed', c.value);
  }
  for (const m of results.metrics) if (m.name === 'lv_join_ms') add(m.labels.client ?? 'browser', 'joined', m.count);
  // Lite workers that died can take every counter of their users with them: the lite kind still ran.
  if (results.errors.some((e) => WORKER_FAULT.test(e.kind))) add('lite', 'failed', 0);
  return [...kinds.values()];
}

/**
 * The kinds of user that ran and never completed an iteration (see the module note); empty when the run is sound.
 * With LiveViews joined, failures must be at least as many as the iterations merely cut short at the end. A user has
 * at most one iteration cut short, so when every user failed at least once (however few iterations a slow machine
 * got through) failed ≥ aborted; one user of a soak run that timed out among 99 that stayed until the end does not
 * make the kind broken.
 */
export function brokenKinds(results: Results, outcomes: readonly KindOutcome[] = kindOutcomes(results)): BrokenKind[] {
  return outcomes
    .filter((k) => k.ok === 0 && (k.joined === 0 || k.failed >= k.aborted))
    .map((k) => ({ ...k, samples: errorSamples(results, k.client) }));
}

/**
 * Distinct messages of the user errors (`user.*`) whose sample names this client or names none, by error kind; for
 * lite users also their workers' faults.
 */
function errorSamples(results: Results, client: string): string[] {
  const out: string[] = [];
  for (const e of results.errors) {
    if (!e.kind.startsWith('user.') && !(client === 'lite' && WORKER_FAULT.test(e.kind))) continue;
    for (const s of e.samples) {
      const of = s.context?.client;
      const line = `${e.kind}: ${s.message}`;
      if ((of === undefined || of === client) && !out.includes(line)) out.push(line);
      if (out.length === MAX_SAMPLES) return out;
    }
  }
  return out;
}

/**
 * Why a finished run is broken, as the lines to print (empty when it is sound): one per broken kind (what it did,
 * and beside it what the sound kinds did), each followed by its first error samples; or, when no user of any kind
 * ran an iteration or joined a LiveView at all, that.
 */
export function brokenRunLines(results: Results): string[] {
  // A run stopped early (Ctrl-C, r.stop(), a signal) judges nothing here: the CLI exits with the signal's code.
  if (results.meta.interrupted?.startsWith('interrupted')) return [];
  const all = kindOutcomes(results);
  if (all.length === 0) return ['rookery: no user ran: no iteration finished and no LiveView joined'];
  const broken = brokenKinds(results, all);
  const lines: string[] = [];
  const sound = all.filter((k) => !broken.some((b) => b.client === k.client));
  const others = sound.map((k) => `${k.client} users: ${k.ok > 0 ? `${k.ok} ok` : `${k.joined} joined`}`).join(', ');
  for (const b of broken) {
    const what = [
      `${b.failed} failed`,
      ...(b.aborted > 0 ? [`${b.aborted} cut short at the end`] : []),
      ...(b.dropped > 0 ? [`${b.dropped} dropped`] : []),
      ...(b.joined === 0 ? ['no LiveView joined'] : []),
    ].join(', ');
    const who = all.length > 1 ? `${b.client} ` : '';
    lines.push(`rookery: no ${who}iteration succeeded (${what}${others ? `; ${others}` : ''})${b.samples.length > 0 ? '; first errors:' : ''}`);
    for (const s of b.samples) lines.push(`  ${s}`);
  }
  return lines;
}
