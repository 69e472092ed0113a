/**
 * Report writers, siblings that all read one `Results` (src/metrics/model.ts): console summary, JSON file,
 * self-contained HTML, Markdown, and A/B comparison of two runs or of the variants of one run.
 */
export { formatSummary, formatComparison, healthLine, shouldColor, type ConsoleOptions } from './console.js';
export { readResults, writeResults, stringifyResults, ResultsFileError } from './json.js';
export { renderHtml, renderCompareHtml, type HtmlOptions, type CompareHtmlOptions } from './html.js';
export { writeHtmlReport, writeCompareHtml, defaultReportPath } from './write-report.js';
export {
  compareResults,
  compareVariants,
  variantsOf,
  DEFAULT_CRITERIA,
  type Comparison,
  type CompareOptions,
  type CompareCriteria,
  type MetricComparison,
  type Verdict,
} from './compare.js';
export { formatComparisonMarkdown, formatResultsMarkdown } from './markdown.js';
