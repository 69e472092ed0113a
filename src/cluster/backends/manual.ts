/**
 * `--backend manual`: start runners yourself, anywhere that can reach the collector (VMs, ECS, Nomad, Fly):
 * prints the exact command, then the collector waits for them to join.
 *
 * The token is never printed: instructions land in terminals and CI logs. It is written to a file (mode 0600)
 * in the checked private folder for the run's duration, and the command reads it from there (`--token-file`),
 * or from $ROOKERY_TOKEN when you gave the run its token that way.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendLaunch, RunnerBackend } from './types.js';
import { privateDir, writePrivateFile } from '../private-dir.js';

export interface ManualBackendOptions {
  /** Where the instructions go. Default: stderr. */
  print?: (text: string) => void;
  /** The token came from $ROOKERY_TOKEN: runners can take it from the same variable. */
  tokenFromEnv?: boolean;
  /** Folder for the token file. Default: the private folder (`<tmp>/rookery-<uid>`). */
  dir?: string;
}

/** The command a person runs on each runner machine: how to pass the token, never its value. */
export function runnerCommand(req: Pick<BackendLaunch, 'joinUrl' | 'runnerArgs'>, token: { file: string } | 'env'): string {
  const args = ['--join', req.joinUrl, ...req.runnerArgs].map(shellQuote).join(' ');
  return token === 'env' ? `ROOKERY_TOKEN="$ROOKERY_TOKEN" npx rookery runner ${args}` : `npx rookery runner ${args} --token-file ${shellQuote(token.file)}`;
}

export class ManualBackend implements RunnerBackend {
  readonly name = 'manual' as const;
  private tokenFile: string | undefined;

  constructor(private readonly options: ManualBackendOptions = {}) {}

  async launch(req: BackendLaunch): Promise<void> {
    const print = this.options.print ?? ((t: string) => process.stderr.write(t));
    const file = join(this.options.dir ?? privateDir(), `token-${req.runId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    writePrivateFile(file, `${req.token}\n`);
    this.tokenFile = file;
    const how = this.options.tokenFromEnv
      ? ['The run token is the one in $ROOKERY_TOKEN here; set the same variable on each runner machine:', '', `  ${runnerCommand(req, 'env')}`]
      : [
          `The run token is not printed (logs keep what is printed). It is in ${file} (mode 0600, removed when the run ends):`,
          'copy that file to each runner machine, then run there:',
          '',
          `  ${runnerCommand(req, { file })}`,
          '',
          '(or set ROOKERY_TOKEN from the file instead of --token-file)',
        ];
    print(
      [
        `Start ${req.count} runner${req.count === 1 ? '' : 's'} on machines that can reach ${req.joinUrl}`,
        '(Chromium installed, or use the Dockerfile image; add --capacity N to weight a bigger machine).',
        ...how,
        '',
        'Waiting for them to join…',
        '',
      ].join('\n'),
    );
  }

  async diagnose(): Promise<string | undefined> {
    return 'runners are started by hand with the command printed above; check that they can reach the collector address';
  }

  async shutdown(): Promise<void> {
    // Runners leave on their own when the collector says goodbye; the token file goes with the run.
    if (this.tokenFile) rmSync(this.tokenFile, { force: true });
    this.tokenFile = undefined;
  }
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
