/**
 * Issue 16: the runner image really runs, and `--backend docker` starts, limits and removes runner containers.
 * Needs a Docker engine and a base image on it (no registry is reachable here): `bash test/support/docker-engine.sh`
 * as root installs and starts the engine and imports a debootstrapped Debian base; without them this file skips
 * with a message. The image is (re)built from the Dockerfile in beforeAll through that same script: every layer
 * is cached after the first build, so only what changed is rebuilt.
 * Needs `npm run build` (the CLI child processes run bin/rookery.js).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import { DockerBackend, DOCKER_RUN_LABEL } from '../../src/cluster/backends/docker.js';
import { validateResults, type Results } from '../../src/metrics/results.js';
import { counterTotal } from '../support/cluster-run.js';
import { repoRoot } from '../support/bundle-child.js';

const IMAGE = process.env.ROOKERY_DOCKER_IMAGE ?? 'rookery-runner:local';
const BASE = process.env.ROOKERY_DOCKER_BASE ?? 'rookery-base:trixie';
const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'cluster-counter.ts');
const BIN = join(repoRoot, 'bin', 'rookery.js');

function docker(args: string[]): { code: number; out: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function dockerSupport(): string | undefined {
  const v = docker(['version', '--format', '{{.Server.Version}}']);
  if (v.code !== 0) return `no Docker engine reachable (${v.out.split('\n').pop() || 'docker CLI missing'})`;
  if (docker(['image', 'inspect', BASE]).code !== 0) return `the base image ${BASE} is not on the engine`;
  return undefined;
}

const unsupported = dockerSupport();
if (unsupported) console.warn(`docker-runner: skipped — ${unsupported}; run \`bash test/support/docker-engine.sh\` as root to install and start an engine and make the base image`);

/** Containers (any state) carrying a label. */
function containers(label: string): string[] {
  return docker(['ps', '--all', '--format', '{{.Names}}', '--filter', `label=${label}`]).out.split('\n').filter(Boolean);
}

let fixture: FixtureServer;
let dir: string;

describe.skipIf(unsupported !== undefined)('runner image and --backend docker', () => {
  beforeAll(async () => {
    // The same script CI and developers run: engine and base are there, so it only builds the image.
    execFileSync('bash', [join(repoRoot, 'test', 'support', 'docker-engine.sh'), '--image'], {
      env: { ...process.env, ROOKERY_DOCKER_IMAGE: IMAGE, ROOKERY_DOCKER_BASE: BASE },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 900_000,
    });
    fixture = await startFixture({ port: 0, eventDelayMs: 2 });
    dir = mkdtempSync(join(tmpdir(), 'rookery-docker-'));
  }, 960_000);

  afterAll(async () => {
    await fixture?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('what Chromium needs in the container: runs as uid 10001, renders text with real fonts, needs no /dev/shm and no sandbox', () => {
    // A page with text, screenshotted by the image's own Chromium through rookery's launcher, with /dev/shm at 8 MiB.
    const script = `
      import { launchChromium } from '/opt/rookery/dist/src/browser/launch.js';
      import { PNG } from '/opt/rookery/node_modules/pngjs/lib/png.js';
      import { execFileSync } from 'node:child_process';
      import { readdirSync, readFileSync, statfsSync } from 'node:fs';
      const { browser } = await launchChromium({});
      const page = await browser.newPage({ viewport: { width: 400, height: 100 } });
      await page.setContent('<body style="margin:0;background:#fff"><p style="font:48px sans-serif;color:#000;margin:0">Rookery</p></body>');
      const png = PNG.sync.read(await page.screenshot());
      let dark = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i] < 128) dark++;
      const width = await page.evaluate(() => document.querySelector('p').getBoundingClientRect().width);
      const args = readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).flatMap((p) => {
        try { return readFileSync('/proc/' + p + '/cmdline', 'utf8').split('\\0'); } catch { return []; }
      }).filter((a) => a.startsWith('--'));
      const shm = statfsSync('/dev/shm');
      await browser.close();
      console.log(JSON.stringify({
        uid: process.getuid(), gid: process.getgid(), dark, width,
        sans: execFileSync('fc-match', ['-f', '%{family}', 'sans-serif'], { encoding: 'utf8' }),
        serif: execFileSync('fc-match', ['-f', '%{family}', 'serif'], { encoding: 'utf8' }),
        arial: execFileSync('fc-match', ['-f', '%{family}', 'Arial'], { encoding: 'utf8' }),
        noSandbox: args.includes('--no-sandbox'), noDevShm: args.includes('--disable-dev-shm-usage'),
        shmBytes: shm.blocks * shm.bsize,
      }));`;
    const r = spawnSync('docker', ['run', '--rm', '--network', 'none', '--shm-size', '8m', '--entrypoint', 'node', IMAGE, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(got.uid).toBe(10001);
    expect(got.gid).toBe(10001);
    // Generic families resolve to proportional fonts, and Arial to its metric-compatible Liberation Sans.
    expect(got.sans).toBe('DejaVu Sans');
    expect(got.serif).toBe('DejaVu Serif');
    expect(got.arial).toContain('Liberation Sans');
    // 48 px text in a real font: "Rookery" is well over 100 px wide and paints thousands of dark pixels.
    expect(got.width as number).toBeGreaterThan(100);
    expect(got.dark as number).toBeGreaterThan(1000);
    expect(got.noSandbox).toBe(true);
    expect(got.noDevShm).toBe(true);
    expect(got.shmBytes).toBe(8 * 1024 * 1024);
  });

  it('the image runs as a runner against a collector on loopback: counts equal the fixture ground truth, container removed', async () => {
    fixture.reset();
    const logs: string[] = [];
    const backend = new DockerBackend({ image: IMAGE, shmSize: '16m' });
    let names: string[] = [];
    const { results } = await runDistributed({
      scenarioFile: SCENARIO,
      overrides: { target: fixture.url, users: 2, duration: '4s' },
      runners: 1,
      backend,
      runnerArgs: ['--capacity', '2'],
      control: false,
      log: (l) => logs.push(l),
      onProgress: () => {
        names = backend.containerNames();
      },
    });
    expect(() => validateResults(JSON.parse(JSON.stringify(results)))).not.toThrow();
    expect(results.meta.interrupted, logs.join('\n')).toBeUndefined();
    expect(results.meta.runners?.map((r) => [r.capacity, r.lost])).toEqual([[2, false]]);
    const events = counterTotal(results, 'lv_events');
    expect(events).toBeGreaterThan(5);
    expect(events).toBe(fixture.stats().events.length);
    expect(counterTotal(results, 'iterations')).toBe(fixture.stats().joins.length);
    expect(names).toHaveLength(1);
    expect(containers(`${DOCKER_RUN_LABEL}`).filter((n) => names.includes(n))).toEqual([]);
  });

  it('--backend docker --runners 3 with limits: exact merged counts, each container limited, none left; a crashed run is cleaned up next time', async () => {
    // A collector killed outright leaves its containers behind (no exit hook can run)…
    fixture.reset();
    const crashed = cli(['--users', '3', '--duration', '60s']);
    const crashedOwner = `rookery.dev/owner=${hostname()}.${crashed.pid}`;
    expect(await until(() => containers(crashedOwner).length === 3 && fixture.stats().events.length > 0, 60_000)).toBe(true);
    crashed.kill('SIGKILL');
    await exited(crashed);
    // Its runners notice, give their users a grace period, write partial results and exit; the containers stay.
    const running = () => docker(['ps', '--quiet', '--filter', `label=${crashedOwner}`, '--filter', 'status=running']).out;
    expect(await until(() => running() === '', 60_000)).toBe(true);
    expect(containers(crashedOwner)).toHaveLength(3);

    // …and the next docker-backend run removes them before starting its own.
    fixture.reset();
    const out = join(dir, 'three.json');
    const run = cli(['--users', '3', '--duration', '5s', '--docker-cpus', '0.5', '--docker-memory', '1g', '--out', out]);
    const owner = `rookery.dev/owner=${hostname()}.${run.pid}`;
    let limits: string[] = [];
    await until(() => {
      const names = containers(owner);
      if (names.length === 3) limits = docker(['inspect', '--format', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.NetworkMode}} {{.Config.User}}', ...names]).out.split('\n');
      return limits.length === 3;
    }, 60_000);
    const { code, stderr } = await exited(run);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/removed \d+ runner containers? left by an earlier run that ended abruptly: .*rookery-/);
    expect(containers(crashedOwner)).toEqual([]);
    expect(limits).toEqual(Array(3).fill(`500000000 ${1024 ** 3} host 10001:10001`));

    const results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    expect(results.meta.runners?.map((r) => r.lost)).toEqual([false, false, false]);
    const events = counterTotal(results, 'lv_events');
    expect(events).toBeGreaterThan(10);
    expect(events).toBe(fixture.stats().events.length);
    expect(counterTotal(results, 'iterations')).toBe(fixture.stats().joins.length);
    expect(containers(owner)).toEqual([]);
  });

  it('Ctrl-C: the run stops with partial results and its containers are removed', async () => {
    fixture.reset();
    const out = join(dir, 'interrupted.json');
    const run = cli(['--users', '3', '--duration', '60s', '--out', out]);
    const owner = `rookery.dev/owner=${hostname()}.${run.pid}`;
    expect(await until(() => containers(owner).length === 3 && fixture.stats().events.length > 5, 60_000)).toBe(true);
    run.kill('SIGINT');
    const { stderr } = await exited(run);
    expect(containers(owner), stderr).toEqual([]);
    const results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    expect(results.meta.interrupted).toMatch(/SIGINT/);
    expect(counterTotal(results, 'lv_events')).toBe(fixture.stats().events.length);
  });
});

/** `rookery run` of the counter scenario with 3 docker runners, as a user types it. */
function cli(extra: string[]): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', SCENARIO, '--runners', '3', '--backend', 'docker', '--docker-image', IMAGE, '--capacity', '1', '--target', fixture.url, '--quiet', ...extra], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return Object.assign(child, { stderrText: () => stderr });
}

function exited(child: ChildProcess & { stderrText: () => string }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, stderr: child.stderrText() });
    else child.once('close', (code) => resolve({ code, stderr: child.stderrText() }));
  });
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return cond();
}
