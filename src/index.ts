/**
 * Rookery's public API: `import { run, readResults, compare, renderReport, defineScenario, defineConfig } from
 * 'rookery'`. Scenario files import `defineScenario` from here; scripts and CI jobs run load with `run()`.
 * Pipeline (one folder per stage): scenario → load → browser → probe → liveview → metrics → cluster → report.
 */
export { defineScenario } from './scenario/define.js';
export { run, RunHandle } from './api/run.js';
export { brokenRunLines } from './load/run-verdict.js';
export type { RunOptions, RunSettings, RunEvents, ClusterRunOptions } from './api/run.js';
export type { RunOutputs } from './api/outputs.js';
export { defineConfig, findConfigFile, CONFIG_FILE_NAMES } from './api/config.js';
export type { RookeryConfig } from './api/config.js';
export { readResults, compare, formatComparison, renderReport } from './api/results.js';
export type { CompareRunsOptions, RenderReportOptions } from './api/results.js';
export type { Comparison } from './report/compare.js';
export type { ProgressState } from './load/progress-state.js';
export type { CapacityOptions } from './load/run-local.js';
export type {
  ActionTiming,
  ArrivalLoad,
  ConstantLoad,
  LoadSpec,
  StagesLoad,
  Duration,
  InputMode,
  LiveViewVerbs,
  MountTiming,
  Scenario,
  ScenarioOptions,
  SetupContext,
  SnapshotOptions,
  Stage,
  Throttle,
  ThrottleSpec,
  User,
} from './scenario/define.js';
export type { SocketEvent } from './liveview/socket-events.js';
export type { Observation, DiffAnatomy } from './liveview/observations.js';
export type { Results, Interval } from './metrics/model.js';
export { HISTOGRAMS, COUNTERS, GAUGES } from './metrics/catalog.js';
