/**
 * A run's output files, checked before any browser starts: a bad `--out` fails in milliseconds instead of after
 * the whole load. Also what happens to them around the run: an older file at `--out` is moved aside at the start
 * (a failed run must not leave a stale file a CI step would read), and a final write that fails goes to a
 * fallback file instead of being lost.
 *
 * Never call `mkdir` before `checkOutputPath`: a recursive mkdir under /proc spins forever in Node.
 */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { specialFilesystemAt, writeFileAtomic } from '../common/atomic-write.js';

/** A path that cannot take a run's output; the CLI maps it to exit 2. */
export class OutputPathError extends Error {
  override name = 'OutputPathError';
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** The nearest ancestor of `dir` (itself included) that exists; throws when a component is a file. */
function nearestExisting(dir: string, what: string, path: string): string {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const st = statSync(d);
      if (!st.isDirectory()) throw new OutputPathError(`${what}: ${path}: ${d} is a file, not a folder`);
      return d;
    } catch (err) {
      if (err instanceof OutputPathError) throw err;
      const code = errnoOf(err);
      if (code === 'ENOTDIR') continue; // a component further up is a file: found on the way up
      if (code !== 'ENOENT') throw new OutputPathError(`${what}: ${path}: cannot use ${d} (${code})`);
      if (dirname(d) === d) throw new OutputPathError(`${what}: ${path}: no existing folder above it`);
    }
  }
}

/**
 * Checks that `path` can take a file: not a folder or device, its folder reachable through folders only, not on
 * a kernel filesystem (/proc, /sys, /dev), and writable. Creates nothing. Returns the absolute path.
 */
export function checkOutputPath(path: string, what: string): string {
  const abs = resolve(path);
  if (path.endsWith('/') || path.endsWith(sep)) throw new OutputPathError(`${what}: ${path} names a folder; give a file name`);
  try {
    const st = statSync(abs);
    if (st.isDirectory()) throw new OutputPathError(`${what}: ${path} is a folder; give a file name`);
    if (!st.isFile()) throw new OutputPathError(`${what}: ${path} is not a regular file (a device or a pipe?)`);
  } catch (err) {
    if (err instanceof OutputPathError) throw err;
    const code = errnoOf(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputPathError(`${what}: ${path}: cannot use it (${code})`);
  }
  const existing = nearestExisting(dirname(abs), what, path);
  let real: string;
  try {
    real = realpathSync(existing);
  } catch (err) {
    throw new OutputPathError(`${what}: ${path}: cannot resolve ${existing} (${errnoOf(err)})`);
  }
  const special = specialFilesystemAt(real);
  if (special) throw new OutputPathError(`${what}: ${path} is ${special}, which cannot hold files; write somewhere else`);
  try {
    accessSync(real, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new OutputPathError(`${what}: ${path}: the folder ${existing} is not writable (${errnoOf(err)})`);
  }
  return abs;
}

/**
 * After every path passed `checkOutputPath`: creates the folder and writes then removes a test file, which
 * catches what permission bits do not show (a read-only mount, root on a read-only filesystem).
 */
export function proveWritable(abs: string, what: string): void {
  const dir = dirname(abs);
  const probe = join(dir, `.rookery-write-test-${process.pid}-${Date.now().toString(36)}`);
  try {
    mkdirSync(dir, { recursive: true });
    closeSync(openSync(probe, 'wx', 0o600));
  } catch (err) {
    throw new OutputPathError(`${what}: cannot write in ${dir} (${errnoOf(err)})`);
  } finally {
    rmSync(probe, { force: true });
  }
}

/** Where interim results go while a run lasts: `<out>.partial`. */
export function checkpointPathFor(resultsPath: string): string {
  return `${resultsPath}.partial`;
}

/**
 * Start of a run: an older results file at `abs` is renamed to `<abs>.prev` and an older checkpoint removed, so
 * whatever a failed run leaves, it is never mistaken for this run's results. Returns what it did, for the log.
 */
export function moveAsideOldResults(abs: string): string[] {
  const done: string[] = [];
  if (existsSync(abs)) {
    renameSync(abs, `${abs}.prev`);
    done.push(`an earlier ${basename(abs)} was moved to ${basename(abs)}.prev`);
  }
  const partial = checkpointPathFor(abs);
  if (existsSync(partial)) {
    rmSync(partial, { force: true });
    done.push(`an earlier checkpoint ${basename(partial)} was removed`);
  }
  return done;
}

/** A place for results whose own path failed at the end: the system temp folder, with a unique name. */
export function fallbackPathFor(abs: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(tmpdir(), `rookery-fallback-${stamp}-${process.pid}-${basename(abs)}`);
}

/**
 * Writes `text` to `abs` atomically; when that fails, to a fallback file. Returns where it went and, when it had
 * to fall back, why. Throws only when both fail.
 */
export async function writeWithFallback(abs: string, text: string): Promise<{ path: string; failed?: string }> {
  try {
    await writeFileAtomic(abs, text);
    return { path: abs };
  } catch (err) {
    const why = errnoOf(err);
    const fallback = fallbackPathFor(abs);
    try {
      await writeFileAtomic(fallback, text);
    } catch (err2) {
      throw new OutputPathError(`could not write ${abs} (${why}) nor the fallback ${fallback} (${errnoOf(err2)})`);
    }
    return { path: fallback, failed: why };
  }
}
