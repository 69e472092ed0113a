/**
 * Bundles a TypeScript child-process entry to an .mjs under node_modules/.cache (so its bare imports such as
 * playwright resolve from the repo), for tests that must observe a whole process live and die.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function bundleChild(entry: string): Promise<{ path: string; remove: () => void }> {
  const dir = join(repoRoot, 'node_modules', '.cache', 'rookery-tests');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${basename(entry, '.ts')}-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: path,
    logLevel: 'silent',
  });
  return { path, remove: () => rmSync(path, { force: true }) };
}

export interface RunningChild {
  /** The pids the child printed as its first line (`{"pids":[…]}`). */
  pids: Promise<number[]>;
  /** Every stdout line so far. */
  stdout: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a stdout line equal to `line` appears (bounded by the child's life). */
  line: (line: string) => Promise<void>;
  signal: (s: NodeJS.Signals) => void;
}

/** Starts `node <script> …args`; kills it after `limitMs` whatever happens (bounded tests). */
export function startChild(script: string, args: readonly string[], limitMs = 30_000): RunningChild {
  const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stdout: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, sig) => resolve({ code, signal: sig })),
  );
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  void exited.then(() => clearTimeout(limit));
  let resolvePids: (p: number[]) => void = () => {};
  const pids = new Promise<number[]>((resolve, reject) => {
    resolvePids = resolve;
    void exited.then(() => reject(new Error(`child exited before printing pids; stderr:\n${stderr}`)));
  });
  pids.catch(() => {});
  createInterface({ input: child.stdout }).on('line', (l) => {
    stdout.push(l);
    if (stdout.length === 1) resolvePids((JSON.parse(l) as { pids: number[] }).pids);
    for (const w of waiters.filter((w) => w.line === l)) w.resolve();
  });
  const line = (l: string): Promise<void> =>
    stdout.includes(l)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiters.push({ line: l, resolve });
          void exited.then(() => reject(new Error(`child exited without printing ${l}`)));
        });
  return { pids, stdout, stderr: () => stderr, exited, line, signal: (s) => child.kill(s) };
}
