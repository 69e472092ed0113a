/**
 * `--backend manual`: start runners yourself, anywhere that can reach the collector (VMs, ECS, Nomad, Fly):
 * prints the exact command, then the collector waits for them to join.
 */
import type { BackendLaunch, RunnerBackend } from './types.js';

export interface ManualBackendOptions {
  /** Where the instructions go. Default: stderr. */
  print?: (text: string) => void;
}

/** The command a person runs on each runner machine (token in the environment, not in shell history of argv). */
export function runnerCommand(req: Pick<BackendLaunch, 'joinUrl' | 'token' | 'runnerArgs'>): string {
  const args = ['--join', req.joinUrl, ...req.runnerArgs].map(shellQuote).join(' ');
  return `ROOKERY_TOKEN=${shellQuote(req.token)} npx rookery runner ${args}`;
}

export class ManualBackend implements RunnerBackend {
  readonly name = 'manual' as const;

  constructor(private readonly options: ManualBackendOptions = {}) {}

  async launch(req: BackendLaunch): Promise<void> {
    const print = this.options.print ?? ((t: string) => process.stderr.write(t));
    print(
      [
        `Start ${req.count} runner${req.count === 1 ? '' : 's'} on machines that can reach ${req.joinUrl}`,
        '(Chromium installed, or use the Dockerfile image; add --capacity N to weight a bigger machine):',
        '',
        `  ${runnerCommand(req)}`,
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
    // Runners leave on their own when the collector says goodbye.
  }
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
