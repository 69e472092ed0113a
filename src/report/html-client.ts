/**
 * The report page's script. It runs in the browser, not in Node: html-page.ts inlines it with
 * `drawReportCharts.toString()`, so it must be self-contained — no imports (types only), no references to
 * anything outside its own body. It turns prepared ChartSpecs into uPlot charts; all arithmetic happened in Node.
 */
import type uPlot from 'uplot';
import type { ChartSpec, ChartUnit } from './chart-specs.js';

export function drawReportCharts(specs: ChartSpec[], UPlot: typeof uPlot): number {
  // Legend values keep three significant digits; axis ticks drop trailing zeros (2.5 ms, not 2.50 ms).
  let trimZeros = false;
  const round = (v: number): string => {
    const a = Math.abs(v);
    if (a === 0) return '0';
    const text = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
    return trimZeros && text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  };
  const tick = (v: number, unit: ChartUnit | undefined): string => {
    trimZeros = true;
    try {
      return fmt(v, unit);
    } finally {
      trimZeros = false;
    }
  };
  const fmt = (v: number | null | undefined, unit: ChartUnit | undefined): string => {
    if (v === null || v === undefined || !Number.isFinite(v)) return '—';
    switch (unit) {
      case 'ms':
        return Math.abs(v) >= 10000 ? `${round(v / 1000)} s` : `${round(v)} ms`;
      case 'bytes':
        if (Math.abs(v) < 1000) return `${Math.round(v)} B`;
        if (Math.abs(v) < 1e6) return `${round(v / 1e3)} kB`;
        if (Math.abs(v) < 1e9) return `${round(v / 1e6)} MB`;
        return `${round(v / 1e9)} GB`;
      case 'percent':
        return `${round(v)} %`;
      case 'per_s':
        return `${round(v)}/s`;
      default:
        return Number.isInteger(v) ? v.toLocaleString('en-US') : round(v);
    }
  };
  const clock = (s: number): string => {
    const t = Math.round(s);
    if (t < 60) return `${t}s`;
    const h = Math.floor(t / 3600);
    const m = Math.floor((t % 3600) / 60);
    const rest = t % 60;
    if (h > 0) return m === 0 ? `${h}h` : `${h}h${String(m).padStart(2, '0')}m`;
    return rest === 0 ? `${m}m` : `${m}m${String(rest).padStart(2, '0')}s`;
  };
  const percentileOf = (x: number): string => {
    const p = 100 * (1 - 1 / x);
    if (p <= 0) return '0%';
    const digits = Math.max(0, Math.ceil(-Math.log10(100 - p)) + 1);
    const text = p.toFixed(Math.min(digits, 4));
    return `${text.includes('.') ? text.replace(/\.?0+$/, '') : text}%`;
  };
  const shorten = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const axisFont = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  const axisBase = { stroke: '#64748b', font: axisFont, grid: { stroke: '#eef1f5', width: 1 }, ticks: { stroke: '#e2e8f0', width: 1 } };

  let drawn = 0;
  for (const spec of specs) {
    const root = document.getElementById(spec.id);
    const plot = root?.querySelector<HTMLElement>('.chart-plot');
    if (!root || !plot) continue;
    const picker = root.querySelector<HTMLSelectElement>('select.chart-picker');
    const height = spec.height ?? 280;
    let chart: uPlot | undefined;
    let current = 0;

    const draw = (index: number): void => {
      const ds = spec.datasets[index];
      if (!ds) return;
      current = index;
      chart?.destroy();
      const categories = ds.categories ?? [];
      const xSeries: uPlot.Series =
        spec.x === 'seconds'
          ? { label: 'time', value: (_u, v) => (v === null ? '—' : clock(v)) }
          : spec.x === 'percentile'
            ? { label: 'percentile', value: (_u, v) => (v === null ? '—' : percentileOf(v)) }
            : { label: 'category', value: (_u, v) => (v === null ? '—' : (categories[Math.round(v)] ?? '')) };
      const series: uPlot.Series[] = [xSeries];
      for (const s of ds.series) {
        const unit = s.axis2 ? ds.unit2 : ds.unit;
        const one: uPlot.Series = {
          label: s.label,
          stroke: s.color,
          width: s.bars !== undefined ? 1 : 2,
          scale: s.axis2 ? 'y2' : 'y',
          spanGaps: false,
          points: { show: spec.x === 'category' ? false : (u, seriesIdx) => (u.data[0]?.length ?? 0) < 24 && seriesIdx > 0 },
          value: (_u, v) => fmt(v, unit),
        };
        if (s.dash) one.dash = s.dash;
        if (s.fill) one.fill = `${s.color}1f`;
        if (s.bars !== undefined) {
          one.fill = `${s.color}cc`;
          one.paths = UPlot.paths.bars!({ size: [0.36, 56], align: s.bars, gap: 2 });
        }
        series.push(one);
      }
      const xAxis: uPlot.Axis =
        spec.x === 'seconds'
          ? { ...axisBase, values: (_u, splits) => splits.map(clock) }
          : spec.x === 'percentile'
            ? {
                ...axisBase,
                splits: (_u, _i, _min, max) => [1, 2, 10, 100, 1000, 10000, 100000].filter((v) => v <= max * 1.0001),
                // uPlot thins log-axis labels by default (nulls); these splits are already sparse.
                filter: (_u, splits) => splits,
                values: (_u, splits) => splits.map((v) => (v === null || v === undefined ? '' : percentileOf(v))),
              }
            : {
                ...axisBase,
                splits: () => categories.map((_c, i) => i),
                values: (_u, splits) => splits.map((i) => shorten(categories[Math.round(i)] ?? '', 26)),
                grid: { show: false },
                // Slant the names when they cannot sit side by side.
                ...(categories.length * 120 > plot.clientWidth ? { rotate: -32, size: 100 } : {}),
              };
      const axes: uPlot.Axis[] = [xAxis, { ...axisBase, size: 64, values: (_u, splits) => splits.map((v) => tick(v, ds.unit)) }];
      const scales: uPlot.Scales = {
        x:
          spec.x === 'percentile'
            ? { time: false, distr: 3, log: 10 }
            : spec.x === 'category'
              ? { time: false, range: () => [-0.5, Math.max(categories.length - 0.5, 0.5)] }
              : { time: false },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
      };
      if (ds.series.some((s) => s.axis2)) {
        axes.push({ ...axisBase, scale: 'y2', side: 1, size: 56, grid: { show: false }, values: (_u, splits) => splits.map((v) => tick(v, ds.unit2)) });
        scales.y2 = { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] };
      }
      const slanted = spec.x === 'category' && categories.length * 120 > plot.clientWidth;
      const opts: uPlot.Options = {
        width: Math.max(260, plot.clientWidth),
        height: slanted ? height + 60 : height,
        // Room on the right for the last slanted name.
        ...(slanted ? { padding: [12, 40, 0, 8] as uPlot.Padding } : {}),
        series,
        axes,
        scales,
        legend: { show: true, live: true },
        cursor: { drag: { x: spec.x !== 'category', y: false } },
      };
      const shade = spec.shade ?? [];
      if (shade.length > 0) {
        // Saturated seconds as red bands behind the lines: numbers there measure the harness, not the app.
        opts.hooks = {
          drawClear: [
            (u: uPlot) => {
              const ctx = u.ctx;
              ctx.save();
              ctx.fillStyle = 'rgba(239, 68, 68, 0.12)';
              for (const [a, b] of shade) {
                const x0 = u.valToPos(a, 'x', true);
                const x1 = u.valToPos(b, 'x', true);
                ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
              }
              ctx.restore();
            },
          ],
        };
      }
      chart = new UPlot(opts, ds.data as uPlot.AlignedData, plot);
      root.dataset.drawn = 'true';
      root.dataset.points = String(ds.data[0]?.length ?? 0);
      root.dataset.series = String(ds.series.length);
      root.dataset.dataset = ds.name;
      root.dataset.shaded = String(shade.length);
    };

    if (picker && spec.datasets.length > 1) {
      spec.datasets.forEach((ds, i) => {
        const option = document.createElement('option');
        option.value = String(i);
        option.textContent = ds.name;
        picker.appendChild(option);
      });
      picker.hidden = false;
      picker.addEventListener('change', () => draw(Number(picker.value)));
    }
    draw(0);
    drawn += 1;
    if (typeof ResizeObserver === 'function') {
      let lastWidth = plot.clientWidth;
      // Redraw rather than resize: the layout (slanted category names) depends on the width.
      new ResizeObserver(() => {
        const width = plot.clientWidth;
        if (chart && width !== lastWidth) {
          lastWidth = width;
          draw(current);
        }
      }).observe(plot);
    }
  }
  document.body.dataset.chartsDrawn = String(drawn);
  return drawn;
}
