/**
 * Which exported families Rookery keeps, and what they mean. A rule maps a family name (regex) to a role —
 * Rookery's name for the quantity — with a unit conversion and label renames. Families no rule matches are
 * counted and dropped (a PromEx endpoint exports hundreds; results keep what the report can use).
 *
 * Built in (first match wins; user rules from config are tried first):
 * - PromEx (`PromEx.Plugins.PhoenixLiveView`, `PromEx.Plugins.Beam`), prefix `<otp_app>_prom_ex_`:
 *   `…_phoenix_live_view_handle_event_duration_milliseconds{event,action,module}`,
 *   `…_phoenix_live_view_mount_duration_milliseconds{action,module}`, `…_beam_memory_allocated_bytes`,
 *   `…_beam_memory_processes_total_bytes`, `…_beam_stats_run_queue_count{type}`, `…_beam_stats_process_count`;
 * - TelemetryMetricsPrometheus (names are the telemetry event joined by `_`): `phoenix_live_view_handle_event_stop_duration`,
 *   `phoenix_live_view_mount_stop_duration`, `phoenix_live_component_handle_event_stop_duration`,
 *   `vm_memory_total`, `vm_memory_processes`, `vm_total_run_queue_lengths_total`, `vm_system_counts_process_count`.
 * Durations are converted to ms by the name's unit suffix (`_seconds`, `_milliseconds`, `_microseconds`,
 * `_nanoseconds`); without one they are taken as ms (set `scale` in a rule otherwise). PromEx's `module` label
 * becomes `view`, and its `action` (the LiveView's live_action) becomes `live_action`, so it is never confused
 * with Rookery's own `action`.
 */

export type Role =
  | 'lv_handle_event_ms'
  | 'lv_component_handle_event_ms'
  | 'lv_mount_ms'
  | 'lv_handle_params_ms'
  | 'memory_bytes'
  | 'memory_processes_bytes'
  | 'run_queue'
  | 'process_count';

export interface MappingRule {
  /** Regular expression (as text in config) matched against the whole family name. */
  match: string | RegExp;
  /** A built-in role or any name of your own (kept and plotted, not interpreted). */
  role: Role | (string & {});
  /** Multiply values by this (after the unit-suffix conversion for durations). Default 1. */
  scale?: number;
  /** Label renames, e.g. `{ module: 'view' }`. */
  labels?: Readonly<Record<string, string>>;
  /** Unit of the role's values after conversion (default from the role: ms, bytes or count). */
  unit?: 'ms' | 'bytes' | 'count' | (string & {});
}

export interface CompiledRule {
  re: RegExp;
  role: string;
  scale: number;
  labels: Readonly<Record<string, string>>;
  unit: string;
  /** Whether the name's unit suffix converts it to ms (duration roles). */
  duration: boolean;
}

const DURATION = '(?:_(?:milli|micro|nano)?seconds)?';
const PROMEX_LABELS = { module: 'view', action: 'live_action' } as const;

export const DEFAULT_RULES: readonly MappingRule[] = [
  { match: `^(?:.+_)?phoenix_live_view_handle_event(?:_stop)?_duration${DURATION}$`, role: 'lv_handle_event_ms', labels: PROMEX_LABELS },
  { match: `^(?:.+_)?phoenix_live_component_handle_event(?:_stop)?_duration${DURATION}$`, role: 'lv_component_handle_event_ms', labels: PROMEX_LABELS },
  { match: `^(?:.+_)?phoenix_live_view_mount(?:_stop)?_duration${DURATION}$`, role: 'lv_mount_ms', labels: PROMEX_LABELS },
  { match: `^(?:.+_)?phoenix_live_view_handle_params(?:_stop)?_duration${DURATION}$`, role: 'lv_handle_params_ms', labels: PROMEX_LABELS },
  { match: '^(?:.+_)?beam_memory_allocated_bytes$|^vm_memory_total(?:_bytes)?$', role: 'memory_bytes' },
  { match: '^(?:.+_)?beam_memory_processes_total_bytes$|^vm_memory_processes(?:_bytes)?$', role: 'memory_processes_bytes' },
  { match: '^(?:.+_)?beam_stats_run_queue_count$|^vm_total_run_queue_lengths_total$', role: 'run_queue' },
  { match: '^(?:.+_)?beam_stats_process_count$|^vm_system_counts_process_count$', role: 'process_count' },
];

function defaultUnit(role: string): string {
  if (role.endsWith('_ms')) return 'ms';
  if (role.endsWith('_bytes')) return 'bytes';
  return 'count';
}

/** Compiles config rules (tried first) and the built-in ones. Throws naming the bad rule. */
export function compileRules(user: readonly MappingRule[] = [], builtIn: readonly MappingRule[] = DEFAULT_RULES): CompiledRule[] {
  return [...user, ...builtIn].map((r, i) => {
    const where = i < user.length ? `serverMetrics.mapping[${i}]` : `built-in rule ${r.role}`;
    if (typeof r.role !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(r.role)) throw new Error(`${where}: role must be a metric-like name, got ${JSON.stringify(r.role)}`);
    let re: RegExp;
    try {
      re = typeof r.match === 'string' ? new RegExp(r.match) : r.match;
    } catch (err) {
      throw new Error(`${where}: match ${JSON.stringify(String(r.match))} is not a regular expression (${err instanceof Error ? err.message : String(err)})`);
    }
    const scale = r.scale ?? 1;
    if (!Number.isFinite(scale) || scale <= 0) throw new Error(`${where}: scale must be a positive number, got ${String(r.scale)}`);
    const unit = r.unit ?? defaultUnit(r.role);
    return { re, role: r.role, scale, labels: r.labels ?? {}, unit, duration: unit === 'ms' };
  });
}

/** Factor from the family name's unit suffix to ms (durations); 1 when it has none. */
export function durationScale(family: string): number {
  if (/_nanoseconds$/.test(family)) return 1e-6;
  if (/_microseconds$/.test(family)) return 1e-3;
  if (/_milliseconds$/.test(family)) return 1;
  if (/_seconds$/.test(family)) return 1000;
  return 1;
}

export interface Match {
  role: string;
  unit: string;
  /** Multiply raw values by this. */
  factor: number;
  rename: Readonly<Record<string, string>>;
}

export function matchFamily(rules: readonly CompiledRule[], family: string): Match | undefined {
  for (const r of rules) {
    if (!r.re.test(family)) continue;
    return { role: r.role, unit: r.unit, factor: r.scale * (r.duration ? durationScale(family) : 1), rename: r.labels };
  }
  return undefined;
}

export function renameLabels(labels: Readonly<Record<string, string>>, rename: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[rename[k] ?? k] = v;
  return out;
}
