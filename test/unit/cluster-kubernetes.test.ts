// The Kubernetes backend without a cluster: the manifests it generates, and the calls it makes on the client's
// API objects (a fake recording them). Not exercised against a live cluster here (see docs/distributed.md).
import { describe, expect, it } from 'vitest';
import type {
  BatchV1ApiCreateNamespacedJobRequest,
  BatchV1ApiDeleteNamespacedJobRequest,
  CoreV1ApiCreateNamespacedSecretRequest,
  CoreV1ApiDeleteNamespacedSecretRequest,
  CoreV1ApiListNamespacedPodRequest,
  V1Job,
  V1PodList,
  V1Secret,
  V1Status,
} from '@kubernetes/client-node';
import { RUN_LABEL, jobName, manifestsForPrinting, runnerManifests } from '../../src/cluster/backends/kubernetes-manifests.js';
import { KubernetesBackend, defaultKubeClients, type KubeClients } from '../../src/cluster/backends/kubernetes.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendLaunch } from '../../src/cluster/backends/types.js';

const TOKEN = 'tok-0123456789abcdef-secret';
const input = {
  image: 'registry.example/rookery:0.1.0',
  namespace: 'load',
  cpu: '2',
  memory: '4Gi',
  env: { TZ: 'UTC' },
  runId: 'abc123-x1',
  count: 4,
  joinUrl: 'ws://collector.load.svc:7700',
  token: TOKEN,
  runnerArgs: ['--capacity', '40'],
};

describe('kubernetes manifests', () => {
  const { namespace, secret, job } = runnerManifests(input);
  const pod = job.spec?.template.spec;
  const container = pod?.containers[0];

  it('an Indexed Job of N runner pods that never retries a lost runner', () => {
    expect(namespace).toBe('load');
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata?.name).toBe('rookery-abc123-x1');
    expect(job.metadata?.namespace).toBe('load');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 });
    expect(job.spec?.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.spec?.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(pod?.restartPolicy).toBe('Never');
    expect(job.metadata?.labels?.[RUN_LABEL]).toBe('abc123-x1');
    expect(job.spec?.template.metadata?.labels?.[RUN_LABEL]).toBe('abc123-x1');
  });

  it('runs `rookery runner` dialling the collector, with resources, /dev/shm in memory, no privileges', () => {
    expect(container?.image).toBe(input.image);
    expect(container?.args).toEqual(['runner', '--join', 'ws://collector.load.svc:7700', '--name', '$(POD_NAME)', '--capacity', '40']);
    expect(container?.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    expect(container?.volumeMounts).toEqual([{ name: 'dshm', mountPath: '/dev/shm' }]);
    expect(pod?.volumes?.[0]).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('the token lives only in the Secret; pods read it as ROOKERY_TOKEN through a secretKeyRef', () => {
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'rookery-abc123-x1-token', namespace: 'load' } });
    expect(secret.stringData).toEqual({ token: TOKEN });
    const env = container?.env ?? [];
    expect(env.find((e) => e.name === 'ROOKERY_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'rookery-abc123-x1-token', key: 'token' });
    expect(env.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(env.find((e) => e.name === 'TZ')?.value).toBe('UTC');
    expect(JSON.stringify(job)).not.toContain(TOKEN);
  });

  it('printing (--dry-run) redacts the token and gives kubectl a List', () => {
    const text = manifestsForPrinting(runnerManifests(input));
    expect(text).not.toContain(TOKEN);
    const list = JSON.parse(text) as { kind: string; items: Array<V1Secret | V1Job> };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.kind)).toEqual(['Secret', 'Job']);
  });

  it('refuses bad inputs clearly', () => {
    expect(() => runnerManifests({ ...input, image: '' })).toThrow(/image/);
    expect(() => runnerManifests({ ...input, count: 0 })).toThrow(/count/);
    expect(() => runnerManifests({ ...input, env: { ROOKERY_TOKEN: 'x' } })).toThrow(/Secret/);
    expect(() => runnerManifests({ ...input, env: { 'BAD-NAME': 'x' } })).toThrow(/environment variable/);
    expect(() => jobName('Upper_Case')).toThrow(/Job name/);
    expect(runnerManifests({ ...input, cpu: undefined, memory: undefined }).job.spec?.template.spec?.containers[0]?.resources).toEqual({});
  });
});

type Call = { method: string; param: object };

/** A fake of the client's API objects, typed against @kubernetes/client-node: a call it does not have fails to compile. */
function fakeClients(opts: { failJob?: boolean } = {}): { clients: KubeClients; calls: Call[] } {
  const calls: Call[] = [];
  const record = (method: string, param: object) => calls.push({ method, param });
  const status: V1Status = { kind: 'Status', apiVersion: 'v1', status: 'Success' };
  const clients: KubeClients = {
    batch: {
      async createNamespacedJob(param: BatchV1ApiCreateNamespacedJobRequest): Promise<V1Job> {
        record('createNamespacedJob', param);
        if (opts.failJob) throw Object.assign(new Error('forbidden'), { code: 403, body: { reason: 'Forbidden' } });
        return param.body;
      },
      async deleteNamespacedJob(param: BatchV1ApiDeleteNamespacedJobRequest): Promise<V1Status> {
        record('deleteNamespacedJob', param);
        return status;
      },
    },
    core: {
      async createNamespacedSecret(param: CoreV1ApiCreateNamespacedSecretRequest): Promise<V1Secret> {
        record('createNamespacedSecret', param);
        return param.body;
      },
      async deleteNamespacedSecret(param: CoreV1ApiDeleteNamespacedSecretRequest): Promise<V1Status> {
        record('deleteNamespacedSecret', param);
        return status;
      },
      async listNamespacedPod(param: CoreV1ApiListNamespacedPodRequest): Promise<V1PodList> {
        record('listNamespacedPod', param);
        return { items: [{ metadata: { name: 'rookery-x-0' }, status: { phase: 'Pending', containerStatuses: [{ name: 'runner', image: 'img:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } } }] } }] };
      },
    },
  };
  return { clients, calls };
}

const launch = (logs: string[]): BackendLaunch => ({ count: 3, joinUrl: 'ws://10.0.0.5:7700', token: TOKEN, runId: 'run-1', runnerArgs: [], log: (l) => logs.push(l) });

describe('kubernetes backend calls', () => {
  it('creates the Secret then the Job; shutdown deletes the Job (pods in the background) and the Secret', async () => {
    const { clients, calls } = fakeClients();
    const logs: string[] = [];
    const backend = new KubernetesBackend({ image: 'img:1', namespace: 'perf', clients });
    await backend.launch(launch(logs));
    expect(calls.map((c) => c.method)).toEqual(['createNamespacedSecret', 'createNamespacedJob']);
    expect((calls[0]?.param as CoreV1ApiCreateNamespacedSecretRequest).namespace).toBe('perf');
    expect((calls[0]?.param as CoreV1ApiCreateNamespacedSecretRequest).body.stringData).toEqual({ token: TOKEN });
    expect((calls[1]?.param as BatchV1ApiCreateNamespacedJobRequest).body.spec?.completions).toBe(3);
    expect(logs.join('\n')).toMatch(/created Job perf\/rookery-run-1 \(3 runner pods/);

    expect(await backend.diagnose()).toBe('rookery-x-0 Pending (ImagePullBackOff: not found)');
    expect(calls[2]).toEqual({ method: 'listNamespacedPod', param: { namespace: 'perf', labelSelector: `${RUN_LABEL}=run-1` } });

    await backend.shutdown();
    expect(calls.slice(3)).toEqual([
      { method: 'deleteNamespacedJob', param: { name: 'rookery-run-1', namespace: 'perf', propagationPolicy: 'Background' } },
      { method: 'deleteNamespacedSecret', param: { name: 'rookery-run-1-token', namespace: 'perf' } },
    ]);
    await backend.shutdown(); // idempotent
    expect(calls).toHaveLength(5);
  });

  it('when the Job cannot be created, the Secret already created is deleted and the error says why', async () => {
    const { clients, calls } = fakeClients({ failJob: true });
    const backend = new KubernetesBackend({ image: 'img:1', clients });
    await expect(backend.launch(launch([]))).rejects.toThrow(/could not create the runner Job in namespace default: HTTP 403 forbidden/);
    expect(calls.map((c) => c.method)).toEqual(['createNamespacedSecret', 'createNamespacedJob', 'deleteNamespacedSecret']);
  });

  it('--dry-run prints the manifests and calls nothing', async () => {
    const { clients, calls } = fakeClients();
    let printed = '';
    const backend = new KubernetesBackend({ image: 'img:1', clients, dryRun: true, print: (t) => (printed += t) });
    await backend.launch(launch([]));
    expect(calls).toEqual([]);
    expect(printed).toContain('"kind": "Job"');
    expect(printed).not.toContain(TOKEN);
  });
});

describe('the real client', () => {
  // The calls above go to a fake; this loads @kubernetes/client-node itself on the Node this runs on. Its 2.x
  // pulled in undici 8, which needs Node ≥ 22.19 and threw at import on Node 20: `--backend kubernetes` could not
  // start at all while every test above passed.
  it('loads and builds its API objects from a kubeconfig (no cluster contacted)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rookery-kubeconfig-'));
    const before = process.env.KUBECONFIG;
    try {
      const file = join(dir, 'config');
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:9" } }]',
          'users: [{ name: u, user: { token: t } }]',
          'contexts: [{ name: x, context: { cluster: c, user: u, namespace: load } }]',
          'current-context: x',
          '',
        ].join('\n'),
      );
      process.env.KUBECONFIG = file;
      const clients = await defaultKubeClients();
      expect(typeof clients.batch.createNamespacedJob).toBe('function');
      expect(typeof clients.core.listNamespacedPod).toBe('function');
    } finally {
      if (before === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
