/**
 * Child process for the "no Chromium survives" tests: opens a pool with two pages, prints the browser pids
 * as one JSON line, then waits to be signalled (or crashes on purpose, by mode).
 *   argv[2]: 'idle' (wait for a signal) | 'uncaught' (throw after printing) | 'app-handles-sigint'
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

process.stdout.write(`${JSON.stringify({ pids: pool.pids() })}\n`);
const keepAlive = setInterval(() => {}, 1000);

if (mode === 'uncaught') {
  setTimeout(() => {
    clearInterval(keepAlive);
    throw new Error('deliberate uncaught exception');
  }, 100);
}
