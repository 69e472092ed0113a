/**
 * `rookery/backends`: where the runners of a distributed `run({ runners: { runners, backend } })` come from, the
 * same backends as `rookery run --runners N --backend …`. A package entry of its own, so that importing 'rookery'
 * never loads the Kubernetes client.
 */
export { LocalBackend, type LocalBackendOptions } from '../cluster/backends/local.js';
export { DockerBackend, type DockerBackendOptions } from '../cluster/backends/docker.js';
export { KubernetesBackend, type KubernetesBackendOptions } from '../cluster/backends/kubernetes.js';
export { ManualBackend, type ManualBackendOptions } from '../cluster/backends/manual.js';
export type { RunnerBackend, BackendLaunch, BackendName } from '../cluster/backends/types.js';
