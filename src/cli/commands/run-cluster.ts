/**
 * `rookery run … --runners N`: the distributed flavour of `run` (the collector lives in this process). Adds the
 * cluster flags to `run` and turns them into run()'s `runners` options (a backend, ports, timeouts); without
 * --runners, `run` is untouched.
 */
import type { CapacityFlags } from '../capacity-flags.js';
import type { MetricsFlags } from '../metrics-flags.js';
import { runScenarioCommand, type ConfigFlags } from '../run-command.js';
import { Option, type Command } from 'commander';
import { BACKEND_NAMES, type BackendName, type RunnerBackend } from '../../cluster/backends/types.js';
import { LocalBackend } from '../../cluster/backends/local.js';
import { ManualBackend } from '../../cluster/backends/manual.js';
import { DockerBackend, DEFAULT_DOCKER_IMAGE } from '../../cluster/backends/docker.js';
import { KubernetesBackend } from '../../cluster/backends/kubernetes.js';
import { manifestsForPrinting, runnerManifests } from '../../cluster/backends/kubernetes-manifests.js';
import { validateManifests } from '../../cluster/backends/kubernetes-validate.js';
import { generateToken } from '../../cluster/auth.js';
import { parseDuration } from '../../load/duration.js';
import type { RunFlags } from '../run-support.js';

export interface ClusterFlags {
  runners?: number;
  minRunners?: number;
  backend: BackendName;
  token?: string;
  bootTimeout?: string;
  onRunnerLoss: 'rebalance' | 'continue';
  collectorHost?: string;
  collectorPort?: number;
  advertise?: string;
  controlPort?: number;
  capacity?: number;
  browserEndpoint?: string;
  partialDir?: string;
  idleTimeout?: string;
  dockerImage?: string;
  dockerCpus?: string;
  dockerMemory?: string;
  dockerShmSize?: string;
  dockerEnv?: string[];
  k8sImage?: string;
  k8sNamespace?: string;
  k8sCpu?: string;
  k8sMemory?: string;
  k8sEnv?: string[];
  k8sServiceAccount?: string;
  k8sPullSecret?: string;
  dryRun?: boolean;
}

const count = (what: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${what}: ${JSON.stringify(v)} is not a whole number ≥ ${min}`);
  return n;
};
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function clusterRunFlags(cmd: Command): Command {
  return cmd
    .option('--runners <n>', 'distributed run: start N runners (the pool max) and collect their results here', count('--runners', 1))
    .option('--min-runners <n>', 'start with at least this many when the boot timeout passes (default: all)', count('--min-runners', 1))
    .addOption(new Option('--backend <name>', 'where runners come from').choices([...BACKEND_NAMES]).default('local'))
    .option('--token <token>', 'shared secret runners must prove (default: $ROOKERY_TOKEN, else generated)')
    .option('--boot-timeout <duration>', 'how long to wait for runners to join (default 60s with the local and docker backends, 5m otherwise)')
    .addOption(new Option('--on-runner-loss <mode>', "a lost runner's users: re-assign to survivors, or continue short").choices(['rebalance', 'continue']).default('rebalance'))
    .option('--collector-host <host>', 'interface the collector listens on (default 127.0.0.1; 0.0.0.0 for runners elsewhere)')
    .option('--collector-port <port>', 'collector port (default: a free port with the local and docker backends, 7700 otherwise)', count('--collector-port', 0))
    .option('--advertise <url>', 'the ws:// address runners dial, when not the listening one (NAT, Service, load balancer)')
    .option('--control-port <port>', 'loopback control endpoint port for `rookery ctl` (default: free port)', count('--control-port', 0))
    .option('--capacity <n>', 'runners: users each can hold (their weight; default from memory)', count('--capacity', 1))
    .option('--browser-endpoint <url>', 'runners: drive remote browsers here (Playwright server or CDP) instead of launching')
    .option('--partial-dir <dir>', 'runners: where to write partial results if the collector is lost')
    .option('--idle-timeout <duration>', 'runners: leave when given no work for this long (default 5m)')
    .option('--docker-image <image>', `docker: runner image (default ${DEFAULT_DOCKER_IMAGE}; build it from the Dockerfile)`)
    .option('--docker-cpus <n>', 'docker: CPUs per runner container, e.g. 1 or 0.5')
    .option('--docker-memory <size>', 'docker: memory per runner container, e.g. 2g')
    .option('--docker-shm-size <size>', "docker: /dev/shm size (default: the engine's; rookery's Chromium does not need it)")
    .option('--docker-env <KEY=VALUE>', 'docker: environment for runners (repeatable)', collect)
    .option('--k8s-image <image>', 'kubernetes: runner image (see the Dockerfile)')
    .option('--k8s-namespace <ns>', 'kubernetes: namespace (default "default")')
    .option('--k8s-cpu <cpu>', 'kubernetes: CPU per runner pod, e.g. 2')
    .option('--k8s-memory <mem>', 'kubernetes: memory per runner pod, e.g. 4Gi')
    .option('--k8s-env <KEY=VALUE>', 'kubernetes: environment for runners (repeatable)', collect)
    .option('--k8s-service-account <name>', 'kubernetes: service account of runner pods')
    .option('--k8s-pull-secret <name>', 'kubernetes: image pull secret')
    .option('--dry-run', 'kubernetes: print the manifests and exit');
}

export function runnerArgsFrom(f: ClusterFlags): string[] {
  const args: string[] = [];
  if (f.capacity !== undefined) args.push('--capacity', String(f.capacity));
  if (f.browserEndpoint) args.push('--browser-endpoint', f.browserEndpoint);
  if (f.partialDir) args.push('--partial-dir', f.partialDir);
  if (f.idleTimeout) args.push('--idle-timeout', f.idleTimeout);
  return args;
}

function envPairs(list: readonly string[] | undefined, flag = '--k8s-env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`${flag}: ${JSON.stringify(kv)} is not KEY=VALUE`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

function kubernetesOptions(f: ClusterFlags) {
  if (!f.k8sImage) throw new Error('--backend kubernetes needs --k8s-image (build one from the Dockerfile at the rookery repository root)');
  return {
    image: f.k8sImage,
    ...(f.k8sNamespace ? { namespace: f.k8sNamespace } : {}),
    ...(f.k8sCpu ? { cpu: f.k8sCpu } : {}),
    ...(f.k8sMemory ? { memory: f.k8sMemory } : {}),
    env: envPairs(f.k8sEnv),
    ...(f.k8sServiceAccount ? { serviceAccount: f.k8sServiceAccount } : {}),
    ...(f.k8sPullSecret ? { imagePullSecret: f.k8sPullSecret } : {}),
  };
}

function backendFor(f: ClusterFlags, log: (line: string) => void): RunnerBackend {
  if (f.backend === 'kubernetes') return new KubernetesBackend(kubernetesOptions(f));
  if (f.backend === 'manual') return new ManualBackend({ print: (t) => log(t.trimEnd()), tokenFromEnv: !f.token && Boolean(process.env.ROOKERY_TOKEN) });
  if (f.backend === 'docker') {
    return new DockerBackend({
      ...(f.dockerImage ? { image: f.dockerImage } : {}),
      ...(f.dockerCpus ? { cpus: f.dockerCpus } : {}),
      ...(f.dockerMemory ? { memory: f.dockerMemory } : {}),
      ...(f.dockerShmSize ? { shmSize: f.dockerShmSize } : {}),
      env: envPairs(f.dockerEnv, '--docker-env'),
    });
  }
  return new LocalBackend();
}

export async function runClusterCommand(scenarioFile: string, flags: RunFlags & ClusterFlags & MetricsFlags & ConfigFlags & CapacityFlags): Promise<number> {
  const runners = flags.runners as number;
  // Docker runners share the host's network: like local ones, they dial the collector on loopback.
  const local = flags.backend === 'local' || flags.backend === 'docker';
  const port = flags.collectorPort ?? (local ? 0 : 7700);
  if (flags.dryRun) {
    if (flags.backend !== 'kubernetes') throw new Error('--dry-run applies to --backend kubernetes');
    const host = flags.collectorHost && flags.collectorHost !== '0.0.0.0' ? flags.collectorHost : '<collector-address>';
    const m = runnerManifests({
      ...kubernetesOptions(flags),
      runId: 'dry-run',
      count: runners,
      joinUrl: flags.advertise ?? `ws://${host}:${port}`,
      token: flags.token ?? generateToken(),
      runnerArgs: runnerArgsFrom(flags),
    });
    await validateManifests([m.secret, m.job]);
    process.stdout.write(manifestsForPrinting(m));
    return 0;
  }
  if (!local && !flags.collectorHost && !flags.advertise) {
    throw new Error(`--backend ${flags.backend}: runners on other machines cannot reach 127.0.0.1; pass --collector-host 0.0.0.0 (and --advertise ws://ADDRESS:${port} if they must dial another address)`);
  }
  return runScenarioCommand(scenarioFile, flags, {
    cluster: (log) => ({
      runners,
      // --prewarm / --no-governor apply to each runner's pool (a calibration is each runner's own: --calibration on `rookery runner`).
      capacity: { ...(flags.prewarm ? { prewarm: true } : {}), ...(flags.governor === false ? { governor: false } : {}) },
      ...(flags.minRunners !== undefined ? { minRunners: flags.minRunners } : {}),
      backend: backendFor(flags, log),
      ...((flags.token ?? process.env.ROOKERY_TOKEN) ? { token: flags.token ?? process.env.ROOKERY_TOKEN } : {}),
      ...(flags.collectorHost ? { collectorHost: flags.collectorHost } : {}),
      collectorPort: port,
      ...(flags.advertise ? { advertise: flags.advertise } : {}),
      bootTimeoutMs: flags.bootTimeout ? parseDuration(flags.bootTimeout, '--boot-timeout') : local ? 60_000 : 300_000,
      onRunnerLoss: flags.onRunnerLoss,
      runnerArgs: runnerArgsFrom(flags),
      control: { ...(flags.controlPort !== undefined ? { port: flags.controlPort } : {}) },
      onListening: ({ controlUrl }) => {
        if (controlUrl) log(`control: ${controlUrl} — change load with \`rookery ctl add 10\` / \`rookery ctl remove 10\``);
      },
    }),
  });
}
