/** Server metrics: scrape the app's Prometheus endpoints during a run and relate them to what clients saw. */
export { parseExposition, type Family, type HistogramSample } from './parse.js';
export { DEFAULT_RULES, compileRules, matchFamily, type MappingRule, type Role } from './mapping.js';
export { ServerMetricsBuilder, bucketQuantile, type RoundInput } from './derive.js';
export { ServerScraper, validateServerMetrics, type ServerMetricsConfig, type FetchText } from './scraper.js';
export { fitLine, memoryPerLiveView, timeSplit, serverAttributable, type MemoryEstimate, type MemoryFit, type SplitRow, type Stat } from './analysis.js';
export type { ServerMetricsResults, ServerHistogramSeries, ServerValueSeries, ServerTarget } from '../metrics/server-results.js';
