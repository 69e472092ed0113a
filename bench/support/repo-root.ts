/** The repository root, found from this module's URL (benches run bundled from .bench-out/, not from bench/). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'bin', 'rookery.js'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('bench: cannot find the repository root (bin/rookery.js) above ' + fileURLToPath(import.meta.url));
}
