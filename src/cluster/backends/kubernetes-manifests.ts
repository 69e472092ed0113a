/**
 * The Kubernetes objects of a distributed run, as pure data (unit-tested; printed by `--dry-run`):
 * - a Secret holding the token (runners read it as ROOKERY_TOKEN; it never appears in a pod spec or argv);
 * - an Indexed Job with `count` pods, each a `rookery runner` dialling the collector. backoffLimit 0: a lost
 *   runner is not retried by Kubernetes — the collector re-slices its users to the survivors, and a late
 *   replacement would be refused anyway. /dev/shm is a memory volume (Chromium needs more than the default
 *   64 MiB), and activeDeadlineSeconds bounds a run whose collector vanished.
 */
import type { V1Job, V1Secret, V1EnvVar, V1ResourceRequirements } from '@kubernetes/client-node';

export interface KubernetesOptions {
  /** Runner image (see the Dockerfile at the repository root). */
  image: string;
  /** Default 'default'. */
  namespace?: string;
  /** CPU per runner pod, request = limit (e.g. '2'). */
  cpu?: string;
  /** Memory per runner pod, request = limit (e.g. '4Gi'). */
  memory?: string;
  /** Extra environment for runners (never the token). */
  env?: Readonly<Record<string, string>>;
  serviceAccount?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSecret?: string;
  nodeSelector?: Readonly<Record<string, string>>;
  /** Size of the /dev/shm memory volume. Default '1Gi'. */
  shmSize?: string;
  /** Kubernetes kills the Job after this long whatever happens. Default 6 h. */
  activeDeadlineSeconds?: number;
  /** Finished Jobs are garbage-collected after this long (if the collector could not delete it). Default 1 h. */
  ttlSecondsAfterFinished?: number;
}

export interface ManifestInput extends KubernetesOptions {
  runId: string;
  count: number;
  joinUrl: string;
  token: string;
  /** Extra `rookery runner` flags. */
  runnerArgs: readonly string[];
}

export interface RunnerManifests {
  namespace: string;
  secret: V1Secret;
  job: V1Job;
}

export const RUN_LABEL = 'rookery.dev/run';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function jobName(runId: string): string {
  const name = `rookery-${runId}`;
  if (name.length > 52 || !DNS_LABEL.test(name)) throw new Error(`run id ${JSON.stringify(runId)} does not make a valid Job name (lowercase letters, digits, dashes; ≤ 44 characters)`);
  return name;
}

export function runnerManifests(input: ManifestInput): RunnerManifests {
  if (!input.image) throw new Error('kubernetes backend: an image is required (--k8s-image)');
  if (!Number.isSafeInteger(input.count) || input.count < 1) throw new Error(`kubernetes backend: runner count ${input.count} must be ≥ 1`);
  const namespace = input.namespace ?? 'default';
  const name = jobName(input.runId);
  const secretName = `${name}-token`;
  const labels = { 'app.kubernetes.io/name': 'rookery', 'app.kubernetes.io/component': 'runner', [RUN_LABEL]: input.runId };
  for (const k of Object.keys(input.env ?? {})) {
    if (k === 'ROOKERY_TOKEN') throw new Error('kubernetes backend: ROOKERY_TOKEN comes from the run\'s Secret; do not pass it with --k8s-env');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`kubernetes backend: ${JSON.stringify(k)} is not an environment variable name`);
  }
  const env: V1EnvVar[] = [
    { name: 'ROOKERY_TOKEN', valueFrom: { secretKeyRef: { name: secretName, key: 'token' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ...Object.entries(input.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
  ];
  const quantities: Record<string, string> = {};
  if (input.cpu) quantities.cpu = input.cpu;
  if (input.memory) quantities.memory = input.memory;
  const resources: V1ResourceRequirements = Object.keys(quantities).length > 0 ? { requests: { ...quantities }, limits: { ...quantities } } : {};
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace, labels },
    type: 'Opaque',
    stringData: { token: input.token },
  };
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions: input.count,
      parallelism: input.count,
      backoffLimit: 0,
      activeDeadlineSeconds: input.activeDeadlineSeconds ?? 6 * 3600,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished ?? 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 30,
          ...(input.serviceAccount ? { serviceAccountName: input.serviceAccount } : {}),
          ...(input.nodeSelector ? { nodeSelector: { ...input.nodeSelector } } : {}),
          ...(input.imagePullSecret ? { imagePullSecrets: [{ name: input.imagePullSecret }] } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 },
          containers: [
            {
              name: 'runner',
              image: input.image,
              ...(input.imagePullPolicy ? { imagePullPolicy: input.imagePullPolicy } : {}),
              // Kubernetes expands $(POD_NAME) from the container's environment.
              args: ['runner', '--join', input.joinUrl, '--name', '$(POD_NAME)', ...input.runnerArgs],
              env,
              resources,
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
            },
          ],
          volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: input.shmSize ?? '1Gi' } }],
        },
      },
    },
  };
  return { namespace, secret, job };
}

/** The manifests as `kubectl apply -f -` input, with the token replaced by a placeholder. */
export function manifestsForPrinting(m: RunnerManifests): string {
  const secret: V1Secret = { ...m.secret, stringData: { token: '<the run token: set it with --token or ROOKERY_TOKEN>' } };
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [secret, m.job] }, null, 2)}\n`;
}
