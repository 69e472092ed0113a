/**
 * Process-level safety net: no Chromium outlives the harness.
 *
 * Playwright spawns each browser as the leader of its own process group (`detached`), and its zygotes,
 * renderers, GPU and utility processes stay in that group, so one `kill(-pid, SIGKILL)` takes the whole tree.
 * We track the group leaders and kill them synchronously:
 * - on process 'exit' (normal end, process.exit(), uncaught exception, unhandled rejection);
 * - on SIGINT/SIGTERM/SIGHUP when nobody else handles the signal: kill, then re-raise it so the process still
 *   dies by that signal (exit status 130 for Ctrl-C). When the application has its own handler (the run
 *   engine stopping gracefully and writing partial results), the first signal is left to it — it will call
 *   pool.close() or exit, which the 'exit' hook covers — and a second one kills the browsers at once.
 * If the harness is SIGKILLed nothing here runs; Chromium then exits by itself because Playwright's
 * --remote-debugging-pipe closes (observed with Chromium 156: the tree is gone within a second).
 *
 * Handlers are installed only while some browser is tracked, so a process without browsers keeps Node's
 * default signal behaviour.
 */

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type GuardedSignal = (typeof SIGNALS)[number];

const tracked = new Set<number>();
const signalsSeen = new Map<GuardedSignal, number>();
let installed = false;

/** Kills a browser's process group (falls back to the single pid when it is not a group leader). Sync. */
export function killProcessTree(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Kills every tracked browser tree synchronously. Safe to call any time. */
export function killTrackedBrowsers(): void {
  for (const pid of tracked) killProcessTree(pid);
  tracked.clear();
}

/** Starts guarding a browser process (group leader pid). Returns the function that stops guarding it. */
export function trackBrowserProcess(pid: number): () => void {
  tracked.add(pid);
  install();
  return () => {
    tracked.delete(pid);
    if (tracked.size === 0) uninstall();
  };
}

export function trackedBrowserPids(): number[] {
  return [...tracked];
}

function onExit(): void {
  killTrackedBrowsers();
}

const signalHandlers: Record<GuardedSignal, () => void> = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
  SIGHUP: () => onSignal('SIGHUP'),
};

function onSignal(signal: GuardedSignal): void {
  const seen = (signalsSeen.get(signal) ?? 0) + 1;
  signalsSeen.set(signal, seen);
  const othersHandle = process.listenerCount(signal) > 1;
  if (othersHandle && seen === 1) return; // The application stops gracefully; 'exit' still covers us.
  killTrackedBrowsers();
  if (othersHandle) return;
  uninstall();
  // Nobody else handles it: die by the signal as Node would have without our listener.
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, signalHandlers[s]);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, signalHandlers[s]);
  signalsSeen.clear();
}
