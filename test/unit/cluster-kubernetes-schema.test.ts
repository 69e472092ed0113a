// The Kubernetes backend's objects against the Kubernetes API schema (kubernetes-models: the official OpenAPI
// definitions): what rookery generates passes for every option, and a broken object fails with the field named.
import { describe, expect, it } from 'vitest';
import type { V1Job } from '@kubernetes/client-node';
import { runnerManifests } from '../../src/cluster/backends/kubernetes-manifests.js';
import { ManifestValidationError, manifestProblems, validateManifests } from '../../src/cluster/backends/kubernetes-validate.js';
import { KubernetesBackend, type KubeClients } from '../../src/cluster/backends/kubernetes.js';

const base = { image: 'registry.example/rookery:0.1.0', runId: 'abc123-x1', count: 4, joinUrl: 'ws://collector.load.svc:7700', token: 'tok-0123456789abcdef', runnerArgs: ['--capacity', '40'] };
const full = {
  ...base,
  namespace: 'load',
  cpu: '1500m',
  memory: '4Gi',
  env: { TZ: 'UTC' },
  serviceAccount: 'rookery',
  imagePullPolicy: 'IfNotPresent' as const,
  imagePullSecret: 'regcred',
  nodeSelector: { pool: 'load' },
  shmSize: '2Gi',
  activeDeadlineSeconds: 600,
  ttlSecondsAfterFinished: 60,
};

/** A deep copy of the generated Job with one change: what a bug in kubernetes-manifests.ts could produce. */
function brokenJob(edit: (job: V1Job) => void): V1Job {
  const job = structuredClone(runnerManifests(base).job);
  edit(job);
  return job;
}

describe('kubernetes manifests against the API schema', () => {
  it('the Secret and the Job rookery generates are valid, with defaults and with every option set', async () => {
    for (const input of [base, full, { ...base, cpu: '2', memory: '512Mi' }, { ...base, count: 1 }]) {
      const m = runnerManifests(input);
      expect(await manifestProblems([m.secret, m.job])).toEqual([]);
    }
  });

  it('a deliberately broken Job fails validation, each problem naming the field', async () => {
    const job = brokenJob((j) => {
      const c = j.spec!.template.spec!.containers[0]!;
      c.resources = { limits: { cpu: 'two cores' } }; // not a resource quantity
      delete (c as { name?: string }).name; // required
      (j.spec as { completions: unknown }).completions = 'four'; // an integer
    });
    const problems = await manifestProblems([job]);
    expect(problems).toContain('Job/rookery-abc123-x1: /spec/template/spec/containers/0 must have required property name');
    expect(problems).toContain('Job/rookery-abc123-x1: /spec/completions must be integer');
    expect(problems.some((p) => p.startsWith('Job/rookery-abc123-x1: /spec/template/spec/containers/0/resources/limits/cpu must match format "quantity"'))).toBe(true);
    const err = await validateManifests([job]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestValidationError);
    expect((err as Error).message).toMatch(/^kubernetes manifests do not match the Kubernetes API schema:\n {2}- Job\/rookery-abc123-x1: /);
  });

  it('a broken Secret, a Job without its pod template, and an unknown kind fail too', async () => {
    const secret = { ...runnerManifests(base).secret, stringData: { token: 42 } } as unknown as Parameters<typeof manifestProblems>[0][number];
    expect(await manifestProblems([secret])).toEqual(['Secret/rookery-abc123-x1-token: /stringData/token must be string']);
    const noTemplate = brokenJob((j) => delete (j.spec as { template?: unknown }).template);
    expect(await manifestProblems([noTemplate])).toEqual(['Job/rookery-abc123-x1: /spec must have required property template']);
    expect(await manifestProblems([{ apiVersion: 'batch/v2', kind: 'Job', metadata: { name: 'x' } }])).toEqual(['Job/x: no schema for apiVersion "batch/v2" kind "Job"']);
  });

  it('the backend refuses to create anything from an invalid manifest (a bad --k8s-cpu), before any API call', async () => {
    const calls: string[] = [];
    const never = (name: string) => async (): Promise<never> => {
      calls.push(name);
      throw new Error('not expected');
    };
    const clients: KubeClients = {
      batch: { createNamespacedJob: never('createNamespacedJob'), deleteNamespacedJob: never('deleteNamespacedJob') },
      core: { createNamespacedSecret: never('createNamespacedSecret'), deleteNamespacedSecret: never('deleteNamespacedSecret'), listNamespacedPod: never('listNamespacedPod') },
    };
    const backend = new KubernetesBackend({ image: 'img:1', cpu: 'two', clients });
    await expect(backend.launch({ count: 2, joinUrl: 'ws://10.0.0.5:7700', token: 't'.repeat(32), runId: 'run-1', runnerArgs: [], log: () => {} })).rejects.toThrow(/resources\/limits\/cpu must match format "quantity"/);
    expect(calls).toEqual([]);
  });
});
