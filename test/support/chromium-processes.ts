/** /proc helpers for tests that must prove no Chromium process is left behind (Linux). */
import { descendantsOf, readCmdline, readProcessTable } from '../../src/health/procfs.js';

export interface LiveProcess {
  pid: number;
  pgid: number;
  cmd: string[];
}

/**
 * Live (non-zombie) processes that belong to the given browser process groups, or descend from `ancestor`
 * and run `executable`. Orphaned renderers are re-parented to init but keep their process group, so the
 * group is the reliable handle.
 */
export function chromiumLeftovers(opts: { groups: readonly number[]; ancestor?: number; executable?: string }): LiveProcess[] {
  const table = readProcessTable();
  const groups = new Set(opts.groups);
  const fromAncestor = new Set(opts.ancestor === undefined ? [] : descendantsOf(table, [opts.ancestor]));
  const out: LiveProcess[] = [];
  for (const p of table.values()) {
    if (p.state === 'Z' || p.state === 'X') continue;
    const inGroup = groups.has(p.pgid);
    const cmd = readCmdline(p.pid) ?? [];
    const runsExe = opts.executable !== undefined && fromAncestor.has(p.pid) && cmd[0] === opts.executable;
    if (inGroup || runsExe) out.push({ pid: p.pid, pgid: p.pgid, cmd });
  }
  return out;
}

/** Polls `check` until it returns true or `timeoutMs` passes (bounded). */
export async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
