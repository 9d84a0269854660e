import type { Threshold } from '../units.js';
import type { Segment } from './segmentPlan.js';

/** The ramp's plan, as the ramp rules need it. */
export interface RampPlan {
  readonly ratePerSec: number;
  readonly roundMs: number;
  readonly from: number;
  readonly maxDurationMs: number;
  readonly maxConnections?: number | undefined;
  readonly threshold: Threshold;
  /** --min-concurrency when the run stops once the gate is held (no --find-max): the ramp goes no higher. */
  readonly stopAtGate?: number | undefined;
  /**
   * `--segment I/N`: this process runs part I of an N-way split of the plan above. Every target,
   * cap and gate is split with segmentShare, so the N parts add up to the whole at every round.
   */
  readonly segment?: Segment | undefined;
  /** `--hold`: once --max-connections are held, hold them this long (rounds judged, nothing raised). */
  readonly holdMs?: number | undefined;
}
