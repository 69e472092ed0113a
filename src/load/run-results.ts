/**
 * Turns what a run accumulated into Results: the same assembly for a single-machine run, the collector of a
 * distributed run, and a runner writing its own partial results when its collector is gone.
 */
import { arch, cpus, hostname, platform, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Accumulator } from '../metrics/accumulator.js';
import { buildSeries } from '../metrics/timeline.js';
import { buildResults } from '../metrics/results.js';
import { evaluateThresholds } from '../metrics/thresholds.js';
import type { HealthSummary, MachineInfo, Results, ResultsMeta } from '../metrics/model.js';
import { describeProfile, totalDurationMs, type LoadProfile } from './profile.js';
import { tagIntervals } from './phases.js';
import { STEADY, windowFigures } from '../metrics/windows.js';
import { withProbeFloor } from '../health/verdict.js';

/**
 * A dependency's version. Some packages (phoenix_live_view) do not export `./package.json`, so we resolve
 * the package's entry and walk up to its package.json.
 */
export function pkgVersion(name: string): string | undefined {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(`${name}/package.json`);
  } catch {
    try {
      entry = require.resolve(name);
    } catch {
      return undefined;
    }
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return undefined;
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
  /** Sequential variants: the mode and each variant's segment. */
  variantMode?: ResultsMeta['variantMode'];
  segments?: ResultsMeta['segments'];
  server?: Results['server'];
  /** When the load schedule began (epoch ms); default `startedAt`. Phases of intervals are counted from it. */
  loadStartedAt?: number | undefined;
}

export function assembleResults(input: AssembleInput): Results {
  const { accumulator } = input;
  const intervals = accumulator.intervals();
  const tags = tagIntervals(intervals, input.profile, input.startedAt, input.loadStartedAt ?? input.startedAt);
  const totals = accumulator.totals();
  // Segments are planned on the load's clock; results (series.t, server.t) count from the run's start.
  const loadOffset = (input.loadStartedAt ?? input.startedAt) - input.startedAt;
  const segments = input.segments?.map((s) => ({ ...s, startMs: s.startMs + loadOffset, holdEndMs: s.holdEndMs + loadOffset, endMs: s.endMs + loadOffset }));
  const steady = tags.some((t) => t.phase === 'hold') ? windowFigures(intervals, tags, STEADY, { onlyTimings: true }) : undefined;
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
      ...(input.variants ? { variants: input.variants, variantMode: input.variantMode ?? 'interleaved' } : {}),
      ...(segments ? { segments } : {}),
      ...(input.runners ? { runners: input.runners } : {}),
      ...(input.interrupted ? { interrupted: input.interrupted } : {}),
    },
    totals,
    series: buildSeries(intervals, { startedAt: input.startedAt, intervalMs: accumulator.intervalMs, tags }),
    thresholds: [],
    health: withProbeFloor(input.health, totals.histograms),
    ...(input.visual ? { visual: input.visual } : {}),
  });
  if (input.server) results.server = input.server;
  if (steady) results.steady = steady;
  results.thresholds = evaluateThresholds(input.thresholds, results, (sel) => windowFigures(intervals, tags, sel));
  return results;
}
