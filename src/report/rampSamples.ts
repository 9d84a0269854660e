import type { RampResult } from '../probe/result.js';

/** A point of a ramp's curve: a round's end, or the final settle's sample (`round` null). */
export interface RampSample {
  readonly round: number | null;
  readonly atMs: number;
  readonly held: number;
  readonly target: number;
}

/**
 * Returns the samples a ramp's charts and tables show: every round's end, then the final settle's
 * sample when the run took one after its last round. The maximum can come from that sample (a
 * single run's final settle, a merge's settle after the failing round), so every picture shows it
 * and agrees with the headline. A --slo search draws its own levels instead.
 */
export function rampSamples(r: RampResult): RampSample[] {
  const rounds: RampSample[] = r.rounds.map((x) => ({ round: x.round, atMs: x.atMs, held: x.held, target: x.target }));
  const last = r.rounds.at(-1);
  if (!last || (r.objectives?.search.length ?? 0) > 0) return rounds;
  // A final reading a moment after the last round, with the same count, adds nothing to show.
  if (r.durationMs <= last.atMs || (r.durationMs - last.atMs < 50 && r.finalHeld === last.held)) return rounds;
  return [...rounds, { round: null, atMs: r.durationMs, held: r.finalHeld, target: last.target }];
}
