/**
 * One measured run in its own Node process: the real single-machine run (`runLocal`, as `rookery run` does it),
 * plus its interval snapshots kept so the parent gets exact numbers for the hold window. Tells the parent when
 * the hold window starts and ends, so /proc readings of this process tree line up with it.
 */
import { runLocal } from '../../src/load/run-local.js';
import { measureWindow, type TimedSnapshot } from './window-measure.js';
import { STEP_ENV, type StepConfig, type StepMessage } from './step-protocol.js';

function send(msg: StepMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const raw = process.env[STEP_ENV];
  if (!raw) throw new Error(`${STEP_ENV} is not set: this file is started by the benches`);
  const cfg = JSON.parse(raw) as StepConfig;
  const timed: TimedSnapshot[] = [];
  let started = false;
  let ended = false;
  // The parent stops an overlong step with SIGTERM: stop gracefully and still report what was measured.
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  const outcome = await runLocal({
    signal: stop.signal,
    scenarioFile: cfg.scenario,
    overrides: {
      target: cfg.target,
      users: cfg.users,
      ramp: cfg.ramp,
      duration: cfg.duration,
      arrivalRate: cfg.arrivalRate,
      maxInFlight: cfg.maxInFlight,
      gracefulStop: cfg.gracefulStop,
      input: cfg.input,
      browsers: cfg.browsers,
      contextsPerBrowser: cfg.contextsPerBrowser,
    },
    onProgress: (st) => {
      if (st.interval) timed.push({ elapsedMs: st.elapsedMs, snapshot: st.interval });
      if (!started && st.elapsedMs >= cfg.holdFromMs) {
        started = true;
        send({ type: 'hold-start' });
      }
      if (!ended && st.elapsedMs >= cfg.holdToMs) {
        ended = true;
        send({ type: 'hold-end' });
      }
    },
    log: (line) => process.stderr.write(`[run] ${line}\n`),
  });
  const r = outcome.results;
  send({
    type: 'result',
    hold: measureWindow(timed, cfg.holdFromMs, cfg.holdToMs),
    whole: measureWindow(timed, -Infinity, Infinity),
    health: r.health,
    versions: { ...r.meta.versions },
    interrupted: r.meta.interrupted,
  });
}

main().then(
  () => process.disconnect?.(),
  (err: unknown) => {
    send({ type: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) });
    process.exitCode = 2;
    process.disconnect?.();
  },
);
