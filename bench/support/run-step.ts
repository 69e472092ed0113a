/**
 * Parent side of one measured run: forks step-child.ts, reads /proc for the child's tree at the hold window's
 * start and end (CPU of Node, Chromium, fixture, machine) and PSS at its end, and returns it all with the
 * child's own numbers. Bounded: a step that overruns is stopped (SIGTERM, then SIGKILL of the whole tree).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { descendantsOf, readProcessTable } from '../../src/health/procfs.js';
import { cpuShare, readCpu, readTreeMemory, type CpuReading, type CpuShare, type TreeMemory } from './proc-usage.js';
import { repoRoot } from './repo-root.js';
import { STEP_ENV, type StepConfig, type StepMessage } from './step-protocol.js';
import { currentLoad } from './quiet-machine.js';

export type StepResult = Extract<StepMessage, { type: 'result' }>;

export interface MeasuredStep {
  result: StepResult;
  /** Over the hold window, measured from outside the harness. */
  cpu: CpuShare | undefined;
  memory: TreeMemory | undefined;
  load1Before: number;
  load1After: number;
  exitCode: number | null;
}

export interface RunStepOptions {
  fixturePid: number | undefined;
  /** Kill the step after this long. */
  timeoutMs: number;
  /** Write a V8 CPU profile of the harness process here (Node --cpu-prof). */
  cpuProfileDir?: string;
  log: (line: string) => void;
}

export async function runStep(config: StepConfig, opts: RunStepOptions): Promise<MeasuredStep> {
  const load1Before = currentLoad();
  const execArgv = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  const child = fork(join(repoRoot(), '.bench-out', 'support', 'step-child.mjs'), [], {
    env: { ...process.env, [STEP_ENV]: JSON.stringify(config) },
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const pid = child.pid!;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-4_000);
    for (const line of text.split('\n')) if (line.startsWith('[run]')) opts.log(`    ${line}`);
  });
  let start: CpuReading | undefined;
  let cpu: CpuShare | undefined;
  let memory: TreeMemory | undefined;
  let result: StepResult | undefined;
  let failure: string | undefined;
  child.on('message', (msg: StepMessage) => {
    if (msg.type === 'hold-start') start = readCpu(pid, opts.fixturePid);
    else if (msg.type === 'hold-end') {
      if (start) cpu = cpuShare(start, readCpu(pid, opts.fixturePid));
      // After the CPU reading: smaps_rollup of hundreds of processes takes a while and must not be in the window.
      memory = readTreeMemory(pid, opts.fixturePid);
    } else if (msg.type === 'result') result = msg;
    else if (msg.type === 'failed') failure = msg.message;
  });
  let lastTree: number[] = [];
  const treeWatch = setInterval(() => {
    lastTree = descendantsOf(readProcessTable(), [pid]);
  }, 5_000);
  const exitCode = await new Promise<number | null>((resolve) => {
    const soft = setTimeout(() => {
      opts.log(`    step overran ${Math.round(opts.timeoutMs / 1000)} s: stopping it`);
      child.kill('SIGTERM');
    }, opts.timeoutMs);
    const hard = setTimeout(() => {
      for (const p of lastTree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }, opts.timeoutMs + 30_000);
    child.once('exit', (code) => {
      clearTimeout(soft);
      clearTimeout(hard);
      resolve(code);
    });
  });
  clearInterval(treeWatch);
  if (!result) throw new Error(`step failed (exit ${exitCode}): ${failure ?? stderr.trim().split('\n').slice(-5).join('\n')}`);
  return { result, cpu, memory, load1Before, load1After: currentLoad(), exitCode };
}
