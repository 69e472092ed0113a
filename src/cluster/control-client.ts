/**
 * The client side of runtime control (`rookery ctl`), and the control file through which it finds a run on
 * this machine without flags: the collector writes {url, token} to a per-user folder (mode 0700, file 0600)
 * while the run lasts.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface ControlFile {
  url: string;
  token: string;
  pid: number;
  runId: string;
}

export function controlFilePath(): string {
  let user: string;
  try {
    user = String(userInfo().uid);
  } catch {
    user = 'user';
  }
  return join(tmpdir(), `rookery-${user}`, 'control.json');
}

export function writeControlFile(entry: ControlFile, path = controlFilePath()): () => void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  return () => {
    try {
      const now = JSON.parse(readFileSync(path, 'utf8')) as Partial<ControlFile>;
      if (now.pid === entry.pid && now.runId === entry.runId) rmSync(path, { force: true });
    } catch {
      // Already gone or replaced by another run.
    }
  };
}

export function readControlFile(path = controlFilePath()): ControlFile | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<ControlFile>;
    if (typeof o.url === 'string' && typeof o.token === 'string' && typeof o.pid === 'number' && typeof o.runId === 'string') return o as ControlFile;
  } catch {
    // No run on this machine.
  }
  return undefined;
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
