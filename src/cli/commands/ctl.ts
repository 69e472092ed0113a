/**
 * `rookery ctl add 50` / `ctl remove 50` / `ctl status`: change a running distributed run's load. Finds the run
 * on this machine through its control file, or takes --control URL and --token (or $ROOKERY_TOKEN).
 */
import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { controlFilePath, controlRequest, listControlFiles, type ControlFile } from '../../cluster/control-client.js';
import { wholeNumber } from '../flag-parsers.js';

interface CtlFlags {
  control?: string;
  token?: string;
  run?: string;
}

/**
 * Which run to talk to: --control URL (with --token or $ROOKERY_TOKEN), else --run ID, else the only run going
 * on this machine, else the latest one (and it says so). Control files of runs whose process is gone are removed.
 */
function endpoint(flags: CtlFlags, note: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): { url: string; token: string } {
  if (flags.control) {
    const known = listControlFiles().find((f) => f.url === flags.control);
    const token = flags.token ?? process.env.ROOKERY_TOKEN ?? known?.token;
    if (!token) throw new Error('no token: pass --token or set ROOKERY_TOKEN');
    return { url: flags.control, token };
  }
  const all = listControlFiles();
  const live = all.filter((f) => processAlive(f.pid));
  for (const dead of all.filter((f) => !live.includes(f))) removeControlFile(dead.runId);
  let file: ControlFile | undefined;
  if (flags.run) {
    file = live.find((f) => f.runId === flags.run);
    if (!file) throw new Error(`no distributed run ${flags.run} is going on this machine${live.length ? ` (going: ${live.map((f) => f.runId).join(', ')})` : ''}`);
  } else {
    file = live[0];
    if (!file) throw new Error('no running distributed run found on this machine; pass --control http://127.0.0.1:PORT (printed by `rookery run --runners`)');
    if (live.length > 1) note(`${live.length} distributed runs are going on this machine (${live.map((f) => f.runId).join(', ')}); using the latest, ${file.runId} (pass --run ID to choose)`);
  }
  return { url: file.url, token: flags.token ?? file.token };
}

function removeControlFile(runId: string): void {
  try {
    rmSync(controlFilePath(runId), { force: true });
  } catch {
    // Not ours to remove, or already gone.
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function registerCtl(program: Command): void {
  const ctl = program.command('ctl').description('Control a running distributed run (add or remove users, status)');
  const withEndpoint = (cmd: Command): Command =>
    cmd.option('--control <url>', 'the run\'s control endpoint (default: the run on this machine)').option('--run <id>', 'which run on this machine, when several are going (default: the latest)').option('--token <token>', 'the run token (default: $ROOKERY_TOKEN or the control file)');
  const change = async (delta: number, flags: CtlFlags) => {
    const { url, token } = endpoint(flags);
    const res = (await controlRequest(url, token, 'POST', '/users', { delta })) as { extraUsers: number; perRunner: Record<string, number> };
    const per = Object.entries(res.perRunner).map(([id, n]) => `${id} ${n >= 0 ? '+' : ''}${n}`).join(', ');
    process.stdout.write(`users ${delta >= 0 ? '+' : ''}${delta}: now ${res.extraUsers >= 0 ? '+' : ''}${res.extraUsers} on top of the profile (${per || 'no runner running'})\n`);
  };
  withEndpoint(ctl.command('add').argument('<n>', 'users to add', wholeNumber('<n>', 1)).description('add users, spread across runners by capacity')).action((n: number, flags: CtlFlags) => change(n, flags));
  withEndpoint(ctl.command('remove').argument('<n>', 'users to remove', wholeNumber('<n>', 1)).description('remove users (the newest leave after their iteration)')).action((n: number, flags: CtlFlags) => change(-n, flags));
  withEndpoint(ctl.command('status').description('print the run\'s status as JSON')).action(async (flags: CtlFlags) => {
    const { url, token } = endpoint(flags);
    process.stdout.write(`${JSON.stringify(await controlRequest(url, token, 'GET', '/status'), null, 2)}\n`);
  });
}
