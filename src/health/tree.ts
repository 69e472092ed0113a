/**
 * The harness's own process tree (its browsers and their descendants), found without reading every process's
 * /proc entry each second. Profiling at 300 users showed the full scan (~23 µs per /proc/<pid>/stat, hundreds of
 * processes of other programs on a shared machine) costing ~13 % of the harness's CPU.
 *
 * Each scan lists /proc (one readdir) and reads `stat` only for processes it has not seen before and for members
 * of the tree (whose CPU ticks it needs anyway). A process outside the tree is remembered by pid with its parent,
 * and forgotten when its pid disappears from /proc. Parents never change for a process that stays outside the tree
 * (a reparented orphan goes to init or a subreaper, never into a browser), so the cache cannot miss a member — except
 * for a pid reused within one scan interval, which needs pid_max (≥ 32768) processes started in a second.
 */
import { descendantsByParent, type ProcStat } from './procfs.js';

/** The /proc reads a scan needs (procfs.ts readers in production, a table in tests). */
export interface ProcReader {
  listPids(): number[];
  stat(pid: number): ProcStat | undefined;
}

export interface TreeScan {
  /** Fresh stat of every live member (roots and their descendants), read in one synchronous pass. */
  members: ProcStat[];
  /** stat files read by this scan (its cost: the tree plus processes first seen). */
  statReads: number;
}

export class ProcessTree {
  /** pid → parent pid for every process seen and still listed (members included). */
  private readonly parents = new Map<number, number>();
  private rootsKey = '';

  constructor(private readonly reader: ProcReader) {}

  scan(roots: readonly number[]): TreeScan {
    const key = [...roots].sort((a, b) => a - b).join(',');
    // New roots (a browser launched after the last scan): earlier "outside" verdicts may be wrong now.
    if (key !== this.rootsKey) {
      this.parents.clear();
      this.rootsKey = key;
    }
    const listed = new Set(this.reader.listPids());
    for (const pid of this.parents.keys()) if (!listed.has(pid)) this.parents.delete(pid);

    const fresh = new Map<number, ProcStat>();
    let statReads = 0;
    for (const pid of listed) {
      if (this.parents.has(pid)) continue;
      const s = this.reader.stat(pid);
      statReads++;
      if (!s) continue; // exited between readdir and read
      this.parents.set(pid, s.ppid);
      fresh.set(pid, s);
    }

    const memberPids = descendantsByParent(this.parents, roots);
    const members: ProcStat[] = [];
    for (const pid of memberPids) {
      let s = fresh.get(pid);
      if (!s) {
        s = this.reader.stat(pid);
        statReads++;
      }
      if (!s) {
        this.parents.delete(pid);
        continue;
      }
      this.parents.set(pid, s.ppid);
      members.push(s);
    }
    return { members, statReads };
  }
}
