/** Runner backends: where runner processes come from (local children, local containers, a Kubernetes Job, or by hand). */
export { BACKEND_NAMES, type BackendLaunch, type BackendName, type RunnerBackend } from './types.js';
export { LocalBackend, rookeryBin, type LocalBackendOptions } from './local.js';
export { DockerBackend, dockerRunArgs, containerName, DEFAULT_DOCKER_IMAGE, DOCKER_RUN_LABEL, type DockerOptions, type DockerBackendOptions } from './docker.js';
export { ManualBackend, runnerCommand, type ManualBackendOptions } from './manual.js';
export { KubernetesBackend, defaultKubeClients, type KubeClients, type KubernetesBackendOptions } from './kubernetes.js';
export { runnerManifests, manifestsForPrinting, jobName, RUN_LABEL, type KubernetesOptions, type ManifestInput, type RunnerManifests } from './kubernetes-manifests.js';
export { validateManifests, manifestProblems, ManifestValidationError, type KubeObject } from './kubernetes-validate.js';
