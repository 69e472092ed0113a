/**
 * `rookery` command line. Each sub-command lives in ./commands/<name>.ts and registers itself in program.ts, so a
 * new command touches one file plus one line there.
 *
 * Exit codes: 0 ok, 1 a threshold failed, 2 a harness or configuration error.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

export const EXIT_OK = 0;
export const EXIT_THRESHOLD = 1;
export const EXIT_ERROR = 2;

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 through here; bad flags exit 2.
      process.exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
      return;
    }
    process.stderr.write(`rookery: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT_ERROR;
  }
}

await main(process.argv);
