/**
 * Rookery's public API, imported by scenario files as `import { defineScenario } from 'rookery'`.
 * Pipeline (one folder per stage): scenario → load → browser → probe → liveview → metrics → cluster → report.
 */
export { defineScenario } from './scenario/define.js';
export type {
  ActionTiming,
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
export type { Results, Snapshot } from './metrics/model.js';
export { HISTOGRAMS, COUNTERS, GAUGES } from './metrics/catalog.js';
