/**
 * Runners on a real network path: each runner process lives in its own network namespace, connected to this
 * host by a veth pair with private addresses created here (10.213.N.0/30 per namespace), so runner ↔ collector
 * and browser ↔ fixture traffic crosses an actual interface instead of loopback. Needs root and iproute2;
 * skipped with a message otherwise. Only namespaces and links created here are touched, and always removed.
 * Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type FixtureServer } from '../../fixtures/server/index.js';
import { runDistributed } from '../../src/cluster/run-distributed.js';
import type { BackendLaunch, RunnerBackend } from '../../src/cluster/backends/types.js';
import type { CollectorEvent } from '../../src/cluster/collector.js';
import { counterTotal } from '../support/cluster-run.js';
import { repoRoot } from '../support/bundle-child.js';

const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'cluster-counter.ts');
const BIN = join(repoRoot, 'bin', 'rookery.js');
const TAG = `rk${process.pid % 100_000}`;
const OCTET = 100 + (process.pid % 100);
const NAMESPACES = [`${TAG}a`, `${TAG}b`];
const hostAddr = (i: number) => `10.213.${OCTET}.${4 * i + 1}`;
const nsAddr = (i: number) => `10.213.${OCTET}.${4 * i + 2}`;

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });
}

/** Can this process create network namespaces? (root, iproute2, and a kernel/container that allows it.) */
function netnsSupport(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not running as root';
  const probe = `${TAG}p`;
  try {
    ip(['netns', 'add', probe]);
  } catch (err) {
    return `cannot create a network namespace (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  try {
    ip(['netns', 'del', probe]);
  } catch {
    // best effort
  }
  return undefined;
}

const unsupported = netnsSupport();
if (unsupported) console.warn(`cluster-netns: skipped — ${unsupported}; this test needs root and iproute2 (ip netns)`);

/** Starts `rookery runner` inside namespace i (ip netns exec replaces itself with node: same pid). */
class NetnsBackend implements RunnerBackend {
  readonly name = 'manual' as const;
  readonly children: ChildProcess[] = [];
  constructor(private readonly partialDir: string) {}
  async launch(req: BackendLaunch): Promise<void> {
    for (let i = 0; i < req.count; i++) {
      this.children.push(
        spawn('ip', ['netns', 'exec', NAMESPACES[i] as string, process.execPath, BIN, 'runner', '--join', req.joinUrl, '--name', `ns-${i}`, '--capacity', '1', '--partial-dir', this.partialDir, '--quiet'], {
          env: { ...process.env, ROOKERY_TOKEN: req.token },
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      );
    }
  }
  async diagnose(): Promise<string | undefined> {
    return this.children.map((c) => `${c.pid}: exit ${String(c.exitCode)}`).join(', ');
  }
  async shutdown(): Promise<void> {
    await Promise.race([Promise.all(this.children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r))))), new Promise((r) => setTimeout(r, 15_000))]);
  }
}

describe.skipIf(unsupported !== undefined)('runners in separate network namespaces', () => {
  let fixture: FixtureServer | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rookery-netns-'));
    NAMESPACES.forEach((ns, i) => {
      ip(['netns', 'add', ns]);
      ip(['link', 'add', `${TAG}h${i}`, 'type', 'veth', 'peer', 'name', `${TAG}n${i}`]);
      ip(['link', 'set', `${TAG}n${i}`, 'netns', ns]);
      ip(['addr', 'add', `${hostAddr(i)}/30`, 'dev', `${TAG}h${i}`]);
      ip(['link', 'set', `${TAG}h${i}`, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'addr', 'add', `${nsAddr(i)}/30`, 'dev', `${TAG}n${i}`]);
      ip(['-n', ns, 'link', 'set', `${TAG}n${i}`, 'up']);
      // Both namespaces reach the host's first address (collector and fixture) through their own veth.
      ip(['-n', ns, 'route', 'add', 'default', 'via', hostAddr(i)]);
    });
    fixture = await startFixture({ port: 0, host: hostAddr(0) });
  });

  afterAll(async () => {
    for (const ns of NAMESPACES) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5_000 }).split(/\s+/).filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // no such namespace or no processes
      }
    }
    await fixture?.close();
    NAMESPACES.forEach((ns, i) => {
      for (const args of [['netns', 'del', ns], ['link', 'del', `${TAG}h${i}`]]) {
        try {
          ip(args);
        } catch {
          // already gone (deleting the namespace removes its end of the pair, and with it ours)
        }
      }
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('runners join over veth from their own addresses and the merged counts equal the fixture\'s', async () => {
    const fx = fixture as FixtureServer;
    fx.reset();
    const events: CollectorEvent[] = [];
    const logs: string[] = [];
    const { results, runners } = await runDistributed({
      scenarioFile: SCENARIO,
      overrides: { target: fx.url, users: 2, duration: '5s' },
      runners: 2,
      backend: new NetnsBackend(dir),
      collectorHost: hostAddr(0),
      bootTimeoutMs: 30_000,
      control: false,
      log: (l) => logs.push(l),
      onEvent: (e) => events.push(e),
    });
    expect(fx.url).toContain(hostAddr(0));
    // Each runner connected from its namespace's address, not loopback.
    expect(runners.map((r) => r.address.split(':')[0]).sort(), logs.join('\n')).toEqual([nsAddr(0), nsAddr(1)].sort());
    expect(results.meta.runners?.map((r) => r.lost)).toEqual([false, false]);
    expect(results.meta.interrupted).toBeUndefined();
    const merged = counterTotal(results, 'lv_events');
    expect(merged).toBeGreaterThan(10);
    expect(merged).toBe(fx.stats().events.length);
    expect(events.filter((e) => e.type === 'lost')).toEqual([]);
  });
});
