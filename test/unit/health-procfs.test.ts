import { describe, expect, it } from 'vitest';
import {
  descendantsOf,
  parseCmdline,
  parseMachineCpu,
  parseMeminfo,
  parseProcStat,
  parsePssBytes,
  parseStatusMemory,
  type ProcStat,
} from '../../src/health/procfs.js';
import { parseCpuMax } from '../../src/health/machine.js';

describe('procfs parsers', () => {
  it('parses /proc/<pid>/stat even when comm has spaces and parentheses', () => {
    const line = '4242 (Chrome (Child) x) S 4200 4200 4200 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 9 0 987654 1000 200 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, comm: 'Chrome (Child) x', state: 'S', ppid: 4200, pgid: 4200, cpuTicks: 175, startTicks: 987654 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('reads VmRSS/RssAnon from status, Pss from smaps_rollup, and meminfo', () => {
    expect(parseStatusMemory('Name:\tx\nVmRSS:\t  2048 kB\nRssAnon:\t  1024 kB\n')).toEqual({ rssBytes: 2048 * 1024, rssAnonBytes: 1024 * 1024 });
    expect(parseStatusMemory('Name:\tkthreadd\nState:\tS\n')).toBeUndefined();
    expect(parsePssBytes('55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  4000 kB\nPss:  1500 kB\nPss_Anon: 1000 kB\n')).toBe(1500 * 1024);
    expect(parseMeminfo('MemTotal:  1000 kB\nMemFree: 10 kB\nMemAvailable:  600 kB\n')).toEqual({ totalBytes: 1000 * 1024, availableBytes: 600 * 1024 });
  });

  it('parses machine CPU: busy excludes idle and iowait', () => {
    expect(parseMachineCpu('cpu  100 5 50 800 20 3 2 10 0 0\ncpu0 1 2 3\n')).toEqual({ busyTicks: 170, totalTicks: 990 });
    expect(parseMachineCpu('intr 1 2 3\n')).toBeUndefined();
  });

  it('splits NUL-separated command lines', () => {
    expect(parseCmdline('/usr/lib/chromium/chromium\0--type=renderer\0--lang=en\0')).toEqual(['/usr/lib/chromium/chromium', '--type=renderer', '--lang=en']);
  });

  it('finds a browser tree by parent pid, ignoring other processes', () => {
    const p = (pid: number, ppid: number): ProcStat => ({ pid, ppid, pgid: 0, comm: 'c', state: 'S', cpuTicks: 0, startTicks: 0 });
    const table = new Map([p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(13, 11), p(20, 1), p(21, 20)].map((s) => [s.pid, s]));
    expect(descendantsOf(table, [10]).sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
    expect(descendantsOf(table, [10, 21, 99]).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 21]);
  });

  it('reads a cgroup cpu.max quota as whole cores', () => {
    expect(parseCpuMax('150000 100000\n')).toBe(2);
    expect(parseCpuMax('max 100000\n')).toBeUndefined();
  });
});
