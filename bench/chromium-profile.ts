/**
 * Where Chromium's CPU per click goes, by process kind, for several sets of launch switches in one run (issue 13
 * item 5). Not a density test: a fixed number of pages on /counter, each clicking `#inc` once per think time
 * (± 25 %) with an in-page `el.click()` (the density bench's raw baseline), while /proc is read for every Chromium
 * process of this bench, split by kind (browser, renderer, gpu-process, utility:network…).
 *
 *   npm run build && node bench/run.js chromium-profile [--pages 20] [--seconds 20] [--rounds 2]
 *     [--variants 'base=;nothread=--disable-threaded-compositing'] [--trace base] [--trace-seconds 6]
 *     [--warmup-seconds 4] [--idle-seconds 20 [--idle-after 10]] [--trace-idle base] [--threads no]
 *
 * A variant is `name=switches`; entries starting with `@` are page-side settings, not switches:
 * `@rookery` clicks through Rookery's real path (page agent + CDP probe + fast-path verb, as `rookery run` does)
 * instead of the raw in-page click; `@netcap` adds the probe's second CDP Network stream to the raw click (what
 * the frame capture alone costs); `@warmup=S` clicks S s before measuring (default `--warmup-seconds`: V8 compiles and
 * collects for tens of seconds after the page loads, which a window right after them counts as click cost);
 * `@mouse-away` / `@mouse-away-first` move the virtual mouse off the page.
 * `--idle-seconds N` also measures each variant's pages with no clicks: first the `--idle-after` seconds right
 * after the clicks stop, then N s more (the idle floor: CPU per page-second, and its share of "CPU per click" at
 * the think time). The two differ: V8 and Blink do late, bursty work some 10–30 s after activity stops;
 * `--trace-idle NAME` then traces another idle window of that variant and prints what ran per page-second.
 * CPU is read twice: from /proc/PID/stat ticks and, exactly, from every thread's schedstat (`exact`, with each
 * thread's wake-ups per click).
 *
 * Variants run interleaved (A B A B …) so machine drift hits all of them alike. Each variant also gets fidelity
 * probes in one page: does `requestAnimationFrame` fire, does a CSS transition end, does a LiveView `JS.transition`
 * style class change reach `transitionend`. `--trace NAME` records a Chromium trace (toplevel, cc, viz, benchmark)
 * of that variant and prints what ran per thread and the events per click.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import type { Browser, Page } from 'playwright';
import { launchChromium } from '../src/browser/launch.js';
import { signalExitCode } from '../src/cli/run-support.js';
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess } from './support/fixture-process.js';
import { cpuShare, readCpu } from './support/proc-usage.js';
import { repoRoot } from './support/repo-root.js';
import { describeMachine } from './support/machine-description.js';
import { clickAndTime } from './support/raw-playwright.js';
import { PageProbe } from '../src/probe/page-probe.js';
import { PAGE_AGENT_SCRIPT } from '../src/probe/page-agent.js';
import { attachCdpCapture, type CdpCapture } from '../src/probe/cdp-capture.js';
import { createVerbs } from '../src/scenario/verbs.js';
import { MetricsRegistry } from '../src/metrics/registry.js';
import { recordObservation } from '../src/metrics/record.js';

const flags = parseFlags(process.argv.slice(2), {
  pages: '20',
  seconds: '20',
  rounds: '2',
  'think-ms': '2000',
  variants: 'base=',
  trace: '',
  'trace-seconds': '6',
  'idle-seconds': '0',
  'idle-after': '10',
  'warmup-seconds': '4',
  'trace-idle': '',
  threads: 'yes',
  out: '',
});

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * SIGINT / SIGTERM (Ctrl-C, a timeout's kill): close what is open — the browser of the variant being measured and
 * the fixture process — and exit with the signal's code (130 / 143); a second signal exits at once. Playwright's
 * own handlers are off (launch below): its SIGTERM handler closes the browsers but lets the bench go on to launch
 * the next variant's, and its SIGINT handler exits leaving the fixture process behind.
 */
const openResources = new Set<() => Promise<void>>();
let stopSignal: NodeJS.Signals | undefined;
function closeOnStopSignals(): void {
  const handler = (sig: NodeJS.Signals): void => {
    if (stopSignal) process.exit(signalExitCode(sig));
    stopSignal = sig;
    log(`${sig}: closing ${openResources.size} open browser(s) and fixture, then exiting (again to quit at once)`);
    // Bounded: a browser that does not close in time is killed by Playwright's exit hook.
    const bound = new Promise((r) => setTimeout(r, 10_000).unref());
    void Promise.race([Promise.allSettled([...openResources].map((close) => close())), bound]).then(() => process.exit(signalExitCode(sig)));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Registers `close` to run on a stop signal while `use` runs, and runs it (once) when `use` ends. */
async function whileOpen<T>(close: () => Promise<void>, use: () => Promise<T>): Promise<T> {
  let closing: Promise<void> | undefined;
  const once = (): Promise<void> => (closing ??= close());
  openResources.add(once);
  try {
    return await use();
  } finally {
    openResources.delete(once);
    await once();
  }
}
const fmt = (n: number | undefined, d = 2): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(d));

interface Variant {
  name: string;
  args: string[];
}

function parseVariants(spec: string): Variant[] {
  return spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const eq = s.indexOf('=');
      if (eq < 1) throw new Error(`--variants: "${s}" is not name=switches`);
      const args = s.slice(eq + 1).split(/\s+/).filter(Boolean);
      // Checked here, before any browser starts: `Number('abc')` would be NaN and the warm-up would silently be none.
      for (const a of args.filter((x) => x.startsWith('@warmup='))) {
        const text = a.slice('@warmup='.length);
        const w = Number(text);
        if (text === '' || !Number.isFinite(w) || w < 0) throw new Error(`--variants: "${a}" in "${s}": the warm-up must be a number of seconds ≥ 0`);
      }
      return { name: s.slice(0, eq), args };
    });
}

interface Fidelity {
  raf: boolean;
  rafFramesIn500ms: number;
  transitionEnded: boolean;
}

/** rAF fires, and keeps firing; a CSS transition runs to its end (what LiveView's JS.transition relies on). */
function fidelity(page: Page): Promise<Fidelity> {
  return page.evaluate(
    () =>
      new Promise<Fidelity>((res) => {
        let frames = 0;
        const t0 = performance.now();
        const tick = (): void => {
          frames++;
          if (performance.now() - t0 < 500) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        const el = document.createElement('div');
        el.style.cssText = 'width:10px;height:10px;opacity:1;transition:opacity 100ms linear';
        document.body.appendChild(el);
        let ended = false;
        el.addEventListener('transitionend', () => (ended = true));
        // Force a style pass so the change below starts a transition.
        void el.getBoundingClientRect();
        el.style.opacity = '0';
        setTimeout(() => {
          el.remove();
          res({ raf: frames > 0, rafFramesIn500ms: frames, transitionEnded: ended });
        }, 1_500);
      }),
  );
}

interface RoundResult {
  variant: string;
  round: number;
  clicks: number;
  errors: number;
  seconds: number;
  patchP50: number;
  patchP95: number;
  /** CPU ms per click by Chromium process kind, and in all. */
  perClick: Record<string, number>;
  chromiumPct: number;
  machinePct: number;
  othersPct: number;
  load1: number;
  fidelity: Fidelity | undefined;
  /** Per `process kind / thread`: ms of CPU and wake-ups per click (schedstat), the busiest first. */
  threads?: Array<{ thread: string; msPerClick: number; wakeupsPerClick: number }>;
  /** With --idle-seconds: CPU ms per page-second in the first --idle-after seconds after the clicks stopped. */
  afterClicksPerPageSecond?: Record<string, number>;
  /** With --idle-seconds: CPU ms per page-second with no clicks, by Chromium process kind and in all. */
  idlePerPageSecond?: Record<string, number>;
}

const pct = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** One page and how it clicks `#inc`, resolving with the click → patch time (page clock). */
interface Clicker {
  page: Page;
  click(): Promise<number>;
  close(): Promise<void>;
}

type PageMode = 'raw' | 'netcap' | 'rookery';

async function openPages(browser: Browser, url: string, n: number, mode: PageMode, mouseFirst = false): Promise<Clicker[]> {
  const pages: Clicker[] = [];
  for (let i = 0; i < n; i++) {
    const ctx = await browser.newContext();
    if (mode === 'rookery') await ctx.addInitScript({ content: PAGE_AGENT_SCRIPT });
    const page = await ctx.newPage();
    if (mouseFirst) await page.mouse.move(-10, -10);
    if (mode === 'rookery') {
      const registry = new MetricsRegistry();
      const probe = await PageProbe.attach(page, { sink: (obs) => recordObservation(registry, obs) });
      const lv = createVerbs({ page, probe, target: url, recorder: registry, input: 'fast', actionTimeoutMs: 15_000 });
      await lv.goto('/counter');
      pages.push({
        page,
        click: async () => {
          const t = await lv.click('#inc');
          if (!t.pushed || t.rttMs === undefined) throw new Error('click not pushed or not answered');
          return t.patchMs;
        },
        close: () => probe.detach(),
      });
      continue;
    }
    let capture: CdpCapture | undefined;
    // The probe's frame capture alone: a second Network stream whose events go nowhere.
    if (mode === 'netcap') capture = await attachCdpCapture(page, () => {});
    await page.goto(`${url}/counter`);
    await page.waitForSelector('[data-phx-main].phx-connected');
    pages.push({ page, click: () => clickAndTime(page), close: async () => void (await capture?.detach()) });
  }
  return pages;
}

async function clickLoad(pages: Clicker[], ms: number, thinkMs: number): Promise<{ times: number[]; errors: number }> {
  const end = performance.now() + ms;
  const times: number[] = [];
  let errors = 0;
  const sleep = (t: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, t)));
  await Promise.all(
    pages.map(async (page) => {
      await sleep(Math.random() * thinkMs);
      while (performance.now() < end) {
        try {
          times.push(await page.click());
        } catch {
          errors++;
        }
        await sleep(thinkMs * (0.75 + Math.random() * 0.5));
      }
    }),
  );
  return { times, errors };
}

interface TraceSummary {
  clicks: number;
  byThread: Array<{ thread: string; ms: number; perClickMs: number }>;
  events: Array<{ name: string; count: number; perClick: number; ms: number }>;
}

interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string };
}

function summarizeTrace(json: string, clicks: number): TraceSummary {
  const { traceEvents } = JSON.parse(json) as { traceEvents: TraceEvent[] };
  const procName = new Map<number, string>();
  const threadName = new Map<string, string>();
  for (const e of traceEvents) {
    if (e.ph !== 'M') continue;
    if (e.name === 'process_name') procName.set(e.pid, e.args?.name ?? '?');
    if (e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
  }
  const byThread = new Map<string, number>();
  const events = new Map<string, { count: number; us: number }>();
  for (const e of traceEvents) {
    if (e.ph !== 'X' && e.ph !== 'B') continue;
    const ev = events.get(e.name) ?? { count: 0, us: 0 };
    ev.count++;
    ev.us += e.dur ?? 0;
    events.set(e.name, ev);
    // Top-level tasks only, so nested slices are not counted twice.
    if (e.cat?.split(',').includes('toplevel') && e.ph === 'X') {
      const proc = (procName.get(e.pid) ?? 'process').replace(/\s+\d+$/, '');
      const th = (threadName.get(`${e.pid}:${e.tid}`) ?? 'thread').replace(/\d+$/, '');
      const key = `${proc} / ${th}`;
      byThread.set(key, (byThread.get(key) ?? 0) + (e.dur ?? 0));
    }
  }
  const c = Math.max(1, clicks);
  return {
    clicks,
    byThread: [...byThread].sort((a, b) => b[1] - a[1]).map(([thread, us]) => ({ thread, ms: us / 1000, perClickMs: us / 1000 / c })),
    events: [...events]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 60)
      .map(([name, v]) => ({ name, count: v.count, perClick: v.count / c, ms: v.us / 1000 })),
  };
}

/** `kind value, …` of a per-kind record, largest first: plain keys (prefix '') or those under `exact:`. */
function byKind(rec: Record<string, number>, prefix: string, min: number, digits: number): string {
  return Object.entries(rec)
    .filter(([k, x]) => k !== `${prefix}chromium` && k !== 'node' && x >= min && (prefix ? k.startsWith(prefix) : !k.includes(':') || k.startsWith('utility:')))
    .sort((x, y) => y[1] - x[1])
    .map(([k, x]) => `${k.slice(prefix.length)} ${fmt(x, digits)}`)
    .join(', ');
}

/** Records a Chromium trace while `during` runs (it returns how many units — clicks, page-seconds — it covered). */
async function traceWindow(browser: Browser, name: string, during: () => Promise<number>, extraCategories: string[] = []): Promise<TraceSummary> {
  await browser.startTracing(undefined, { categories: ['toplevel', 'cc', 'viz', 'benchmark', 'blink', 'input', ...extraCategories] });
  const units = await during();
  const buf = await browser.stopTracing();
  const dir = resolve(repoRoot(), 'rookery-results', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `chromium-trace-${name}-${Date.now()}.json`);
  writeFileSync(file, buf);
  const s = summarizeTrace(buf.toString('utf8'), units);
  log(`trace of ${name}: ${s.clicks} units (clicks or page-seconds), ${file}`);
  for (const th of s.byThread.slice(0, 14)) log(`  ${fmt(th.perClickMs, 3)} ms/unit  ${th.thread}`);
  for (const e of s.events.slice(0, 40)) log(`  ${fmt(e.perClick, 3).padStart(7)}/unit ${fmt(e.ms / Math.max(1, s.clicks), 3)} ms/unit  ${e.name}`);
  return s;
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const variants = parseVariants(str(flags, 'variants'));
  const pagesN = num(flags, 'pages');
  const seconds = num(flags, 'seconds');
  const thinkMs = num(flags, 'think-ms');
  log(`machine: ${machine.cores} cores, ${machine.chromium}; ${pagesN} pages, ${seconds} s per variant and round, variants ${variants.map((v) => v.name).join(', ')}`);
  // Registered while it starts too, so a signal in that second still closes it once it is up.
  const starting = startFixtureProcess();
  const closeStarting = (): Promise<void> => starting.then((f) => f.close(), () => undefined);
  openResources.add(closeStarting);
  const fixture = await starting.finally(() => openResources.delete(closeStarting));
  const results: RoundResult[] = [];
  const traces: Record<string, TraceSummary> = {};
  await whileOpen(() => fixture.close(), async () => {
    for (let round = 1; round <= num(flags, 'rounds'); round++) {
      for (const v of variants) {
        if (stopSignal) throw new Error(`stopped by ${stopSignal}`); // no new browser once stopping
        // `@…` entries are not switches but page-side settings of the variant.
        const { browser } = await launchChromium({ args: v.args.filter((a) => !a.startsWith('@')), launch: { handleSIGINT: false, handleSIGTERM: false } });
        await whileOpen(() => browser.close().catch(() => {}), async () => {
          const mode: PageMode = v.args.includes('@rookery') ? 'rookery' : v.args.includes('@netcap') ? 'netcap' : 'raw';
          const pages = await openPages(browser, fixture.url, pagesN, mode, v.args.includes('@mouse-away-first'));
          if (v.args.includes('@mouse-away')) for (const p of pages) await p.page.mouse.move(-10, -10);
          // Let the page loads' own work finish before measuring (`@warmup=S`: see the header).
          const warmup = Number(v.args.find((a) => a.startsWith('@warmup='))?.slice('@warmup='.length) ?? num(flags, 'warmup-seconds'));
          await clickLoad(pages, warmup * 1000, thinkMs);
          const fid = round === 1 ? await fidelity(pages[0]!.page).catch(() => undefined) : undefined;
          const a = readCpu(process.pid, fixture.pid, { exact: true });
          const load1 = loadavg()[0] ?? 0;
          const { times, errors } = await clickLoad(pages, seconds * 1000, thinkMs);
          const b = readCpu(process.pid, fixture.pid, { exact: true });
          const share = cpuShare(a, b);
          const clicks = Math.max(1, times.length);
          const ms = (p: number): number => ((p / 100) * share.seconds * 1000) / clicks;
          const perClick: Record<string, number> = { chromium: ms(share.chromium), node: ms(share.harness) };
          for (const [k, p] of Object.entries(share.chromiumByKind)) perClick[k] = ms(p);
          // The same from schedstat (exact run time), as `exact:` keys.
          if (share.chromiumExact !== undefined) perClick['exact:chromium'] = ms(share.chromiumExact);
          for (const [k, p] of Object.entries(share.chromiumExactByKind ?? {})) perClick[`exact:${k}`] = ms(p);
          const r: RoundResult = {
            variant: v.name,
            round,
            clicks: times.length,
            errors,
            seconds: share.seconds,
            patchP50: pct(times, 0.5),
            patchP95: pct(times, 0.95),
            perClick,
            chromiumPct: share.chromium,
            machinePct: share.machine,
            othersPct: share.others,
            load1,
            fidelity: fid,
            threads: Object.entries(share.chromiumThreads ?? {})
              .map(([thread, t]) => ({ thread, msPerClick: t.ns / 1e6 / clicks, wakeupsPerClick: t.runs / clicks }))
              .sort((x, y) => y.msPerClick - x.msPerClick)
              .slice(0, 14),
          };
          const idleS = num(flags, 'idle-seconds');
          if (idleS > 0) {
            const perPageS = (p: number): number => ((p / 100) * 1000) / pagesN;
            const measureIdle = async (seconds: number): Promise<Record<string, number>> => {
              const ia = readCpu(process.pid, fixture.pid, { exact: true });
              await new Promise((res) => setTimeout(res, seconds * 1000));
              const idle = cpuShare(ia, readCpu(process.pid, fixture.pid, { exact: true }));
              const rec: Record<string, number> = { chromium: perPageS(idle.chromium), node: perPageS(idle.harness) };
              for (const [k, p] of Object.entries(idle.chromiumByKind)) rec[k] = perPageS(p);
              if (idle.chromiumExact !== undefined) rec['exact:chromium'] = perPageS(idle.chromiumExact);
              for (const [k, p] of Object.entries(idle.chromiumExactByKind ?? {})) rec[`exact:${k}`] = perPageS(p);
              return rec;
            };
            // Right after the last click, then later: late work after activity (GC, compiles) lands in one or the other.
            const after = num(flags, 'idle-after');
            if (after > 0) r.afterClicksPerPageSecond = await measureIdle(after);
            // Then nothing: what mounted, idle pages cost.
            r.idlePerPageSecond = await measureIdle(idleS);
            if (round === 1 && str(flags, 'trace-idle').split(',').includes(v.name)) {
              // Per "click" below means per page-second: nothing clicks in this window.
              const s = await traceWindow(browser, `idle-${v.name}`, () => new Promise((res) => setTimeout(() => res(pagesN * idleS), idleS * 1000)), ['v8', 'disabled-by-default-v8.gc', 'loading', 'renderer.scheduler']);
              traces[`idle-${v.name}`] = s;
            }
          }
          results.push(r);
          log(
            `round ${round} ${v.name.padEnd(12)} clicks ${r.clicks} err ${errors} patch p50/p95 ${fmt(r.patchP50, 1)}/${fmt(r.patchP95, 1)} ms | chromium ${fmt(perClick.chromium)} ms/click (${byKind(perClick, '', 0.01, 2)}) exact ${fmt(perClick['exact:chromium'])} (${byKind(perClick, 'exact:', 0.01, 2)})` +
              ` node ${fmt(perClick.node)} | machine ${fmt(share.machine, 0)}% others ${fmt(share.others, 0)}% load ${fmt(load1)}` +
              (fid ? ` | rAF ${fid.raf ? 'yes' : 'NO'} (${fid.rafFramesIn500ms} frames/500ms) transitionend ${fid.transitionEnded ? 'yes' : 'NO'}` : ''),
          );
          if (str(flags, 'threads') !== 'no')
            log(`  threads ${v.name}: ${(r.threads ?? []).slice(0, 9).map((t) => `${t.thread} ${fmt(t.msPerClick)} ms/${fmt(t.wakeupsPerClick, 1)} wk`).join('; ')}`);
          if (r.idlePerPageSecond) {
            const clickCost = perClick['exact:chromium'] ?? perClick.chromium ?? 1;
            const show = (label: string, idle: Record<string, number>): void => {
              // At one click per think time, a page's idle cost per click is its idle CPU over one think time.
              const perClickMs = ((idle['exact:chromium'] ?? idle.chromium ?? 0) * thinkMs) / 1000;
              log(
                `  ${label} ${v.name}: chromium ${fmt(idle.chromium, 3)} ms per page-second (${byKind(idle, '', 0.001, 3)}), exact ${fmt(idle['exact:chromium'], 3)} (${byKind(idle, 'exact:', 0.001, 3)})` +
                  ` = ${fmt(perClickMs)} ms per think time of ${thinkMs} ms (${fmt((100 * perClickMs) / clickCost, 0)}% of ${fmt(clickCost)} per click)`,
              );
            };
            if (r.afterClicksPerPageSecond) show(`first ${num(flags, 'idle-after')} s after the clicks`, r.afterClicksPerPageSecond);
            show('idle floor', r.idlePerPageSecond);
          }
          if (round === 1 && str(flags, 'trace').split(',').includes(v.name)) {
            traces[v.name] = await traceWindow(browser, v.name, async () => (await clickLoad(pages, num(flags, 'trace-seconds') * 1000, thinkMs)).times.length, ['v8', 'disabled-by-default-v8.gc']);
          }
          for (const p of pages) await p.close().catch(() => {});
        });
      }
    }
  });
  const lines = ['', `chromium CPU ms per click, mean over ${num(flags, 'rounds')} round(s) (${pagesN} pages, one click per ${thinkMs} ms ± 25 %):`];
  const base = variants[0]!.name;
  const mean = (name: string, key: string): number => {
    const rs = results.filter((r) => r.variant === name);
    return rs.reduce((s, r) => s + (r.perClick[key] ?? 0), 0) / Math.max(1, rs.length);
  };
  for (const v of variants) {
    const keys = [...new Set(results.filter((r) => r.variant === v.name).flatMap((r) => Object.keys(r.perClick)))].filter((k) => k !== 'node');
    lines.push(
      `  ${v.name.padEnd(12)} ${keys.map((k) => `${k} ${fmt(mean(v.name, k))}`).join(', ')}, node ${fmt(mean(v.name, 'node'))}  → ${fmt(mean(v.name, 'chromium') / mean(base, 'chromium'))}× ${base}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = str(flags, 'out') || join(repoRoot(), 'rookery-results', 'bench', `chromium-profile-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify({ bench: 'chromium-profile', flags, machine, variants, results, traces }, null, 2));
  log(`results: ${out}`);
}

closeOnStopSignals();
// Stopped by a signal: what fails once the browser is closed under it is expected; the handler exits.
await main().catch((err: unknown) => (stopSignal ? new Promise<never>(() => {}) : Promise.reject(err)));
