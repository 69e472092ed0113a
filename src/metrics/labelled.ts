/**
 * A view of a registry that adds fixed labels to everything recorded through it — how a user in an A/B run
 * records under its `variant` while sharing one registry (and one snapshot) with the other variant's users.
 */
import { COMMON_LABELS } from './labels.js';
import type { Labels } from './model.js';
import type { MetricsRegistry } from './registry.js';

export type LabelledRecorder = Pick<MetricsRegistry, 'record' | 'recordCorrected' | 'count' | 'gauge' | 'error'>;

/**
 * Returns a recorder that merges `extra` into every label set (explicit labels of a call win) and into error
 * sample contexts. Only labels every metric has (`variant`) are allowed. With no extra labels it is the
 * registry itself, so the common single-variant case costs nothing.
 */
export function withLabels(reg: MetricsRegistry, extra: Labels): LabelledRecorder {
  const keys = Object.keys(extra);
  for (const k of keys) {
    if (!(COMMON_LABELS as readonly string[]).includes(k)) {
      throw new Error(`withLabels: '${k}' is not a label every metric has (allowed: ${COMMON_LABELS.join(', ')})`);
    }
  }
  if (keys.length === 0) return reg;
  const add = (labels: Labels): Labels => ({ ...extra, ...labels });
  return {
    record: (name, labels, value) => reg.record(name, add(labels), value),
    recordCorrected: (name, labels, value, expectedIntervalMs) => reg.recordCorrected(name, add(labels), value, expectedIntervalMs),
    count: (name, labels, n) => reg.count(name, add(labels), n),
    gauge: (name, labels, value) => reg.gauge(name, add(labels), value),
    error: (kind, message, context) => reg.error(kind, message, { ...extra, ...context }),
  };
}
