/**
 * `rookery ctl add 50` / `ctl remove 50` / `ctl status`: change a running distributed run's load. Finds the run
 * on this machine through its control file, or takes --control URL and --token (or $ROOKERY_TOKEN).
 */
import type { Command } from 'commander';
import { controlRequest, readControlFile } from '../../cluster/control-client.js';
import { wholeNumber } from '../flag-parsers.js';

interface CtlFlags {
  control?: string;
  token?: string;
}

function endpoint(flags: CtlFlags): { url: string; token: string } {
  let file = readControlFile();
  if (file && !flags.control && !processAlive(file.pid)) {
    throw new Error(`no running distributed run found on this machine (the control file is from pid ${file.pid}, which is gone); pass --control URL`);
  }
  if (flags.control) file = file?.url === flags.control ? file : undefined;
  const url = flags.control ?? file?.url;
  const token = flags.token ?? process.env.ROOKERY_TOKEN ?? (url === file?.url ? file?.token : undefined);
  if (!url) throw new Error('no running distributed run found on this machine; pass --control http://127.0.0.1:PORT (printed by `rookery run --runners`)');
  if (!token) throw new Error('no token: pass --token or set ROOKERY_TOKEN');
  return { url, token };
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
    cmd.option('--control <url>', 'the run\'s control endpoint (default: the run on this machine)').option('--token <token>', 'the run token (default: $ROOKERY_TOKEN or the control file)');
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
