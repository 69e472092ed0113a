/**
 * Server metrics in the results document (`results.server`, written by src/server-metrics): what Rookery scraped
 * from the app's Prometheus endpoints. The shape is declared in src/contract/results.ts; this module keeps the
 * names the rest of the code imports.
 */
export type { ServerHistogramSeries, ServerMetricsResults, ServerTarget, ServerValueSeries } from '../contract/results.js';

