/**
 * Durations as people write them (`500ms`, `30s`, `2m`, `1h`, `1m30s`, `1.5s`) and as Rookery prints them.
 */
import type { Duration } from '../scenario/define.js';
import { LoadConfigError } from '../common/config-error.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
/** Units in the only order a compound duration may use them (largest first, each at most once). */
const UNIT_ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];
// `ms` must be tried before `m`, or "500ms" would read as 500 minutes followed by junk.
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)/y;
const HINT = '(try 30s, 2m, 1m30s, 500ms)';

/**
 * Milliseconds for `d`. Numbers are milliseconds; strings need units, except `"0"`.
 * `what` names the setting in errors (e.g. `--ramp`, `options.duration`).
 */
export function parseDuration(d: Duration, what: string): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new LoadConfigError(`${what}: ${String(d)} is not a duration; use milliseconds ≥ 0 or a string ${HINT}`);
    return d;
  }
  if (typeof d !== 'string') throw new LoadConfigError(`${what}: ${describeValue(d)} is not a duration ${HINT}`);
  const ms = parseDurationString(d.trim());
  if (ms === undefined) throw new LoadConfigError(`${what}: ${JSON.stringify(d)} is not a duration ${HINT}`);
  return ms;
}

function parseDurationString(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  let pos = 0;
  let nextUnit = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const match = PART.exec(text);
    if (!match) return undefined;
    const unit = match[2] as Unit;
    const order = UNIT_ORDER.indexOf(unit);
    if (order < nextUnit) return undefined; // "30s1m" or "1m1m": almost certainly a typo, so refuse it
    nextUnit = order + 1;
    total += scaled(match[1] ?? '', UNIT_MS[unit]);
    pos = PART.lastIndex;
  }
  return total;
}

/** `digits × unit` without binary-fraction error: "1.001" × 1000 must be exactly 1001, not 1000.9999999999999. */
function scaled(digits: string, unit: number): number {
  const [whole = '', fraction = ''] = digits.split('.');
  return Number(whole || '0') * unit + (fraction ? (Number(fraction) * unit) / 10 ** fraction.length : 0);
}

/** `90000` → `1m30s`, `1500` → `1.5s`, `250` → `250ms`, `0` → `0s`. Rounds to whole milliseconds; the
 * output always parses back with `parseDuration` to the rounded value. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  const sign = ms < 0 && rest > 0 ? '-' : '';
  if (rest === 0) return '0s';
  if (rest < 1000) return `${sign}${rest}ms`;
  const parts: string[] = [];
  const hours = Math.floor(rest / UNIT_MS.h);
  rest -= hours * UNIT_MS.h;
  const minutes = Math.floor(rest / UNIT_MS.m);
  rest -= minutes * UNIT_MS.m;
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (rest > 0) {
    const seconds = Math.floor(rest / 1000);
    const millis = rest % 1000;
    // Whole seconds print as "3s"; a fraction as "1.5s" rather than "1s500ms", which reads worse.
    parts.push(millis === 0 ? `${seconds}s` : `${seconds}.${String(millis).padStart(3, '0').replace(/0+$/, '')}s`);
  }
  return sign + parts.join('');
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
