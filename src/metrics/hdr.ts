/**
 * The one HDR histogram configuration Rookery uses, and its codec. Every histogram — in a runner's registry, in
 * the collector's totals, in a results file — has the same configuration, so adding two of them is exact: the
 * counts arrays line up bucket for bucket.
 *
 * Implementation choice: the pure-JS `Int32Histogram` of hdr-histogram-js, not the WASM one. WASM histograms
 * live in linear memory that must be freed by hand (`destroy()`), which a registry of thousands of short-lived
 * decoded histograms would leak; the JS one is synchronous (no init), and measured here it records in ~150 ns,
 * encodes a typical interval histogram in ~40 µs and decodes+adds it in ~80 µs — far below what thousands of
 * records per second need. `packed` histograms use less memory but encode/decode ~25× slower, which the collector
 * pays per runner per second. 32-bit counts per bucket are plenty: one bucket would need 2³¹ samples to overflow.
 *
 * Values are integers in base units: milliseconds are stored as microseconds (so sub-ms latencies keep their
 * precision), bytes and counts as is.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { unitOf, type MetricUnit } from './catalog.js';

export type { Histogram };

/** Three significant digits: values are resolved to within 0.1 %. */
export const HDR_SIGNIFICANT_DIGITS = 3;
const BIT_BUCKET_SIZE = 32;

/** Base-unit integers per catalogue unit: ms → µs. */
export function scaleOfUnit(unit: MetricUnit): number {
  return unit === 'ms' ? 1000 : 1;
}

/** Scale of a catalogue metric (1 for unknown names, so old or foreign results still decode). */
export function scaleOf(name: string): number {
  const unit = unitOf(name);
  return unit === undefined ? 1 : scaleOfUnit(unit);
}

export function createHistogram(): Histogram {
  return build({
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: HDR_SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/**
 * Decodes a compressed base64 histogram. Throws on anything that is not one (bad base64, wrong cookie, truncated
 * payload) and on histograms of another precision, which would not add exactly.
 */
export function decodeHistogram(encoded: string): Histogram {
  let h: Histogram;
  try {
    h = decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false);
  } catch (cause) {
    throw new Error(`not an HDR histogram (compressed base64): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (h.numberOfSignificantValueDigits !== HDR_SIGNIFICANT_DIGITS) {
    throw new Error(`HDR histogram has ${h.numberOfSignificantValueDigits} significant digits, expected ${HDR_SIGNIFICANT_DIGITS}`);
  }
  h.autoResize = true;
  return h;
}
