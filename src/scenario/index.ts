/**
 * scenario/: what one simulated person does — the scenario API (define.ts), loading a scenario file or a shipped
 * bundle, and per-user data feeders.
 */
export { defineScenario, isScenario } from './define.js';
export { bundleScenario, loadScenario, loadScenarioFromBundle, sha256, type LoadBundleOptions, type LoadedScenario, type LoadScenarioOptions, type ScenarioBundle } from './load.js';
export { loadFeeder, parseCsv, type Feeder, type FeederRow } from './feeder.js';
export { ScenarioError, type ScenarioErrorKind } from './scenario-error.js';
