// Latency distributions as the record carries them (HdrHistogram, compressed base64): they encode
// a live histogram within its precision, add up across records exactly as the histogram of all the
// values would, and give the percentiles merge and compare report.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  distributionPercentiles,
  distributionSummary,
  encodeDistribution,
  mergeDistributions,
} from '../../src/stats/latencyDistribution.js';
import { emptyHistogram, recordLatency, type LatencyHistogram } from '../../src/stats/latencyHistogram.js';
import { distributionRows } from '../../src/report/compareRecords.js';
import type { RampResult } from '../../src/probe/result.js';

const histogramOf = (values: readonly number[]): LatencyHistogram => {
  const h = emptyHistogram();
  for (const v of values) recordLatency(h, v);
  return h;
};
/** 1000 values from 0.1 ms to 100 ms, spread evenly on a log scale. */
const spread = (from: number, to: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => from * (to / from) ** (i / (n - 1)));
const near = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= expected * 0.025, `${what}: ${actual} against ${expected}`);

test('an encoded distribution keeps the percentiles of its histogram within 2.5%', () => {
  const values = spread(0.1, 100, 1000);
  const encoded = encodeDistribution(histogramOf(values));
  assert.type(encoded, 'string');
  assert.match(encoded as string, /^HISTF/);
  const [p50, p90, p99] = distributionPercentiles(encoded as string, [50, 90, 99]) as [number, number, number];
  const sorted = [...values].sort((a, b) => a - b);
  near(p50, sorted[499] as number, 'p50');
  near(p90, sorted[899] as number, 'p90');
  near(p99, sorted[989] as number, 'p99');
  assert.is(encodeDistribution(emptyHistogram()), null, 'no values, no distribution');
});

test('distributions add up: the merge of two is the distribution of all the values', () => {
  const fast = spread(0.2, 2, 900);
  const slow = spread(40, 80, 100);
  const merged = mergeDistributions([
    encodeDistribution(histogramOf(fast)),
    null,
    encodeDistribution(histogramOf(slow)),
    undefined,
  ]) as string;
  const whole = encodeDistribution(histogramOf([...fast, ...slow])) as string;
  assert.equal(
    distributionPercentiles(merged, [50, 90, 95, 99, 99.9]),
    distributionPercentiles(whole, [50, 90, 95, 99, 99.9]),
  );
  const summary = distributionSummary(merged);
  assert.is(summary?.count, 1000);
  // The slow host's tail shows in the global p99 that neither host's own p50 hints at.
  near(summary?.p99 as number, 40 * 2 ** (89 / 99), 'merged p99: the 990th value, the slow host 90th');
  near(summary?.max as number, 80, 'merged max');
  near(summary?.min as number, 0.2, 'merged min');
  assert.is(mergeDistributions([null, undefined]), null);
  assert.is(distributionSummary(undefined), null);
});

test('compare sets distributions side by side, percentile by percentile, with the ratio', () => {
  const result = (values: number[]): RampResult =>
    ({ distributions: { connect: encodeDistribution(histogramOf(values)) as string } }) as unknown as RampResult;
  const rows = distributionRows(result(spread(1, 2, 500)), result(spread(2, 4, 500)));
  assert.equal(
    rows.map((r) => r[0]),
    ['Connect p50', 'Connect p90', 'Connect p99', 'Connect p99.9'],
  );
  for (const [, , after] of rows) assert.match(after, /\(×(1\.9\d|2\.0\d)\)$/, after);
  assert.equal(distributionRows({} as RampResult, result([1])), [], 'older records without distributions: no rows');
});

test.run();
