/**
 * Turns what a run accumulated into Results: the same assembly for a single-machine run, the collector of a
 * distributed run, and a runner writing its own partial results when its collector is gone.
 */
import { arch, cpus, hostname, platform, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Accumulator } from '../metrics/accumulator.js';
import { buildSeries } from '../metrics/timeline.js';
import { buildResults } from '../metrics/results.js';
import { evaluateThresholds } from '../metrics/thresholds.js';
import type { HealthSummary, MachineInfo, Results, ResultsMeta } from '../metrics/model.js';
import { describeProfile, totalDurationMs, type LoadProfile } from './profile.js';

export function pkgVersion(name: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    hostname: hostname(),
    platform: platform(),
    arch: arch(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
  };
}

export interface AssembleInput {
  scenario: string;
  target: string;
  profile: LoadProfile;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  accumulator: Accumulator;
  health: HealthSummary;
  versions: Readonly<Record<string, string>>;
  variants?: string[] | undefined;
  interrupted?: string | undefined;
  thresholds: readonly string[];
  runners?: ResultsMeta['runners'];
  visual?: Results['visual'];
}

export function assembleResults(input: AssembleInput): Results {
  const { accumulator } = input;
  const results = buildResults({
    meta: {
      tool: { name: 'rookery', version: pkgVersion('rookery') ?? '0.0.0' },
      versions: input.versions,
      target: input.target,
      scenario: input.scenario,
      startedAt: new Date(input.startedAt).toISOString(),
      endedAt: new Date(input.endedAt).toISOString(),
      durationMs: input.endedAt - input.startedAt,
      machine: machineInfo(),
      load: { description: describeProfile(input.profile), ...input.profile, plannedMs: totalDurationMs(input.profile) },
      ...(input.variants ? { variants: input.variants } : {}),
      ...(input.runners ? { runners: input.runners } : {}),
      ...(input.interrupted ? { interrupted: input.interrupted } : {}),
    },
    totals: accumulator.totals(),
    series: buildSeries(accumulator.intervals(), { startedAt: input.startedAt, intervalMs: accumulator.intervalMs }),
    thresholds: [],
    health: input.health,
    ...(input.visual ? { visual: input.visual } : {}),
  });
  results.thresholds = evaluateThresholds(input.thresholds, results);
  return results;
}
