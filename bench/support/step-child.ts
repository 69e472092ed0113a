/**
 * One measured run in its own Node process: the real single-machine run (`runLocal`, as `rookery run` does it),
 * plus its intervals kept so the parent gets exact numbers for the hold window. Tells the parent when
 * the hold window starts and ends, so /proc readings of this process tree line up with it.
 */
import { runLocal } from '../../src/load/run-local.js';
import { startLiteWorkers } from '../../src/lite/workers.js';
import { carriedGaugeSums, measureWindow, type GaugeReading, type TimedInterval } from './window-measure.js';
import { Accumulator } from '../../src/metrics/accumulator.js';
import { STEP_ENV, type StepConfig, type StepMessage } from './step-protocol.js';
import { runRaw } from './raw-playwright.js';
import { parseDuration } from '../../src/load/duration.js';
import { healthVerdict } from '../../src/health/verdict.js';
import { availableParallelism } from 'node:os';
import { readCalibration } from '../../src/load/calibration-file.js';
import type { MetricSummary } from '../../src/metrics/model.js';
import type { CapacityObservations } from './step-protocol.js';

function send(msg: StepMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const raw = process.env[STEP_ENV];
  if (!raw) throw new Error(`${STEP_ENV} is not set: this file is started by the benches`);
  const cfg = JSON.parse(raw) as StepConfig;
  let timed: TimedInterval[] = [];
  // With lite users, snapshots come from several processes: merged per interval (gauges summed) like the run does.
  const merged = cfg.liteUsers ? new Accumulator({ startedAt: Date.now(), intervalMs: 1_000 }) : undefined;
  // users_active per source, so a bucket that missed one worker's snapshot still counts its users (carriedGaugeSums).
  const active: GaugeReading[] = [];
  let started = false;
  let ended = false;
  // The parent stops an overlong step with SIGTERM: stop gracefully and still report what was measured.
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  const window = (elapsedMs: number): void => {
    if (!started && elapsedMs >= cfg.holdFromMs) {
      started = true;
      send({ type: 'hold-start' });
    }
    if (!ended && elapsedMs >= cfg.holdToMs) {
      ended = true;
      send({ type: 'hold-end' });
    }
  };
  if (cfg.mode === 'raw') {
    const all = await runRaw(
      {
        target: cfg.target,
        users: cfg.users ?? 1,
        rampMs: cfg.ramp ? parseDuration(cfg.ramp, 'ramp') : 0,
        durationMs: cfg.duration ? parseDuration(cfg.duration, 'duration') : 30_000,
        thinkMs: cfg.thinkMs ?? 2_000,
        ...(cfg.launchArgs ? { launchArgs: cfg.launchArgs } : {}),
      },
      (t) => window(t.elapsedMs),
      stop.signal,
    );
    send({
      type: 'result',
      hold: measureWindow(all, cfg.holdFromMs, cfg.holdToMs),
      whole: measureWindow(all, -Infinity, Infinity),
      // No health sampler in the baseline: its lag is in the window measure; the verdict has no samples.
      health: healthVerdict([], availableParallelism()),
      versions: {},
      interrupted: stop.signal.aborted ? 'stopped' : undefined,
    });
    return;
  }
  const cap: CapacityObservations = {
    capacityLine: undefined,
    maxWaiting: 0,
    minOpeningPerSecond: undefined,
    saturatedSeconds: 0,
    steady: undefined,
    wholeEventRttP95: undefined,
  };
  let lastSecond = -1;
  const outcome = await runLocal({
    ...(cfg.launchArgs ? { launchArgs: cfg.launchArgs } : {}),
    capacity: { governor: cfg.governor ?? false, calibration: cfg.calibrationFile ? readCalibration(cfg.calibrationFile) : false },
    signal: stop.signal,
    liteWorkers: startLiteWorkers,
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
      liteUsers: cfg.liteUsers,
      liteWorkers: cfg.liteWorkers,
    },
    ...(merged
      ? {
          onInterval: (s, source) => {
            merged.add(s, source);
            const users = s.gauges.filter((g) => g.name === 'users_active').reduce((n, g) => n + g.value, 0);
            if (s.gauges.some((g) => g.name === 'users_active')) active.push({ source, atMs: (s.from + s.to) / 2, value: users });
          },
        }
      : {}),
    onProgress: (st) => {
      if (st.interval && !merged) timed.push({ elapsedMs: st.elapsedMs, snapshot: st.interval });
      window(st.elapsedMs);
      if (st.opening && st.opening.waiting > 0) {
        cap.maxWaiting = Math.max(cap.maxWaiting, st.opening.waiting);
        cap.minOpeningPerSecond = Math.min(cap.minOpeningPerSecond ?? Infinity, st.opening.perSecond);
      }
      const second = Math.floor(st.elapsedMs / 1000);
      if (st.saturated && second !== lastSecond) cap.saturatedSeconds++;
      lastSecond = second;
    },
    log: (line) => {
      if (cap.capacityLine === undefined && /this machine holds/.test(line)) cap.capacityLine = line;
      process.stderr.write(`[run] ${line}\n`);
    },
  });
  const r = outcome.results;
  const rttP95 = (metrics: readonly MetricSummary[] | undefined): number | undefined => metrics?.find((m) => m.name === 'lv_event_rtt_ms' && m.labels.event === 'inc')?.p95;
  cap.wholeEventRttP95 = rttP95(r.metrics);
  if (r.steady) cap.steady = { selector: r.steady.selector, intervals: r.steady.intervals, excludedIntervals: r.steady.excludedIntervals, eventRttP95: rttP95(r.steady.metrics) };
  if (merged) {
    const intervals = merged.intervals();
    const users = carriedGaugeSums(active, merged.startedAt, merged.intervalMs, intervals.length);
    timed = intervals.map((snapshot, i) => ({
      elapsedMs: (i + 1) * merged.intervalMs,
      snapshot: { ...snapshot, gauges: [...snapshot.gauges.filter((g) => g.name !== 'users_active'), { name: 'users_active', labels: {}, value: users[i] ?? 0 }] },
    }));
  }
  send({
    type: 'result',
    hold: measureWindow(timed, cfg.holdFromMs, cfg.holdToMs),
    whole: measureWindow(timed, -Infinity, Infinity),
    health: r.health,
    versions: { ...r.meta.versions },
    interrupted: r.meta.interrupted,
    capacity: cap,
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
