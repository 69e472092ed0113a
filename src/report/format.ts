/**
 * How numbers, units, labels and durations read in every report (console, Markdown, HTML), so the same value
 * looks the same everywhere.
 */
import type { Labels } from '../metrics/model.js';

/** `name{k=v,…}` with sorted keys: the identity of one metric series across runs. */
export function metricKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}=${labels[k]}`).join(',')}}`;
}

/** `event=inc view=/counter`, or `—` when unlabeled. */
export function formatLabels(labels: Labels, omit: readonly string[] = []): string {
  const keys = Object.keys(labels).filter((k) => !omit.includes(k)).sort();
  if (keys.length === 0) return '—';
  return keys.map((k) => `${k}=${labels[k]}`).join(' ');
}

export function withoutLabel(labels: Labels, key: string): Labels {
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== key) rest[k] = v;
  return rest;
}

/** Significant digits that keep 0.412 ms, 5.13 ms, 41.2 ms and 412 ms all readable at a glance. */
function roundSig(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 10_000) return `${roundSig(ms / 1000)} s`;
  return `${roundSig(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (abs < 1000) return `${Math.round(bytes)} B`;
  if (abs < 1_000_000) return `${roundSig(bytes / 1000)} kB`;
  if (abs < 1_000_000_000) return `${roundSig(bytes / 1_000_000)} MB`;
  return `${roundSig(bytes / 1_000_000_000)} GB`;
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return roundSig(n);
}

/** A bare number without unit (threshold actuals): `7.9`, `1,234`, `0.25`. */
export function formatPlain(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  const text = n.toFixed(Math.abs(n) >= 1 ? 2 : 3);
  return text.replace(/\.?0+$/, '');
}

/** A value in a metric's unit (as in the catalogue: ms, bytes, count, percent). */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'bytes':
      return formatBytes(value);
    case 'percent':
      return `${roundSig(value)} %`;
    default:
      return formatCount(value);
  }
}

/** Signed difference in the metric's unit: `+1.20 ms`, `−5.7 kB`. */
export function formatDelta(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return `±${formatValue(0, unit)}`;
  const body = formatValue(Math.abs(value), unit);
  return value > 0 ? `+${body}` : `−${body}`;
}

/** Signed percentage: `+12.3 %`, `−95 %`; `—` when the base is zero. */
export function formatPercentChange(pct: number | null): string {
  if (pct === null || !Number.isFinite(pct)) return '—';
  const abs = Math.abs(pct);
  const body = abs >= 100 ? abs.toFixed(0) : abs.toFixed(1);
  if (Number(body) === 0) return '±0 %';
  return pct > 0 ? `+${body} %` : `−${body} %`;
}

/** A rate per second in the unit of the counter: `12.5/s`, `1.20 kB/s`. */
export function formatRate(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond)) return '—';
  if (unit === 'bytes') return `${formatBytes(perSecond)}/s`;
  const abs = Math.abs(perSecond);
  const text = abs >= 100 ? perSecond.toFixed(0) : abs >= 10 ? perSecond.toFixed(1) : perSecond.toFixed(2);
  return `${text.includes('.') ? text.replace(/\.?0+$/, '') : text}/s`;
}

/** `2m 05s`, `45.2 s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 60_000) return `${roundSig(ms / 1000)} s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(s).padStart(2, '0')}s`;
}

/** p-values read as `p<0.001` rather than a wall of zeros. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return 'p=—';
  if (p < 0.001) return 'p<0.001';
  return `p=${p.toFixed(3)}`;
}
