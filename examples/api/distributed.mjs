// The same run on runners in Docker containers (`rookery run --runners 3 --backend docker`), from a script.
import { run } from 'rookery';
import { DockerBackend } from 'rookery/backends';

const results = await run({
  scenario: 'counter.ts',
  cwd: import.meta.dirname,
  load: { kind: 'constant', users: 30, ramp: '10s', duration: '1m' },
  runners: { runners: 3, backend: new DockerBackend({ cpus: '1', memory: '2g' }) },
});
console.log(results.meta.runners?.map((r) => `${r.id} on ${r.host}${r.lost ? ' (lost)' : ''}`).join('\n'));
