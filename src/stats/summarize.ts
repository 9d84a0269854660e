import { max, mean, min, quantileSorted, standardDeviation } from 'simple-statistics';

/** Summary of a set of samples (milliseconds, say). */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  /** Population standard deviation, as tcpgoon reports it. */
  readonly dev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** Returns the summary of the samples, or null when there are none. */
export function summarize(samples: readonly number[]): Summary | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  return {
    count: list.length,
    min: min(list),
    avg: mean(list),
    max: max(list),
    dev: standardDeviation(list),
    p50: quantileSorted(list, 0.5),
    p90: quantileSorted(list, 0.9),
    p99: quantileSorted(list, 0.99),
  };
}
