/**
 * `rookery run … --backend kubernetes --dry-run` as a user types it: the printed List parses, and every object in it
 * passes the same Kubernetes API schema validation the backend applies before creating anything; a bad
 * quantity is refused with the field named and nothing printed. Needs `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { manifestProblems, type KubeObject } from '../../src/cluster/backends/kubernetes-validate.js';
import { repoRoot } from '../support/bundle-child.js';

const SCENARIO = join(repoRoot, 'test', 'support', 'scenarios', 'cluster-counter.ts');

function dryRun(extra: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'rookery.js'), 'run', SCENARIO, '--target', 'http://app.load.svc:4000', '--runners', '3', '--backend', 'kubernetes', '--k8s-image', 'registry.example/rookery:0.1.0', '--dry-run', ...extra], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--backend kubernetes --dry-run', () => {
  it('prints a List whose objects pass the Kubernetes API schema (token replaced by a placeholder)', async () => {
    const r = dryRun(['--k8s-namespace', 'load', '--k8s-cpu', '2', '--k8s-memory', '4Gi', '--k8s-env', 'TZ=UTC', '--advertise', 'ws://collector.load.svc:7700', '--token', 'x'.repeat(32)]);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual(['v1/Secret', 'batch/v1/Job']);
    expect(await manifestProblems(list.items)).toEqual([]);
    expect(r.stdout).not.toContain('x'.repeat(32));
  });

  it('refuses a manifest the API server would refuse, naming the field', () => {
    const r = dryRun(['--k8s-memory', '4 GB']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('do not match the Kubernetes API schema');
    expect(r.stderr).toMatch(/Job\/rookery-dry-run: \/spec\/template\/spec\/containers\/0\/resources\/limits\/memory must match format "quantity"/);
  });
});
