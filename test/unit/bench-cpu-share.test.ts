import { describe, expect, it } from 'vitest';
import { cpuShare, type CpuReading } from '../../bench/support/proc-usage.js';

type Thread = { kind: string; name: string; ns: number; runs: number };

function reading(at: number, threads: Record<string, Thread>): CpuReading {
  const perProcess = new Map<string, number>();
  for (const [key, t] of Object.entries(threads)) {
    const proc = key.split(':').slice(0, 2).join(':');
    perProcess.set(proc, (perProcess.get(proc) ?? 0) + t.ns);
  }
  return {
    at,
    harness: new Map(),
    chromium: new Map(),
    kinds: new Map([...perProcess.keys()].map((k) => [k, 'renderer'])),
    fixture: new Map(),
    machineBusy: 0,
    machineIrq: 0,
    machineSteal: 0,
    selfMicros: 0,
    chromiumNs: perProcess,
    chromiumThreads: new Map(Object.entries(threads)),
  };
}

describe('cpuShare exact (schedstat) mode', () => {
  it('sums per-thread differences, so a thread that exits in the window takes none of its history away', () => {
    const main = { kind: 'renderer', name: 'CrRendererMain', runs: 0 };
    const worker = { kind: 'renderer', name: 'ThreadPoolForeg', runs: 0 };
    // 1 s apart: the main thread runs 0.1 s; a worker with 5 s of history exits; a new worker runs 0.05 s.
    const a = reading(0, { '10:7:10': { ...main, ns: 2e9 }, '10:7:11': { ...worker, ns: 5e9 } });
    const b = reading(1000, { '10:7:10': { ...main, ns: 2.1e9 }, '10:7:12': { ...worker, ns: 0.05e9 } });
    const share = cpuShare(a, b);
    // Per-process totals would give (2.1 + 0.05) − (2 + 5) = −4.85 s, i.e. −485 %.
    expect(share.chromiumExact).toBeCloseTo(15, 6);
    expect(share.chromiumExactByKind).toEqual({ renderer: expect.closeTo(15, 6) });
  });
});
