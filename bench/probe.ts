/**
 * What the LiveView probe costs the harness's Node process.
 *
 *   npm run build && node bench/run.js probe [--part frames|pages|all] [--pages 100] [--phase-s 30]
 *
 * frames: CPU per WebSocket frame of the whole Node-side probe path — PageProbe.onSocketEvent → LiveViewSession
 *   (decode, pairing, diff anatomy) → recordObservation into a MetricsRegistry — over (a) every recorded vector
 *   (test/vectors, ../shared/frames beside the repo) replayed on fresh probes and (b) a synthetic steady state like the
 *   density run: one /counter socket, click round trips back to back. No browser; µs per frame.
 * pages: real Chromium, N pages on /counter each clicking `#inc` every 2 s through the in-page agent (as
 *   `u.lv.click` does), in three phases on the same pages: without the CDP probe, with it attached to every page,
 *   and without again (A-B-A, so drift shows). Node and Chromium CPU per phase, from /proc; the difference is
 *   what the probe costs per N pages, and per frame.
 */
import { readdirSync, readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { PageProbe } from '../src/probe/page-probe.js';
import { PAGE_AGENT_SCRIPT, type ActionResult, type PageAgentApi } from '../src/probe/page-agent.js';
import type { SocketEvent } from '../src/liveview/socket-events.js';
import { MetricsRegistry } from '../src/metrics/registry.js';
import { recordObservation } from '../src/metrics/record.js';
import { BrowserPool, type Lease } from '../src/browser/pool.js';
import { parseFlags, num, str } from './support/bench-args.js';
import { repoRoot } from './support/repo-root.js';
import { startFixtureProcess } from './support/fixture-process.js';
import { cpuShare, readCpu, type CpuShare } from './support/proc-usage.js';
import { describeMachine } from './support/machine-description.js';
import { waitForQuietMachine } from './support/quiet-machine.js';

const flags = parseFlags(process.argv.slice(2), {
  part: 'all',
  pages: '100',
  'phase-s': '30',
  'think-ms': '2000',
  viewport: '',
  'no-probe-only': false,
  'launch-arg': '',
  'min-ms': '2000',
  'max-busy': '30',
  'wait-retries': '10',
  'wait-s': '30',
  out: '',
});

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '–');

declare global {
  interface Window {
    __rookery: PageAgentApi;
  }
}

// ---------------------------------------------------------------- frames

/** A page that is enough for PageProbe.attach: a CDP session that never emits (we feed events directly). */
function inertPage(): Page {
  const session = { on: () => session, send: async () => ({}), detach: async () => {} };
  return { context: () => ({ newCDPSession: async () => session }) } as unknown as Page;
}

function loadVectors(): Array<{ name: string; events: SocketEvent[] }> {
  const dirs = [join(repoRoot(), 'test', 'vectors'), join(repoRoot(), '..', 'shared', 'frames')];
  const out: Array<{ name: string; events: SocketEvent[] }> = [];
  const seen = new Set<string>();
  for (const root of dirs) {
    if (!existsSync(root)) continue;
    for (const dir of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const file of readdirSync(join(root, dir.name)).filter((f) => f.endsWith('.jsonl'))) {
        const text = readFileSync(join(root, dir.name, file), 'utf8');
        // ../shared/frames and test/vectors/lv-1.0.19 hold the same recordings: count each once.
        if (seen.has(text)) continue;
        seen.add(text);
        const events = text
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as SocketEvent);
        out.push({ name: `${dir.name}/${file}`, events });
      }
    }
  }
  return out;
}

interface FrameCost {
  name: string;
  frames: number;
  events: number;
  usPerFrame: number;
  usPerEvent: number;
}

const isFrame = (e: SocketEvent): boolean => e.kind === 'sent' || e.kind === 'received';

/** Runs `work` (which returns how many events/frames it fed) until at least minMs of CPU, after a warm-up. */
async function timeCpu(work: () => Promise<{ frames: number; events: number }>, minMs: number): Promise<{ frames: number; events: number; cpuUs: number }> {
  const deadline = performance.now() + minMs / 4;
  while (performance.now() < deadline) await work(); // warm-up: JIT
  let frames = 0;
  let events = 0;
  const c0 = process.cpuUsage();
  for (;;) {
    const r = await work();
    frames += r.frames;
    events += r.events;
    const c = process.cpuUsage(c0);
    const cpuUs = c.user + c.system;
    if (cpuUs >= minMs * 1000) return { frames, events, cpuUs };
  }
}

async function replayCost(name: string, events: readonly SocketEvent[], minMs: number): Promise<FrameCost> {
  const frameCount = events.filter(isFrame).length;
  const registry = new MetricsRegistry({ startedAt: Date.now() });
  const page = inertPage();
  let replays = 0;
  const r = await timeCpu(async () => {
    // Several replays per round so the async attach/detach does not dominate tiny vectors.
    for (let i = 0; i < 20; i++) {
      const probe = await PageProbe.attach(page, { sink: (obs) => recordObservation(registry, obs) });
      for (const ev of events) probe.onSocketEvent(ev);
      await probe.detach();
      replays++;
    }
    if (replays % 2_000 === 0) registry.takeInterval();
    return { frames: frameCount * 20, events: events.length * 20 };
  }, minMs);
  return { name, frames: r.frames, events: r.events, usPerFrame: r.cpuUs / Math.max(1, r.frames), usPerEvent: r.cpuUs / Math.max(1, r.events) };
}

/** The density run's steady state: one joined /counter socket, `inc` round trips, a heartbeat every 60 frames. */
function counterStream(rounds: number, startRef: number, t0: number): { events: SocketEvent[]; nextRef: number; lastT: number } {
  const id = 'bench.1';
  const topic = 'lv:phx-F000000000000001';
  const out: SocketEvent[] = [];
  let t = t0;
  let ref = startRef;
  for (let i = 0; i < rounds; i++) {
    ref++;
    out.push({ kind: 'sent', requestId: id, timestamp: (t += 0.5), opcode: 1, payloadData: `["4","${ref}","${topic}","event",{"type":"click","event":"inc","value":{"value":""}}]` });
    out.push({ kind: 'received', requestId: id, timestamp: (t += 0.003), opcode: 1, payloadData: `["4","${ref}","${topic}","phx_reply",{"status":"ok","response":{"diff":{"2":"${i + 1}"}}}]` });
    if (i % 30 === 29) {
      ref++;
      out.push({ kind: 'sent', requestId: id, timestamp: (t += 0.1), opcode: 1, payloadData: `[null,"${ref}","phoenix","heartbeat",{}]` });
      out.push({ kind: 'received', requestId: id, timestamp: (t += 0.001), opcode: 1, payloadData: `[null,"${ref}","phoenix","phx_reply",{"status":"ok","response":{}}]` });
    }
  }
  return { events: out, nextRef: ref, lastT: t };
}

async function steadyStateCost(minMs: number): Promise<FrameCost> {
  const vector = loadVectors().find((v) => v.name === 'fixture-lv-1.2.12/counter.jsonl');
  // Open the socket and join with the real recorded frames, then stream synthetic round trips on it.
  const opening = (vector?.events ?? []).slice(0, 5).map((e) => ({ ...e, requestId: 'bench.1' }) as SocketEvent);
  const registry = new MetricsRegistry({ startedAt: Date.now() });
  const probe = await PageProbe.attach(inertPage(), { sink: (obs) => recordObservation(registry, obs) });
  for (const ev of opening) probe.onSocketEvent(ev);
  let ref = 100;
  let t = (opening[opening.length - 1] as { timestamp?: number } | undefined)?.timestamp ?? 1000;
  const r = await timeCpu(async () => {
    const { events: batch, nextRef, lastT } = counterStream(1_000, ref, t);
    ref = nextRef;
    t = lastT;
    for (const ev of batch) probe.onSocketEvent(ev);
    // The engine snapshots once a second; at ~100 frames/s that is one snapshot per ~100 frames, so take one
    // per batch of ~2 000 frames here: a generous share of the snapshot cost.
    registry.takeInterval();
    return { frames: batch.length, events: batch.length };
  }, minMs);
  await probe.detach();
  return { name: 'synthetic steady state: /counter inc round trips', frames: r.frames, events: r.events, usPerFrame: r.cpuUs / r.frames, usPerEvent: r.cpuUs / r.events };
}

async function frameBench(): Promise<{ vectors: FrameCost[]; steady: FrameCost; allVectors: { usPerFrame: number; frames: number } }> {
  const minMs = num(flags, 'min-ms');
  const vectors: FrameCost[] = [];
  for (const v of loadVectors()) {
    if (v.events.filter(isFrame).length === 0) continue;
    const c = await replayCost(v.name, v.events, Math.max(300, minMs / 4));
    vectors.push(c);
    log(`  ${v.name.padEnd(44)} ${fmt(c.usPerFrame, 2).padStart(7)} µs/frame  (${c.frames} frames)`);
  }
  const totalFrames = vectors.reduce((a, v) => a + v.frames, 0);
  const totalUs = vectors.reduce((a, v) => a + v.usPerFrame * v.frames, 0);
  const steady = await steadyStateCost(minMs);
  log(`  ${steady.name.padEnd(44)} ${fmt(steady.usPerFrame, 2).padStart(7)} µs/frame  (${steady.frames} frames)`);
  return { vectors, steady, allVectors: { usPerFrame: totalUs / totalFrames, frames: totalFrames } };
}

// ---------------------------------------------------------------- pages

interface PhaseResult {
  phase: string;
  seconds: number;
  clicks: number;
  frames: number;
  cpu: CpuShare;
}

async function pageBench(): Promise<{ pages: number; phases: PhaseResult[]; probeNodePercent: number; probeChromiumPercent: number; usPerFrame: number }> {
  const pages = num(flags, 'pages');
  const phaseMs = num(flags, 'phase-s') * 1000;
  const thinkMs = num(flags, 'think-ms');
  const fixture = await startFixtureProcess();
  const vp = /^(\d+)x(\d+)$/.exec(str(flags, 'viewport'));
  const launchArgs = str(flags, 'launch-arg') ? str(flags, 'launch-arg').split(' ') : [];
  const pool = new BrowserPool({ users: pages, ...(vp ? { viewport: { width: Number(vp[1]), height: Number(vp[2]) } } : {}), launchArgs });
  const leases: Lease[] = [];
  let stop = false;
  let clicks = 0;
  let frames = 0;
  const registry = new MetricsRegistry({ startedAt: Date.now() });
  const probes = new Map<Lease, PageProbe>();
  const loops: Promise<void>[] = [];
  try {
    log(`  opening ${pages} pages on ${fixture.url}/counter`);
    await Promise.all(
      Array.from({ length: pages }, async (_, i) => {
        const lease = await pool.acquire(i);
        leases.push(lease);
        await lease.context.addInitScript({ content: PAGE_AGENT_SCRIPT });
        await lease.page.goto(new URL('/counter', fixture.url).href, { waitUntil: 'domcontentloaded' });
        const mounted = await lease.page.evaluate((t) => window.__rookery.waitMounted(t), 15_000);
        if (!mounted.ok) throw new Error(`page ${i}: LiveView did not mount (${mounted.reason})`);
      }),
    );
    let failure: string | undefined;
    for (const lease of leases) {
      loops.push(
        (async () => {
          await new Promise((r) => setTimeout(r, Math.random() * thinkMs));
          while (!stop) {
            const res: ActionResult = await lease.page.evaluate(([a, t]) => window.__rookery.act(a, t), [{ kind: 'click', selector: '#inc' }, 15_000] as const);
            if (!res.ok) throw new Error(`click failed: ${res.error}`);
            clicks++;
            await new Promise((r) => setTimeout(r, thinkMs));
          }
        })().catch((err: unknown) => {
          // One broken page invalidates the comparison: stop everything and report it.
          failure ??= err instanceof Error ? err.message : String(err);
          stop = true;
        }),
      );
    }
    const phases: PhaseResult[] = [];
    const phase = async (name: string): Promise<void> => {
      await new Promise((r) => setTimeout(r, 3_000)); // let the change (attach/detach) settle
      const c0 = clicks;
      const f0 = frames;
      const a = readCpu(process.pid, fixture.pid);
      await new Promise((r) => setTimeout(r, phaseMs));
      const cpu = cpuShare(a, readCpu(process.pid, fixture.pid));
      phases.push({ phase: name, seconds: cpu.seconds, clicks: clicks - c0, frames: frames - f0, cpu });
      const kinds = Object.entries(cpu.chromiumByKind).filter(([, v]) => v >= 0.5).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${fmt(v)}%`).join(', ');
      log(`  ${name.padEnd(12)} clicks/s ${fmt((clicks - c0) / cpu.seconds)} frames/s ${fmt((frames - f0) / cpu.seconds)} | node ${fmt(cpu.harness)}% chromium ${fmt(cpu.chromium)}% (${kinds}) fixture ${fmt(cpu.fixture)}% others ${fmt(cpu.others)}%`);
    };
    await phase('no probe');
    if (flags['no-probe-only']) {
      stop = true;
      await Promise.race([Promise.allSettled(loops), new Promise((r) => setTimeout(r, thinkMs + 5_000))]);
      return { pages, phases, probeNodePercent: NaN, probeChromiumPercent: NaN, usPerFrame: NaN };
    }
    await Promise.all(
      leases.map(async (lease) => {
        const probe = await PageProbe.attach(lease.page, {
          sink: (obs) => {
            if (obs.type === 'frame') frames++;
            recordObservation(registry, obs);
          },
        });
        probes.set(lease, probe);
      }),
    );
    const snapshotTimer = setInterval(() => registry.takeInterval(), 1_000); // as the engine does
    await phase('probe');
    clearInterval(snapshotTimer);
    await Promise.all([...probes.values()].map((p) => p.detach()));
    probes.clear();
    await phase('no probe');
    stop = true;
    await Promise.race([Promise.allSettled(loops), new Promise((r) => setTimeout(r, thinkMs + 5_000))]);
    if (failure) throw new Error(`a page stopped clicking: ${failure}`);
    const [a1, b, a2] = phases as [PhaseResult, PhaseResult, PhaseResult];
    const base = (k: 'harness' | 'chromium'): number => (a1.cpu[k] + a2.cpu[k]) / 2;
    const probeNodePercent = b.cpu.harness - base('harness');
    const probeChromiumPercent = b.cpu.chromium - base('chromium');
    const usPerFrame = b.frames > 0 ? ((probeNodePercent / 100) * b.seconds * 1e6) / b.frames : NaN;
    return { pages, phases, probeNodePercent, probeChromiumPercent, usPerFrame };
  } finally {
    stop = true;
    for (const p of probes.values()) await p.detach();
    await pool.close();
    await fixture.close();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const machine = describeMachine();
  log(`machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.chromium}, Node ${machine.node}, Playwright ${machine.playwright}`);
  const part = str(flags, 'part');
  const result: Record<string, unknown> = { bench: 'probe', machine, flags };
  const quiet = await waitForQuietMachine({ maxBusyPercent: num(flags, 'max-busy'), waitMs: num(flags, 'wait-s') * 1000, retries: num(flags, 'wait-retries'), log });
  result.load1 = quiet.load1;
  const lines: string[] = [''];
  if (part === 'frames' || part === 'all') {
    log('frames: Node-side probe path per WebSocket frame (no browser)');
    const f = await frameBench();
    result.frames = f;
    lines.push(
      `probe CPU per frame: ${fmt(f.steady.usPerFrame, 2)} µs (steady /counter round trips), ${fmt(f.allVectors.usPerFrame, 2)} µs averaged over ${f.vectors.length} recorded vectors (joins, streams, components, errors)`,
      `  → at 100 frames/s (100 users clicking every 2 s): ${fmt((f.steady.usPerFrame * 100) / 1e4, 3)} % of one core`,
    );
  }
  if (part === 'pages' || part === 'all') {
    log(`pages: ${num(flags, 'pages')} real pages clicking every ${num(flags, 'think-ms')} ms, A-B-A (no probe / probe / no probe)`);
    const p = await pageBench();
    result.pages = p;
    lines.push(
      `probe CPU per ${p.pages} pages: node ${fmt(p.probeNodePercent)} % of one core, chromium ${fmt(p.probeChromiumPercent)} % (probe phase minus the mean of the two no-probe phases)`,
      `  → ${fmt(p.usPerFrame, 1)} µs of Node CPU per captured frame, end to end (CDP delivery through Playwright + decode + record)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = str(flags, 'out') || join(repoRoot(), 'rookery-results', 'bench', `probe-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  log(`results: ${out}`);
}

await main();
