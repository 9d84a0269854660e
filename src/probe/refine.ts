import type { RampConfig } from '../config/probeConfig.js';
import type { RampResult } from './result.js';

/** How much slower the refining pass ramps, and where below the first maximum it starts. */
export const REFINE_SLOWDOWN = 5;
export const REFINE_START_FRACTION = 0.8;

/** Returns true when a first pass found a limit that a second, slower pass should confirm. */
export function shouldRefine(config: RampConfig, first: RampResult): boolean {
  return config.refine && first.verdict === 'limit-found' && first.maximum > 0;
}

/**
 * Returns the config of the refining pass: it starts at 80% of the first maximum and ramps five
 * times slower than the first pass ended (at least 1/s: a first pass that slowed down to the
 * target's pace refines from that pace), with the same rules and time budget.
 */
export function refineConfig(config: RampConfig, first: RampResult): RampConfig {
  const plan = config.ramp;
  if (!plan) return config;
  const from = Math.floor(first.maximum * REFINE_START_FRACTION);
  const endedAt = first.paceChanges?.at(-1)?.toPerSec ?? plan.ratePerSec;
  return { ...config, ramp: { ...plan, from, ratePerSec: Math.max(1, endedAt / REFINE_SLOWDOWN) } };
}

/** Returns the refined result: the second pass, carrying the first one for the report. */
export function withFirstPass(second: RampResult, first: RampResult): RampResult {
  return {
    ...second,
    firstPass: {
      ratePerSec: first.settings.ratePerSec,
      from: first.settings.from,
      maximum: first.maximum,
      breakingPoint: first.breakingPoint,
      rounds: first.rounds,
      durationMs: first.durationMs,
    },
  };
}
