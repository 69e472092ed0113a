/**
 * Where calibrations live and how they are read back: `.rookery/calibration-<scenario>.json` in the working
 * directory, valid only on the machine that measured it (same host name and core count).
 */
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { machineCapacity } from '../health/machine.js';
import { validateCalibration, type Calibration } from './capacity.js';

/** Where `rookery run` looks for a scenario's calibration: `.rookery/calibration-<scenario>.json` in the cwd. */
export function calibrationPath(scenario: string, cwd = process.cwd()): string {
  return join(cwd, '.rookery', `calibration-${scenario.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

export function readCalibration(file: string): Calibration {
  return validateCalibration(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}

/** The calibration of `scenario` for this machine, when one exists (another machine's figures do not apply). */
export function findCalibration(scenario: string, cwd = process.cwd()): Calibration | undefined {
  const file = calibrationPath(scenario, cwd);
  if (!existsSync(file)) return undefined;
  const c = readCalibration(file);
  return c.machine.hostname === hostname() && c.machine.cores === machineCapacity().cores ? c : undefined;
}

export function writeCalibration(c: Calibration, file = calibrationPath(c.scenario)): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(c, null, 2)}\n`);
  return file;
}
