/**
 * Where Chromium's CPU per click goes, by process kind, for several sets of launch switches in one run (issue 13
 * item 5). Not a density test: a fixed number of pages on /counter, each clicking `#inc` once per think time
 * (± 25 %) with an in-page `el.click()` (the density bench's raw baseline), while /proc is read for every Chromium
 * process of this bench, split by kind (browser, renderer, gpu-process, utility:network…).
 *
 *   npm run build && node bench/run.js chromium-profile [--pages 20] [--seconds 20] [--rounds 2]
 *     [--variants 'base=;nothread=--disable-threaded-compositing'] [--trace base] [--trace-seconds 6]
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
import { parseFlags, num, str } from './support/bench-args.js';
import { startFixtureProcess } from './support/fixture-process.js';
import { cpuShare, readCpu } from './support/proc-usage.js';
import { repoRoot } from './support/repo-root.js';
import { describeMachine } from './support/machine-description.js';
import { clickAndTime } from './support/raw-playwright.js';

const flags = parseFlags(process.argv.slice(2), {
  pages: '20',
  seconds: '20',
  rounds: '2',
  'think-ms': '2000',
  variants: 'base=',
  trace: '',
  'trace-seconds': '6',
  out: '',
});

const log = (line: string): void => void process.stderr.write(`${line}\n`);
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
      return { name: s.slice(0, eq), args: s.slice(eq + 1).split(/\s+/).filter(Boolean) };
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
}

const pct = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function openPages(browser: Browser, url: string, n: number, mouseFirst = false): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < n; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    if (mouseFirst) await page.mouse.move(-10, -10);
    await page.goto(`${url}/counter`);
    await page.waitForSelector('[data-phx-main].phx-connected');
    pages.push(page);
  }
  return pages;
}

async function clickLoad(pages: Page[], ms: number, thinkMs: number): Promise<{ times: number[]; errors: number }> {
  const end = performance.now() + ms;
  const times: number[] = [];
  let errors = 0;
  const sleep = (t: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, t)));
  await Promise.all(
    pages.map(async (page) => {
      await sleep(Math.random() * thinkMs);
      while (performance.now() < end) {
        try {
          times.push(await clickAndTime(page));
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

async function main(): Promise<void> {
  const machine = describeMachine();
  const variants = parseVariants(str(flags, 'variants'));
  const pagesN = num(flags, 'pages');
  const seconds = num(flags, 'seconds');
  const thinkMs = num(flags, 'think-ms');
  log(`machine: ${machine.cores} cores, ${machine.chromium}; ${pagesN} pages, ${seconds} s per variant and round, variants ${variants.map((v) => v.name).join(', ')}`);
  const fixture = await startFixtureProcess();
  const results: RoundResult[] = [];
  const traces: Record<string, TraceSummary> = {};
  try {
    for (let round = 1; round <= num(flags, 'rounds'); round++) {
      for (const v of variants) {
        // `@…` entries are not switches but page-side settings of the variant.
        const { browser } = await launchChromium({ args: v.args.filter((a) => !a.startsWith('@')) });
        try {
          const pages = await openPages(browser, fixture.url, pagesN, v.args.includes('@mouse-away-first'));
          if (v.args.includes('@mouse-away')) for (const p of pages) await p.mouse.move(-10, -10);
          // Let the page loads' own work finish before measuring.
          await clickLoad(pages, 4_000, thinkMs);
          const fid = round === 1 ? await fidelity(pages[0]!).catch(() => undefined) : undefined;
          const a = readCpu(process.pid, fixture.pid);
          const load1 = loadavg()[0] ?? 0;
          const { times, errors } = await clickLoad(pages, seconds * 1000, thinkMs);
          const b = readCpu(process.pid, fixture.pid);
          const share = cpuShare(a, b);
          const clicks = Math.max(1, times.length);
          const ms = (p: number): number => ((p / 100) * share.seconds * 1000) / clicks;
          const perClick: Record<string, number> = { chromium: ms(share.chromium), node: ms(share.harness) };
          for (const [k, p] of Object.entries(share.chromiumByKind)) perClick[k] = ms(p);
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
          };
          results.push(r);
          log(
            `round ${round} ${v.name.padEnd(12)} clicks ${r.clicks} err ${errors} patch p50/p95 ${fmt(r.patchP50, 1)}/${fmt(r.patchP95, 1)} ms | chromium ${fmt(perClick.chromium)} ms/click (` +
              Object.entries(perClick)
                .filter(([k, x]) => k !== 'chromium' && k !== 'node' && x >= 0.01)
                .sort((x, y) => y[1] - x[1])
                .map(([k, x]) => `${k} ${fmt(x)}`)
                .join(', ') +
              `) node ${fmt(perClick.node)} | machine ${fmt(share.machine, 0)}% others ${fmt(share.others, 0)}% load ${fmt(load1)}` +
              (fid ? ` | rAF ${fid.raf ? 'yes' : 'NO'} (${fid.rafFramesIn500ms} frames/500ms) transitionend ${fid.transitionEnded ? 'yes' : 'NO'}` : ''),
          );
          if (round === 1 && str(flags, 'trace').split(',').includes(v.name)) {
            await browser.startTracing(undefined, { categories: ['toplevel', 'cc', 'viz', 'benchmark', 'blink', 'input'] });
            const t = await clickLoad(pages, num(flags, 'trace-seconds') * 1000, thinkMs);
            const buf = await browser.stopTracing();
            const dir = resolve(repoRoot(), 'rookery-results', 'bench');
            mkdirSync(dir, { recursive: true });
            const file = join(dir, `chromium-trace-${v.name}-${Date.now()}.json`);
            writeFileSync(file, buf);
            traces[v.name] = summarizeTrace(buf.toString('utf8'), t.times.length);
            const s = traces[v.name]!;
            log(`trace of ${v.name}: ${s.clicks} clicks, ${file}`);
            for (const th of s.byThread.slice(0, 14)) log(`  ${fmt(th.perClickMs)} ms/click  ${th.thread}`);
            for (const e of s.events.slice(0, 40)) log(`  ${fmt(e.perClick, 2).padStart(6)}/click ${fmt(e.ms / Math.max(1, s.clicks), 3)} ms/click  ${e.name}`);
          }
        } finally {
          await browser.close().catch(() => {});
        }
      }
    }
  } finally {
    await fixture.close();
  }
  const lines = ['', `chromium CPU ms per click, mean over ${num(flags, 'rounds')} round(s) (${pagesN} pages, one click per ${thinkMs} ms ± 25 %):`];
  const base = variants[0]!.name;
  const mean = (name: string, key: string): number => {
    const rs = results.filter((r) => r.variant === name);
    return rs.reduce((s, r) => s + (r.perClick[key] ?? 0), 0) / Math.max(1, rs.length);
  };
  for (const v of variants) {
    const keys = [...new Set(results.filter((r) => r.variant === v.name).flatMap((r) => Object.keys(r.perClick)))].filter((k) => k !== 'node');
    lines.push(
      `  ${v.name.padEnd(12)} ${keys.map((k) => `${k} ${fmt(mean(v.name, k))}`).join(', ')}  → ${fmt(mean(v.name, 'chromium') / mean(base, 'chromium'))}× ${base}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = str(flags, 'out') || join(repoRoot(), 'rookery-results', 'bench', `chromium-profile-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify({ bench: 'chromium-profile', flags, machine, variants, results, traces }, null, 2));
  log(`results: ${out}`);
}

await main();
