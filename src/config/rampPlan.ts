import type { Threshold } from '../units.js';

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
}
