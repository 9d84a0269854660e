import { createRequire } from 'node:module';
import { bucketValue, type LatencyHistogram } from './latencyHistogram.js';
import type { Summary } from './summarize.js';

/**
 * A latency distribution as the run record carries it: an HdrHistogram of microseconds in its
 * compressed base64 encoding (`HISTF…`, the same that HdrHistogram's Java, C and Go
 * implementations read). Encodings from several records (the segments of a run, two runs) add up,
 * so `merge` reports global percentiles and `compare` sets whole distributions side by side.
 * Values keep three significant digits (0.1%); the live histogram they come from is within 2%.
 */
export type LatencyDistribution = string;

/** The percentiles a distribution comparison shows. */
export const DISTRIBUTION_PERCENTILES: readonly number[] = [50, 90, 99, 99.9];

/** The part of hdr-histogram-js's histogram this module uses. */
interface Hdr {
  readonly totalCount: number;
  readonly minNonZeroValue: number;
  readonly maxValue: number;
  readonly mean: number;
  readonly stdDeviation: number;
  autoResize: boolean;
  recordValueWithCount(value: number, count: number): void;
  add(other: Hdr): void;
  getValueAtPercentile(percentile: number): number;
  encodeIntoCompressedBase64(): string;
}

interface HdrModules {
  readonly Packed: new (lowest: number, highest: number, digits: number) => Hdr;
  readonly decode: (data: Uint8Array, bitBucketSize: 'packed') => Hdr;
  readonly decompress: (data: Uint8Array) => Uint8Array;
}

/**
 * Loads the JavaScript histogram and its encoding from hdr-histogram-js, on first use: its index
 * also loads a WebAssembly build (17 MB of RSS, measured with /usr/bin/time), which this never uses,
 * and a run encodes its distributions only at its end.
 */
function loadHdr(): HdrModules {
  // Node's module cache makes every call after the first a lookup.
  const require = createRequire(import.meta.url);
  const encoding = require('hdr-histogram-js/dist/JsHistogram.encoding.js') as { decompress: HdrModules['decompress'] };
  const { JsHistogram } = require('hdr-histogram-js/dist/JsHistogram.js') as {
    JsHistogram: { decode: HdrModules['decode'] };
  };
  const Packed = (require('hdr-histogram-js/dist/PackedHistogram.js') as { default: HdrModules['Packed'] }).default;
  return { Packed, decode: (data, size) => JsHistogram.decode(data, size), decompress: encoding.decompress };
}

function emptyHdr(): Hdr {
  const h = new (loadHdr().Packed)(1, 2, 3);
  h.autoResize = true;
  return h;
}

/** Returns the distribution of a live histogram (ms), or null when it holds no value. */
export function encodeDistribution(histogram: LatencyHistogram): LatencyDistribution | null {
  if (histogram.count === 0) return null;
  const h = emptyHdr();
  for (const [key, n] of Object.entries(histogram.buckets)) {
    if (n > 0) h.recordValueWithCount(Math.max(1, Math.round(bucketValue(Number(key)) * 1000)), n);
  }
  return h.encodeIntoCompressedBase64();
}

function decode(encoded: LatencyDistribution): Hdr {
  const { decode: fromBytes, decompress } = loadHdr();
  return fromBytes(decompress(Buffer.from(encoded.trim(), 'base64')), 'packed');
}

/** Returns the sum of several distributions (null ones skipped), or null when none holds a value. */
export function mergeDistributions(
  list: readonly (LatencyDistribution | null | undefined)[],
): LatencyDistribution | null {
  const present = list.filter((d): d is LatencyDistribution => typeof d === 'string' && d.length > 0);
  if (present.length === 0) return null;
  const sum = emptyHdr();
  for (const encoded of present) sum.add(decode(encoded));
  return sum.totalCount === 0 ? null : sum.encodeIntoCompressedBase64();
}

/** Returns the percentiles (ms) of a distribution, in the order asked. */
export function distributionPercentiles(encoded: LatencyDistribution, percentiles: readonly number[]): number[] {
  const h = decode(encoded);
  return percentiles.map((p) => h.getValueAtPercentile(p) / 1000);
}

/** Returns the summary (ms) a record's `connect` holds, from a distribution; null when empty. */
export function distributionSummary(encoded: LatencyDistribution | null | undefined): Summary | null {
  if (!encoded) return null;
  const h = decode(encoded);
  if (h.totalCount === 0) return null;
  const at = (p: number): number => h.getValueAtPercentile(p) / 1000;
  return {
    count: h.totalCount,
    min: h.minNonZeroValue / 1000,
    avg: h.mean / 1000,
    max: h.maxValue / 1000,
    dev: h.stdDeviation / 1000,
    p50: at(50),
    p90: at(90),
    p99: at(99),
  };
}
