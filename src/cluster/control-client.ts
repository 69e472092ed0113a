/**
 * The client side of runtime control (`rookery ctl`), and the control files through which it finds a run on
 * this machine without flags: each distributed run writes {url, token, pid, runId, startedAt} to its own file,
 * `control-<runId>.json` (mode 0600), in the checked private folder (private-dir.ts), while the run lasts.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, writePrivateFile } from './private-dir.js';

export interface ControlFile {
  url: string;
  token: string;
  pid: number;
  runId: string;
  /** Epoch ms; picks the latest run when several are going. */
  startedAt: number;
}

/** Run ids are ours (base36 time + hex) but a file name must never be steered by one. */
function safeRunId(runId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw new Error(`run id ${JSON.stringify(runId)}: letters, digits, _ and - only`);
  return runId;
}

export function controlFilePath(runId: string, dir: string = privateDir()): string {
  return join(dir, `control-${safeRunId(runId)}.json`);
}

/** Writes this run's control file; returns the function that removes it (only if it is still this run's). */
export function writeControlFile(entry: ControlFile, dir: string = privateDir()): () => void {
  const path = controlFilePath(entry.runId, dir);
  writePrivateFile(path, `${JSON.stringify(entry)}\n`);
  return () => rmSync(path, { force: true });
}

function parseControl(text: string): ControlFile | undefined {
  try {
    const o = JSON.parse(text) as Partial<ControlFile>;
    if (typeof o.url === 'string' && typeof o.token === 'string' && typeof o.pid === 'number' && typeof o.runId === 'string') {
      return { url: o.url, token: o.token, pid: o.pid, runId: o.runId, startedAt: typeof o.startedAt === 'number' ? o.startedAt : 0 };
    }
  } catch {
    // Not a control file.
  }
  return undefined;
}

/** Every run's control file in the private folder, newest first. */
export function listControlFiles(dir: string = privateDir()): ControlFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^control-[A-Za-z0-9_-]+\.json$/.test(n));
  } catch {
    return [];
  }
  const found: ControlFile[] = [];
  for (const n of names) {
    try {
      const entry = parseControl(readFileSync(join(dir, n), 'utf8'));
      if (entry) found.push(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return found.sort((a, b) => b.startedAt - a.startedAt);
}

/** That run's control file, if it exists. */
export function readControlFile(runId: string, dir: string = privateDir()): ControlFile | undefined {
  try {
    return parseControl(readFileSync(controlFilePath(runId, dir), 'utf8'));
  } catch {
    return undefined;
  }
}

export class ControlError extends Error {
  override name = 'ControlError';
}

/** One authenticated request to the control endpoint; returns the JSON answer or throws a ControlError. */
export async function controlRequest(url: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, url), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    throw new ControlError(`no run answers at ${url} (${cause})`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ControlError(`${url}${path}: HTTP ${res.status}, not JSON`);
  }
  if (!res.ok) {
    const msg = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String((parsed as { error: unknown }).error) : text;
    throw new ControlError(`${path}: HTTP ${res.status}: ${msg}`);
  }
  return parsed;
}
