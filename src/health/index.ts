/**
 * Harness self-health: is the load generator itself the bottleneck? HealthSampler measures event-loop lag,
 * CPU and memory of Node and its Chromium processes; healthVerdict judges a run; formatHealthLine prints one.
 */
export { HealthSampler, type HealthSample, type HealthSamplerOptions, type MetricsSink, type ChromiumMemorySource } from './sampler.js';
export { healthVerdict, DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './verdict.js';
export { formatHealthLine, sampleWarnings } from './format.js';
export { EventLoopLagProbe, lagStats, combinedLagQuantile, LAG_BUCKET_BOUNDS_MS, type LagStats } from './lag.js';
export { machineCapacity, type MachineCapacity } from './machine.js';
