/**
 * Child process for process-guard tests: starts a detached `sleep` process group (a stand-in for a browser
 * that, unlike Chromium, does not exit when its parent's pipe closes), tracks it, prints its pid, then:
 *   argv[2]: 'idle' (wait for signals) | 'uncaught' (throw) | 'exit' (process.exit(3)) | 'app-handles-sigint'
 *            | 'untracked' (control: no guard)
 */
import { spawn } from 'node:child_process';
import { trackBrowserProcess } from '../../src/browser/process-guard.js';

const mode = process.argv[2] ?? 'idle';
const group = spawn('/bin/sh', ['-c', 'sleep 60 & sleep 60; wait'], { detached: true, stdio: 'ignore' });
group.unref();
if (mode !== 'untracked') trackBrowserProcess(group.pid!);

if (mode === 'app-handles-sigint') {
  let n = 0;
  process.on('SIGINT', () => {
    n++;
    process.stdout.write(`app-sigint ${n}\n`);
  });
}

setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ pids: [group.pid] })}\n`);
  if (mode === 'uncaught') setTimeout(() => { throw new Error('deliberate uncaught exception'); }, 50);
  if (mode === 'exit') setTimeout(() => process.exit(3), 50);
}, 200); // let sh start its sleeps
setInterval(() => {}, 1000);
