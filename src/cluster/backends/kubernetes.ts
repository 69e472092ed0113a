/**
 * `--backend kubernetes`: runners as an Indexed Job (see kubernetes-manifests.ts), created through
 * @kubernetes/client-node with the current kubeconfig (or the in-cluster service account). The collector waits
 * for the pods to dial in; at the end the Job (and its pods) and the token Secret are deleted: scale to zero.
 *
 * Not exercised against a live cluster in this repository's tests: they validate the manifests against the
 * Kubernetes API schema (kubernetes-validate.ts) and check the API calls against a typed fake of the client's
 * API objects (docs/distributed.md says how to run it for real).
 */
import type { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { RUN_LABEL, jobName, manifestsForPrinting, runnerManifests, type KubernetesOptions, type RunnerManifests } from './kubernetes-manifests.js';
import { validateManifests } from './kubernetes-validate.js';
import type { BackendLaunch, RunnerBackend } from './types.js';

/** The slice of the client's API objects this backend calls (the real ones, or fakes in tests). */
export interface KubeClients {
  batch: Pick<BatchV1Api, 'createNamespacedJob' | 'deleteNamespacedJob'>;
  core: Pick<CoreV1Api, 'createNamespacedSecret' | 'deleteNamespacedSecret' | 'listNamespacedPod'>;
}

/** API objects from the default kubeconfig ($KUBECONFIG, ~/.kube/config, or in-cluster). Loaded lazily: it is a big module. */
export async function defaultKubeClients(): Promise<KubeClients> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return { batch: kc.makeApiClient(k8s.BatchV1Api), core: kc.makeApiClient(k8s.CoreV1Api) };
}

export interface KubernetesBackendOptions extends KubernetesOptions {
  /** Print the manifests instead of creating anything. */
  dryRun?: boolean;
  /** Where dry-run manifests go. Default: stdout. */
  print?: (text: string) => void;
  /** Default: defaultKubeClients(). */
  clients?: KubeClients;
}

export class KubernetesBackend implements RunnerBackend {
  readonly name = 'kubernetes' as const;
  private created: { namespace: string; job?: string; secret?: string } | undefined;
  private clients: KubeClients | undefined;
  private runId: string | undefined;

  constructor(private readonly options: KubernetesBackendOptions) {}

  /** What launch() creates (or, with dryRun, prints). */
  manifests(req: BackendLaunch): RunnerManifests {
    return runnerManifests({ ...this.options, runId: req.runId, count: req.count, joinUrl: req.joinUrl, token: req.token, runnerArgs: req.runnerArgs });
  }

  async launch(req: BackendLaunch): Promise<void> {
    const m = this.manifests(req);
    // The API server would refuse a malformed object half-way (Secret created, Job not): refuse it here, whole.
    await validateManifests([m.secret, m.job]);
    if (this.options.dryRun) {
      (this.options.print ?? ((t: string) => process.stdout.write(t)))(manifestsForPrinting(m));
      return;
    }
    this.runId = req.runId;
    const clients = await this.api();
    const secretName = m.secret.metadata?.name as string;
    const name = m.job.metadata?.name as string;
    this.created = { namespace: m.namespace };
    try {
      await clients.core.createNamespacedSecret({ namespace: m.namespace, body: m.secret });
      this.created.secret = secretName;
      await clients.batch.createNamespacedJob({ namespace: m.namespace, body: m.job });
      this.created.job = name;
    } catch (err) {
      await this.shutdown(0);
      throw new Error(`kubernetes backend: could not create the runner Job in namespace ${m.namespace}: ${describeApiError(err)}`);
    }
    req.log(`created Job ${m.namespace}/${name} (${req.count} runner pods, image ${this.options.image}); waiting for them to join ${req.joinUrl}`);
  }

  /** Pod phases and waiting reasons (ImagePullBackOff, Unschedulable, …) when runners do not join. */
  async diagnose(): Promise<string | undefined> {
    if (!this.created || !this.runId) return undefined;
    try {
      const pods = await (await this.api()).core.listNamespacedPod({ namespace: this.created.namespace, labelSelector: `${RUN_LABEL}=${this.runId}` });
      if (pods.items.length === 0) return `no pods for Job ${this.created.job ?? jobName(this.runId)} yet (quota? admission?)`;
      return pods.items
        .map((p) => {
          const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
          const cond = p.status?.conditions?.find((c) => c.status === 'False' && c.reason);
          const why = waiting ? `${waiting.reason ?? 'waiting'}${waiting.message ? `: ${waiting.message}` : ''}` : (cond?.reason ?? '');
          return `${p.metadata?.name ?? '?'} ${p.status?.phase ?? '?'}${why ? ` (${why})` : ''}`;
        })
        .join('; ');
    } catch (err) {
      return `could not list pods: ${describeApiError(err)}`;
    }
  }

  /** Deletes the Job (pods in the background) and the Secret. Runners have been told goodbye; `graceMs` is not waited. */
  async shutdown(_graceMs?: number): Promise<void> {
    const c = this.created;
    if (!c) return;
    this.created = undefined;
    const clients = await this.api();
    const problems: string[] = [];
    if (c.job) {
      try {
        await clients.batch.deleteNamespacedJob({ name: c.job, namespace: c.namespace, propagationPolicy: 'Background' });
      } catch (err) {
        problems.push(`Job ${c.job}: ${describeApiError(err)}`);
      }
    }
    if (c.secret) {
      try {
        await clients.core.deleteNamespacedSecret({ name: c.secret, namespace: c.namespace });
      } catch (err) {
        problems.push(`Secret ${c.secret}: ${describeApiError(err)}`);
      }
    }
    if (problems.length > 0) throw new Error(`kubernetes backend: could not delete ${problems.join('; ')} (delete them by hand: kubectl -n ${c.namespace} delete job,secret -l ${RUN_LABEL})`);
  }

  private async api(): Promise<KubeClients> {
    this.clients ??= this.options.clients ?? (await defaultKubeClients());
    return this.clients;
  }
}

function describeApiError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; body?: unknown; message?: unknown };
    const body = typeof e.body === 'string' ? e.body : e.body !== undefined ? JSON.stringify(e.body) : '';
    const msg = typeof e.message === 'string' ? e.message : '';
    return [e.code !== undefined ? `HTTP ${String(e.code)}` : '', msg, body.slice(0, 300)].filter(Boolean).join(' ');
  }
  return String(err);
}
