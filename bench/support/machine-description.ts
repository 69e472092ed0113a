/** What the numbers were measured on: cores, memory, CPU model, Chromium, Node, Playwright. */
import { cpus, totalmem, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { discoverChromium } from '../../src/browser/discover.js';

export interface MachineDescription {
  cores: number;
  memoryGiB: number;
  cpuModel: string;
  node: string;
  playwright: string;
  chromium: string;
  chromiumPath: string;
  headlessShell: boolean;
  load1AtStart: number;
}

export function describeMachine(): MachineDescription {
  const require = createRequire(import.meta.url);
  let playwright = 'unknown';
  try {
    playwright = (require('playwright/package.json') as { version: string }).version;
  } catch {
    // not resolvable from here
  }
  const found = discoverChromium();
  let chromium = 'unknown';
  try {
    chromium = execFileSync(found.executablePath, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    // some builds refuse --version without a display; the run's results name it anyway
  }
  return {
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    playwright,
    chromium,
    chromiumPath: found.executablePath,
    headlessShell: found.headlessShell,
    load1AtStart: loadavg()[0] ?? 0,
  };
}
