/** The docker backend's `docker run` arguments: labels, limits, host network, and the token kept out of argv. */
import { describe, expect, it } from 'vitest';
import { containerName, dockerRunArgs, ownerId } from '../../src/cluster/backends/docker.js';

const req = { joinUrl: 'ws://127.0.0.1:7700', runId: 'm1abc-0f0f0f', runnerArgs: ['--capacity', '2'] };

describe('docker backend: docker run arguments', () => {
  it('labels the container with the run and its owner, uses the host network, sets limits, passes runner flags', () => {
    const args = dockerRunArgs({ image: 'reg/rookery:1', cpus: '0.5', memory: '1g', shmSize: '128m', env: { TZ: 'UTC' } }, req, 2, 'box.4242');
    expect(args).toEqual([
      'run', '--detach', '--name', 'rookery-m1abc-0f0f0f-2',
      '--label', 'rookery.dev/run=m1abc-0f0f0f', '--label', 'rookery.dev/owner=box.4242',
      '--network', 'host',
      '--cpus', '0.5', '--memory', '1g', '--memory-swap', '1g', '--shm-size', '128m',
      '--env', 'ROOKERY_TOKEN', '--env', 'TZ=UTC',
      'reg/rookery:1', 'runner', '--join', 'ws://127.0.0.1:7700', '--name', 'rookery-m1abc-0f0f0f-2', '--capacity', '2',
    ]);
  });

  it('defaults to the locally built image and no limits', () => {
    const args = dockerRunArgs({}, req, 1, 'box.1');
    expect(args).toContain('rookery-runner:local');
    expect(args).not.toContain('--cpus');
    expect(args).not.toContain('--memory');
    expect(args).not.toContain('--shm-size');
  });

  it('never puts the token on the command line, and refuses it as --docker-env', () => {
    const args = dockerRunArgs({ env: { A: 'b' } }, req, 1, 'box.1');
    expect(args.filter((a) => a.startsWith('ROOKERY_TOKEN'))).toEqual(['ROOKERY_TOKEN']);
    expect(() => dockerRunArgs({ env: { ROOKERY_TOKEN: 'x' } }, req, 1, 'box.1')).toThrow(/ROOKERY_TOKEN is the run token/);
    expect(() => dockerRunArgs({ env: { 'A-B': 'x' } }, req, 1, 'box.1')).toThrow(/not an environment variable name/);
  });

  it('refuses limits docker would misread, with the flag named', () => {
    expect(() => dockerRunArgs({ cpus: '0' }, req, 1, 'o.1')).toThrow(/--docker-cpus: "0"/);
    expect(() => dockerRunArgs({ cpus: 'two' }, req, 1, 'o.1')).toThrow(/--docker-cpus/);
    expect(() => dockerRunArgs({ memory: '2 GB' }, req, 1, 'o.1')).toThrow(/--docker-memory: "2 GB" is not a size/);
    expect(() => dockerRunArgs({ shmSize: '-1m' }, req, 1, 'o.1')).toThrow(/--docker-shm-size/);
    expect(() => containerName('Bad_Id', 1)).toThrow(/run id/);
  });

  it('owner ids are host.pid (what the cleanup of dead runs reads back)', () => {
    expect(ownerId('h.example', 77)).toBe('h.example.77');
  });
});
