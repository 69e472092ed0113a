/**
 * Rookery's public API, imported by scenario files as `import { defineScenario } from 'rookery'`.
 * Pipeline (one folder per stage): scenario → load → browser → probe → liveview → metrics → cluster → report.
 */
export type { SocketEvent } from './liveview/socket-events.js';
export type { Observation, DiffAnatomy } from './liveview/observations.js';
export { HISTOGRAMS, COUNTERS, GAUGES } from './metrics/catalog.js';
