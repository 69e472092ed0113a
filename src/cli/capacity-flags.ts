/** `rookery run` flags for the ramp governor, pre-warm and calibrated capacity (kept apart from the common flags). */
import type { Command } from 'commander';
import { readCalibration } from '../load/calibration-file.js';
import type { CapacityOptions } from '../load/run-local.js';

export interface CapacityFlags {
  prewarm?: boolean;
  /** commander's `--no-governor` sets this to false. */
  governor?: boolean;
  calibration?: string;
}

export function capacityRunFlags(cmd: Command): Command {
  return cmd
    .option('--prewarm', "open the pool's browser contexts before the load starts, so the ramp measures the app")
    .option('--no-governor', 'open contexts as fast as the profile asks (default: paced by the CPU budget)')
    .option('--calibration <file|none>', 'measured costs from `rookery calibrate` (default: .rookery/calibration-<scenario>.json when measured on this machine)');
}

export function capacityFrom(f: CapacityFlags): CapacityOptions {
  const out: CapacityOptions = {};
  if (f.prewarm) out.prewarm = true;
  if (f.governor === false) out.governor = false;
  if (f.calibration === 'none') out.calibration = false;
  else if (f.calibration !== undefined) out.calibration = readCalibration(f.calibration);
  return out;
}
