// Run a scenario from a plain script, no CLI: `APP_URL=http://localhost:4000 node examples/api/run.mjs`.
// The rookery.config.ts next to it gives the target, a threshold and where the results go.
import { run, brokenRunLines } from 'rookery';

const r = run({
  scenario: 'counter.ts',
  cwd: import.meta.dirname, // relative paths, and the search for rookery.config.ts, start here
  thresholds: ['lv_event_rtt_ms{event=inc}:p95<0.001'], // fails on purpose: no round trip is that fast
});

let progressEvents = 0;
let incEvents = 0;
r.on('progress', (p) => {
  progressEvents++;
  console.error(`${Math.round(p.elapsedMs / 1000)}s  users ${p.active}/${p.target}  iterations ${p.iterations}`);
});
r.on('interval', (s) => {
  for (const c of s.counters) if (c.name === 'lv_events' && c.labels.event === 'inc') incEvents += c.value;
});

const results = await r; // Results, thresholds judged; r.stop() would end it early, keeping what was measured
for (const t of results.thresholds) console.log(`${t.pass ? 'pass' : 'FAIL'} ${t.expr} (${t.actual ?? 'no data'})`);
console.log(JSON.stringify({ progressEvents, incEvents, results: r.outputs?.json }));
// As the CLI: 2 when a kind of user never completed an iteration (brokenRunLines says why), 1 for a failed threshold.
const broken = brokenRunLines(results);
for (const line of broken) console.error(line);
process.exitCode = broken.length > 0 ? 2 : results.thresholds.every((t) => t.pass) ? 0 : 1;
