/** `rookery fixture`: serve the built-in LiveView fixture app (implemented in fixtures/server). */
import type { Command } from 'commander';

export function registerFixture(program: Command): void {
  program
    .command('fixture')
    .description('Start the built-in LiveView fixture app on loopback')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4000')
    .option('--host <host>', 'interface to bind (loopback by default)', '127.0.0.1')
    .action(async () => {
      throw new Error('fixture server not implemented yet');
    });
}
