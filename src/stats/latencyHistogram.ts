import type { Summary } from './summarize.js';

/**
 * A latency histogram with logarithmic buckets (HdrHistogram's idea, in its simplest form): every
 * value lands in a bucket no wider than 2% of its value, so percentiles are within 2%, memory is
 * fixed whatever the run's length, and histograms of several shards or intervals merge by adding
 * their buckets. Plain data, so it crosses the shard channel and goes into the run record as is.
 */
export interface LatencyHistogram {
  /** Counts by bucket index (see bucketOf); sparse, keyed by the index as text. */
  readonly buckets: Record<string, number>;
  count: number;
  /** Exact extremes, sum and sum of squares (ms): the mean and deviation are exact. */
  min: number;
  max: number;
  sum: number;
  sumSquares: number;
}

/** Relative width of a bucket. */
const GROWTH = 1.02;
/** Values below this (ms) share bucket 0: one microsecond. */
const FLOOR_MS = 0.001;
const LOG_GROWTH = Math.log(GROWTH);

/** Returns an empty histogram. */
export function emptyHistogram(): LatencyHistogram {
  return { buckets: {}, count: 0, min: Number.POSITIVE_INFINITY, max: 0, sum: 0, sumSquares: 0 };
}

/** Returns the bucket index of a value in milliseconds. */
export function bucketOf(ms: number): number {
  return ms <= FLOOR_MS ? 0 : Math.floor(Math.log(ms / FLOOR_MS) / LOG_GROWTH) + 1;
}

/** Returns the value a bucket stands for: the middle of its range (ms). */
export function bucketValue(index: number): number {
  if (index === 0) return FLOOR_MS;
  const low = FLOOR_MS * GROWTH ** (index - 1);
  return (low + low * GROWTH) / 2;
}

/** Adds one value (ms) to the histogram. */
export function recordLatency(histogram: LatencyHistogram, ms: number): void {
  if (!(ms >= 0) || !Number.isFinite(ms)) return;
  const key = String(bucketOf(ms));
  histogram.buckets[key] = (histogram.buckets[key] ?? 0) + 1;
  histogram.count++;
  histogram.sum += ms;
  histogram.sumSquares += ms * ms;
  if (ms < histogram.min) histogram.min = ms;
  if (ms > histogram.max) histogram.max = ms;
}

/** Returns a new histogram holding the values of all of the given ones. */
export function mergeHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram {
  const merged = emptyHistogram();
  for (const h of histograms) {
    for (const [key, n] of Object.entries(h.buckets)) merged.buckets[key] = (merged.buckets[key] ?? 0) + n;
    merged.count += h.count;
    merged.sum += h.sum;
    merged.sumSquares += h.sumSquares;
    if (h.count > 0 && h.min < merged.min) merged.min = h.min;
    if (h.max > merged.max) merged.max = h.max;
  }
  return merged;
}

/** Returns the histogram of the values added between two cumulative readings (later minus earlier). */
export function histogramSince(later: LatencyHistogram, earlier: LatencyHistogram): LatencyHistogram {
  if (earlier.count === 0) return mergeHistograms([later]); // since the start: exact extremes
  const diff = emptyHistogram();
  for (const [key, n] of Object.entries(later.buckets)) {
    const d = n - (earlier.buckets[key] ?? 0);
    if (d > 0) diff.buckets[key] = d;
  }
  diff.count = later.count - earlier.count;
  diff.sum = later.sum - earlier.sum;
  diff.sumSquares = later.sumSquares - earlier.sumSquares;
  // Extremes of the interval alone are not recoverable from cumulative readings: take the buckets'.
  const keys = Object.keys(diff.buckets).map(Number);
  diff.min = keys.length > 0 ? Math.max(later.min, bucketValue(Math.min(...keys))) : Number.POSITIVE_INFINITY;
  diff.max = keys.length > 0 ? Math.min(later.max, bucketValue(Math.max(...keys))) : 0;
  return diff;
}

/**
 * Returns the value at percentile `p` (0–100), within a bucket's width (2%) of the exact one and
 * never outside the recorded min and max; null for an empty histogram.
 */
export function histogramPercentile(histogram: LatencyHistogram, p: number): number | null {
  if (histogram.count === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * histogram.count));
  const keys = Object.keys(histogram.buckets)
    .map(Number)
    .sort((a, b) => a - b);
  let seen = 0;
  for (const key of keys) {
    seen += histogram.buckets[String(key)] as number;
    if (seen >= rank) return Math.min(histogram.max, Math.max(histogram.min, bucketValue(key)));
  }
  return histogram.max;
}

/**
 * Returns tcpgoon's summary of a histogram: exact count, min, max, mean and (population) deviation,
 * percentiles within a bucket's width; null for an empty histogram.
 */
export function histogramSummary(histogram: LatencyHistogram): Summary | null {
  if (histogram.count === 0) return null;
  const avg = histogram.sum / histogram.count;
  const percentile = (p: number): number => histogramPercentile(histogram, p) as number;
  return {
    count: histogram.count,
    min: histogram.min,
    avg,
    max: histogram.max,
    dev: Math.sqrt(Math.max(0, histogram.sumSquares / histogram.count - avg * avg)),
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
  };
}

/** Returns the mean (ms), or null for an empty histogram. */
export function histogramMean(histogram: LatencyHistogram): number | null {
  return histogram.count === 0 ? null : histogram.sum / histogram.count;
}
