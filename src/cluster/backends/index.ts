/** Runner backends: where runner processes come from (local children, a Kubernetes Job, or by hand). */
export { BACKEND_NAMES, type BackendLaunch, type BackendName, type RunnerBackend } from './types.js';
export { LocalBackend, rookeryBin, type LocalBackendOptions } from './local.js';
export { ManualBackend, runnerCommand, type ManualBackendOptions } from './manual.js';
export { KubernetesBackend, defaultKubeClients, type KubeClients, type KubernetesBackendOptions } from './kubernetes.js';
export { runnerManifests, manifestsForPrinting, jobName, RUN_LABEL, type KubernetesOptions, type ManifestInput, type RunnerManifests } from './kubernetes-manifests.js';
