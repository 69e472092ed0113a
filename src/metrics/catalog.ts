/**
 * The metric names Rookery reports. They are a public contract (thresholds, dashboards and compare reports use
 * them): the unit is in the name, labels are listed per metric. Add here; never rename.
 *
 * `action` on per-event metrics is what the scenario calls the user's action (`u.lv.click(sel, { action })`),
 * the event name by default; compare pairs variants by it, so differently named events can be compared.
 */

export type MetricUnit = 'ms' | 'bytes' | 'count' | 'percent';

export interface MetricSpec {
  readonly unit: MetricUnit;
  readonly labels: readonly string[];
  /** Label keys a series carries only when they were given (omitted, not '', otherwise), like `variant`. */
  readonly optionalLabels?: readonly string[];
  readonly help: string;
}

export const HISTOGRAMS = {
  http_document_ms: { unit: 'ms', labels: ['view'], help: 'Dead render: navigation start → HTML response end (Navigation Timing)' },
  ws_connect_ms: { unit: 'ms', labels: [], help: 'WebSocket handshake request → 101 response (CDP clock)' },
  lv_join_ms: { unit: 'ms', labels: ['view'], help: 'phx_join sent → matching phx_reply (CDP clock)' },
  lv_mount_ms: { unit: 'ms', labels: ['view'], help: 'Navigation start → LiveView connected and rendered (page clock)' },
  ws_heartbeat_rtt_ms: { unit: 'ms', labels: [], help: 'Phoenix heartbeat → phx_reply (CDP clock): no app work, so the probe floor on this machine under this load' },
  lv_event_rtt_ms: { unit: 'ms', labels: ['event', 'view'], optionalLabels: ['action'], help: 'event push → phx_reply with the same topic and ref (CDP clock)' },
  lv_patch_ms: { unit: 'ms', labels: ['event', 'view'], optionalLabels: ['action'], help: 'User action → DOM patched, measured in the page (page clock)' },
  lv_diff_bytes: { unit: 'bytes', labels: ['event', 'view'], optionalLabels: ['action'], help: 'Event reply frame bytes (UTF-8 payload length)' },
  lv_join_bytes: { unit: 'bytes', labels: ['view'], help: 'Join reply frame bytes' },
  lv_push_bytes: { unit: 'bytes', labels: ['view'], help: 'Server-pushed diff frame bytes' },
  lv_diff_static_bytes: { unit: 'bytes', labels: ['event', 'view'], optionalLabels: ['action'], help: 'Bytes of statics (s, p) in a diff' },
  lv_diff_dynamic_bytes: { unit: 'bytes', labels: ['event', 'view'], optionalLabels: ['action'], help: 'Bytes of dynamics in a diff' },
  lv_diff_components: { unit: 'count', labels: ['event', 'view'], optionalLabels: ['action'], help: 'Components (c) touched by a diff' },
  lv_stream_ops: { unit: 'count', labels: ['event', 'view'], optionalLabels: ['action'], help: 'Stream inserts + deletes + resets in a diff' },
  /** Scenario-level timings. */
  step_ms: { unit: 'ms', labels: ['step'], help: 'Duration of a u.step() block' },
  iteration_ms: { unit: 'ms', labels: [], help: 'Duration of one user iteration' },
  /** Visual checks' own cost, so their overhead on the load is measured, not guessed. */
  visual_capture_ms: { unit: 'ms', labels: ['checkpoint'], help: 'u.snapshot(): settle wait + screenshot, in the user iteration (sampled iterations only)' },
  visual_compare_ms: { unit: 'ms', labels: ['checkpoint'], help: 'u.snapshot(): PNG decode + pixelmatch against the baseline, on the harness CPU' },
  /** Harness self-health, sampled each interval. */
  harness_event_loop_lag_ms: { unit: 'ms', labels: [], help: 'Node event-loop delay of the load generator' },
  harness_gc_pause_ms: { unit: 'ms', labels: ['process'], help: 'Garbage-collection pauses of harness worker processes (lite users)' },
} as const satisfies Record<string, MetricSpec>;

export const COUNTERS = {
  lv_events: { unit: 'count', labels: ['event', 'view'], optionalLabels: ['action'], help: 'Event round trips matched (push ↔ phx_reply)' },
  lv_pushes: { unit: 'count', labels: ['view'], help: 'Server pushes (diff, redirect, live_patch, live_redirect)' },
  lv_joins: { unit: 'count', labels: ['view', 'cause'], help: 'Joins answered' },
  lv_errors: { unit: 'count', labels: ['kind'], help: 'join_error, crash, timeout, disconnect, undecodable' },
  ws_reconnects: { unit: 'count', labels: [], help: 'WebSocket reconnects (a new socket that rejoins with _mounts ≥ 1)' },
  ws_frames: { unit: 'count', labels: ['dir'], help: 'WebSocket frames, all channels' },
  ws_bytes: { unit: 'bytes', labels: ['dir'], help: 'WebSocket payload bytes, all channels' },
  ws_heartbeats: { unit: 'count', labels: [], help: 'Phoenix heartbeats (not LiveView traffic)' },
  iterations: { unit: 'count', labels: ['result'], help: 'User iterations by how they ended: ok, error, dropped (open model, beyond max in flight) or aborted (cut short by the graceful stop)' },
  checks: { unit: 'count', labels: ['check', 'result'], help: 'u.check() outcomes (pass / fail)' },
  user_errors: { unit: 'count', labels: ['kind'], help: 'Errors thrown in scenario code or verbs' },
  iteration_backoffs: { unit: 'count', labels: [], help: 'Back-off waits of users whose iterations kept failing (exponential with jitter, src/load/backoff.ts)' },
  visual_mismatch: { unit: 'count', labels: ['checkpoint'], help: 'Visual snapshots that differ from their baseline' },
  visual_snapshots: { unit: 'count', labels: ['checkpoint'], help: 'Visual snapshots taken' },
} as const satisfies Record<string, MetricSpec>;

/** Last-value-per-interval readings (plotted over time, not merged into distributions). */
export const GAUGES = {
  users_active: { unit: 'count', labels: [], help: 'Users running an iteration' },
  users_target: { unit: 'count', labels: [], help: 'Users the load profile asks for' },
  harness_cpu_percent: { unit: 'percent', labels: ['process'], help: 'CPU of the harness (node), its browsers (chromium) and its lite-user workers (lite), % of one core' },
  lv_connected: { unit: 'count', labels: ['view'], help: 'Main LiveViews Rookery holds connected (joined, not closed), by view' },
  harness_rss_bytes: { unit: 'bytes', labels: ['process'], help: 'Resident memory of the harness (node), its browsers (chromium) and its lite-user workers (lite)' },
  harness_saturated: { unit: 'count', labels: [], help: '1 when the harness was saturated at its last health sample (summed over runners)' },
} as const satisfies Record<string, MetricSpec>;

export type HistogramName = keyof typeof HISTOGRAMS;
export type CounterName = keyof typeof COUNTERS;
export type GaugeName = keyof typeof GAUGES;

/** Names not in the catalogue (custom step names become labels, not names) are rejected by the registry. */
export function unitOf(name: string): MetricUnit | undefined {
  const spec = (HISTOGRAMS as Record<string, MetricSpec>)[name] ?? (COUNTERS as Record<string, MetricSpec>)[name] ?? (GAUGES as Record<string, MetricSpec>)[name];
  return spec?.unit;
}
