/**
 * A lite worker process: runs its slice of the run's lite users (src/lite/driver.ts) on the same LoadEngine as
 * browser users, and sends its intervals and own health (CPU, RSS, event-loop lag, GC pauses) to the
 * parent over IPC. Started by LiteWorkerGroup (src/lite/workers.ts) with `child_process.fork`.
 */
import { loadScenarioFromBundle } from '../scenario/load.js';
import { loadFeeder } from '../scenario/feeder.js';
import { LoadEngine } from '../load/engine.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { withLabels } from '../metrics/labelled.js';
import { ProcessHealth } from '../health/process-health.js';
import { liteDriver } from './driver.js';
import type { ParentMessage, WorkerInit, WorkerMessage } from './worker-protocol.js';
import { remoteThrottles } from './remote-throttle.js';
import { setFlagsFromString } from 'node:v8';
import { heapGrowingFlagFor, liteHeapGrowingPercent } from './gc-settings.js';
import { slicePeakUsers } from '../load/profile.js';

const send = (m: WorkerMessage): void => {
  if (process.connected) process.send?.(m);
};

let engine: LoadEngine | undefined;
let startRun: (() => void) | undefined;
let pendingStop: string | undefined;
let deliverThrottle: ((m: ParentMessage) => void) | undefined;
/** Runtime control that came while the scenario was loading (the engine does not exist yet). */
const early: Array<Extract<ParentMessage, { t: 'users' | 'reslice' }>> = [];

/**
 * The users this worker is planned to hold (its slice's peak plus users added), and the growing percent it runs
 * with: the parent forked it with the flags of its planned share (src/lite/workers.ts); when `ctl add` or a
 * re-deal changes its share, the old-generation headroom follows at run time (the young generation cannot).
 */
const gc = { given: false, sliceUsers: 0, added: 0, growingPercent: undefined as number | undefined };

function retuneGc(): void {
  const users = gc.sliceUsers + gc.added;
  const flag = heapGrowingFlagFor(users, gc.given, gc.growingPercent);
  if (!flag) return;
  setFlagsFromString(flag);
  const from = gc.growingPercent;
  gc.growingPercent = liteHeapGrowingPercent(users);
  send({ t: 'log', line: `heap growing percent ${from ?? '(default)'} → ${gc.growingPercent} for ${users} users` });
}

function control(eng: LoadEngine, m: Extract<ParentMessage, { t: 'users' | 'reslice' }>): void {
  try {
    if (m.t === 'users') eng.addUsers(m.delta);
    else eng.reslice(m.profile);
  } catch (err) {
    send({ t: 'log', line: `${m.t} refused: ${err instanceof Error ? err.message : String(err)}` });
    return;
  }
  if (m.t === 'users') gc.added += m.delta;
  else gc.sliceUsers = slicePeakUsers(m.profile);
  retuneGc();
}

async function init(m: WorkerInit): Promise<void> {
  gc.given = m.givenFlags;
  gc.sliceUsers = slicePeakUsers(m.profile);
  // What the parent forked this worker with (none of ours when its flags were given).
  gc.growingPercent = m.givenFlags ? undefined : liteHeapGrowingPercent(gc.sliceUsers);
  const loaded = await loadScenarioFromBundle(m.bundle.code, m.bundle.sha256, { file: m.bundle.file, resolveDir: m.bundle.resolveDir });
  const registry = new MetricsRegistry({ startedAt: m.startedAt });
  const driver = liteDriver({
    onLimitation: (kind, detail) => registry.error(`lite.${kind}`, detail),
    onPageError: (message) => registry.error('lite.page_error', message),
  });
  const health = new ProcessHealth(withLabels(registry, { client: 'lite' }), 'lite');
  const remote = remoteThrottles(Object.keys(loaded.scenario.throttles ?? {}), send);
  deliverThrottle = remote.deliver;
  const eng = new LoadEngine({
    scenario: loaded.scenario,
    profile: m.profile,
    target: m.target,
    driver,
    throttles: remote.throttles,
    registry,
    feeder: loadFeeder(m.data, m.dataDir),
    setupData: m.setupData,
    input: m.input,
    actionTimeoutMs: m.actionTimeoutMs,
    abortOnError: m.abortOnError,
    userIds: 'global',
    beforeInterval: () => void health.sample(),
    onInterval: (snapshot) => {
      const st = eng.status();
      send({ t: 'snapshot', snapshot, status: { active: st.active, target: st.target, iterations: st.iterations, errors: st.errors, dropped: st.dropped } });
    },
    onClientVersion: (version) => send({ t: 'version', version }),
    log: (line) => send({ t: 'log', line }),
  });
  engine = eng;
  for (const m of early.splice(0)) control(eng, m);
  send({ t: 'ready' });
  await new Promise<void>((resolve) => (startRun = resolve));
  if (pendingStop) eng.stop(pendingStop);
  health.start();
  try {
    const outcome = await eng.run();
    send({ t: 'done', outcome });
  } finally {
    health.stop();
  }
}

process.on('message', (m: ParentMessage) => {
  if (m.t === 'init') {
    init(m).then(
      () => process.disconnect?.(),
      (err: unknown) => {
        send({ t: 'failed', error: err instanceof Error ? err.message : String(err) });
        process.disconnect?.();
      },
    );
  } else if (m.t === 'granted' || m.t === 'refused') deliverThrottle?.(m);
  else if (m.t === 'start') startRun?.();
  else if (m.t === 'users' || m.t === 'reslice') {
    if (engine) control(engine, m);
    else early.push(m);
  }
  else if (m.t === 'stop') {
    pendingStop = m.reason;
    engine?.stop(m.reason);
    startRun?.();
  }
});
// Ended by the parent (LiteWorkerGroup.close): exit through process.exit so Node's exit hooks run (e.g. a
// `--cpu-prof` profile set through ROOKERY_LITE_EXEC_ARGV is written).
process.once('SIGTERM', () => process.exit(143));
// The parent went away: nobody to report to, stop at once.
process.on('disconnect', () => {
  engine?.stop('parent gone');
  setTimeout(() => process.exit(0), 15_000).unref();
});
