import { summarize, type Summary } from './summarize.js';

/** Samples a run keeps at most for its percentiles; count, min, max, mean and deviation stay exact. */
export const RESERVOIR_CAPACITY = 100_000;

/**
 * Latency samples of a whole run in bounded memory: exact count, min, max, mean and deviation, and
 * percentiles from a uniform random sample of at most `capacity` values (Vitter's algorithm R,
 * with a seeded generator so that a run's summary does not depend on Math.random). A long churn
 * run makes millions of samples; keeping them all made its memory grow without bound.
 */
export class SampleReservoir {
  private readonly kept: number[] = [];
  private count = 0;
  private sum = 0;
  private sumSquares = 0;
  private low = Number.POSITIVE_INFINITY;
  private high = Number.NEGATIVE_INFINITY;
  private seed = 0x2545f491;

  constructor(private readonly capacity = RESERVOIR_CAPACITY) {}

  /** Adds samples. */
  add(samples: readonly number[]): void {
    for (const value of samples) {
      this.count++;
      this.sum += value;
      this.sumSquares += value * value;
      if (value < this.low) this.low = value;
      if (value > this.high) this.high = value;
      if (this.kept.length < this.capacity) this.kept.push(value);
      else {
        const slot = Math.floor(this.random() * this.count);
        if (slot < this.capacity) this.kept[slot] = value;
      }
    }
  }

  /** Returns the summary (exact count, min, max, mean, deviation; sampled percentiles), or null for none. */
  summary(): Summary | null {
    const sampled = summarize(this.kept);
    if (!sampled) return null;
    const avg = this.sum / this.count;
    return {
      ...sampled,
      count: this.count,
      min: this.low,
      max: this.high,
      avg,
      dev: Math.sqrt(Math.max(0, this.sumSquares / this.count - avg * avg)),
    };
  }

  /** xorshift32: a uniform number in [0, 1). */
  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 2 ** 32;
  }
}
