/**
 * Child process for the "no Chromium survives" tests: opens a pool with two pages, prints the browser pids
 * as one JSON line, then waits to be signalled (or crashes on purpose, by mode).
 *   argv[2]: 'idle' (wait for a signal) | 'uncaught' (throw on SIGUSR2) | 'app-handles-sigint'
 */
import { BrowserPool } from '../../src/browser/pool.js';

const mode = process.argv[2] ?? 'idle';
const pool = new BrowserPool({ browsers: 1, contextsPerBrowser: 4 });
const leases = await Promise.all([pool.acquire(1), pool.acquire(2)]);
await Promise.all(leases.map((l) => l.page.setContent('<p>child</p>')));

if (mode === 'app-handles-sigint') {
  process.on('SIGINT', () => {
    // The application's graceful stop: close the pool, report, exit normally.
    void pool.close().then(() => {
      process.stdout.write('closed\n');
      process.exit(0);
    });
  });
}

const keepAlive = setInterval(() => {}, 1000);
if (mode === 'uncaught') {
  // Thrown when the test says so (SIGUSR2), after it has seen the browser tree: a fixed delay raced the test's
  // own check on a loaded machine. Registered before the pids are printed: a signal that arrives before its
  // listener exists kills the process instead.
  process.on('SIGUSR2', () => {
    clearInterval(keepAlive);
    throw new Error('deliberate uncaught exception');
  });
}

process.stdout.write(`${JSON.stringify({ pids: pool.pids() })}\n`);

