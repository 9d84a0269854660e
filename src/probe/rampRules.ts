import { isProberKind, type FailureKind } from '../net/errors.js';
import type { Threshold } from '../units.js';
import type { RampPlan } from '../config/rampPlan.js';
import { segmentShare, type Segment } from '../config/segmentPlan.js';

/** Why a run stopped. */
export type StopReason =
  | 'round-failed'
  | 'prober-limit'
  | 'max-duration'
  | 'max-connections'
  | 'gate-met'
  | 'outpaced'
  | 'interrupted';

/**
 * What the run concluded (docs: README "Verdicts"). `not-served`: no connection was ever held, so
 * there is no capacity to report; `inconclusive`: the failures measure the prober's setup (some
 * source addresses turned away, others served), not the target's capacity; `rate-limited`: the
 * target took on new connections slower than the ramp (--no-adapt), so its concurrency limit was
 * not reached.
 */
export type Verdict =
  | 'limit-found'
  | 'limit-not-reached'
  | 'gate-met'
  | 'not-served'
  | 'prober-limited'
  | 'inconclusive'
  | 'rate-limited'
  | 'interrupted';

/** What a round saw: its dials and its failures. */
export interface RoundCounts {
  /** Dials started during the round, new and reopened. */
  readonly attempts: number;
  readonly failures: Readonly<Partial<Record<FailureKind, number>>>;
}

/** A pace, as the target rules need it (probe/pace.ts): from round `fromRound` on, up from `base` by `ratePerSec`. */
export interface RoundPace {
  readonly ratePerSec: number;
  readonly fromRound: number;
  readonly base: number;
  readonly adapted: boolean;
}

/**
 * Returns the target concurrency at the end of round `round` (0-based), capped at --max-connections
 * and at a gate the run stops at (a gate needs N held, and no more load on the target than that).
 * An adapted pace (a ramp slowed to the target's rate) is this process's own: only the caps are split.
 */
export function roundTarget(plan: RampPlan, round: number, pace?: RoundPace): number {
  const cap = (n: number | undefined): number =>
    n === undefined ? Number.POSITIVE_INFINITY : segmentShare(n, plan.segment);
  if (pace?.adapted) {
    const raised =
      pace.base + Math.floor((pace.ratePerSec * (round - pace.fromRound + 1) * plan.roundMs) / 1000 + 1e-9);
    return Math.min(raised, cap(plan.maxConnections), cap(plan.stopAtGate));
  }
  const raised = plan.from + Math.floor((plan.ratePerSec * (round + 1) * plan.roundMs) / 1000 + 1e-9);
  const whole = Math.min(
    raised,
    plan.maxConnections ?? Number.POSITIVE_INFINITY,
    plan.stopAtGate ?? Number.POSITIVE_INFINITY,
  );
  // A segment's share of the whole plan's target: the shares of all segments add up to it exactly.
  return segmentShare(whole, plan.segment);
}

/** Returns how many rounds fit in --max-duration (at least one). */
export function roundCount(plan: RampPlan): number {
  return Math.max(1, Math.floor(plan.maxDurationMs / plan.roundMs + 1e-9));
}

/**
 * Returns how many of a round's `count` dials are due `elapsedMs` into it, so that they are paced
 * evenly across the round (the first at once, the last one step before its end).
 */
export function dialsDue(elapsedMs: number, roundMs: number, count: number): number {
  if (elapsedMs >= roundMs) return count;
  return Math.min(count, Math.floor((count * Math.max(0, elapsedMs)) / roundMs) + 1);
}

/**
 * Returns how many dials a round may start, new ones and reopens together: the ramp's step (or the
 * target's rise, when --from makes the first one larger). Reopens share it, so the rate the run
 * states is the rate the target saw, even when it closes every connection past its limit.
 */
export function roundDialBudget(plan: RampPlan, round: number, pace?: RoundPace): number {
  if (pace?.adapted) {
    // The slowed pace holds for reopens too: a fraction of a dial per round carries over to the next.
    const upTo = (n: number): number => Math.floor((pace.ratePerSec * n * plan.roundMs) / 1000 + 1e-9);
    const n = round - pace.fromRound;
    return upTo(n + 1) - upTo(n);
  }
  const wholeStep = (plan.ratePerSec * plan.roundMs) / 1000 - 1e-9;
  const step = Math.max(1, Math.ceil(plan.segment ? wholeStep / plan.segment.count : wholeStep));
  const rise = roundTarget(plan, round) - (round === 0 ? 0 : roundTarget(plan, round - 1));
  return Math.max(step, rise);
}

/** Returns the number of failures a round may have before it fails. */
export function allowedFailures(threshold: Threshold, attempts: number, segment?: Segment): number {
  return 'count' in threshold ? segmentShare(threshold.count, segment) : threshold.fraction * attempts;
}

/** Returns the total of a failure count by kind. */
export function totalFailures(failures: Readonly<Partial<Record<FailureKind, number>>>): number {
  let total = 0;
  for (const n of Object.values(failures)) total += n ?? 0;
  return total;
}

/** Returns the kinds of the prober's own limits seen in the failures. */
export function proberKinds(failures: Readonly<Partial<Record<FailureKind, number>>>): FailureKind[] {
  return (Object.keys(failures) as FailureKind[]).filter((k) => isProberKind(k) && (failures[k] ?? 0) > 0);
}

/** Returns true when a round's failures exceed the threshold. */
export function roundFailed(plan: RampPlan, round: RoundCounts): boolean {
  return totalFailures(round.failures) > allowedFailures(plan.threshold, round.attempts, plan.segment);
}

/** What the controller knows at the end of a round. */
export interface RoundOutcome extends RoundCounts {
  /** 0-based round number. */
  readonly index: number;
  readonly target: number;
  readonly held: number;
  /** With --slo: false when the round broke a latency objective. */
  readonly objectivesMet?: boolean;
  /** Whether the round failed, when the caller judged it already (an outpaced round has not). */
  readonly failed?: boolean;
}

/** Returns why the run stops after this round, or null to go on. Prober limits win over target failures. */
export function stopAfterRound(plan: RampPlan, round: RoundOutcome): StopReason | null {
  if (proberKinds(round.failures).length > 0) return 'prober-limit';
  if (round.failed ?? (roundFailed(plan, round) || round.objectivesMet === false)) return 'round-failed';
  const gate = plan.stopAtGate === undefined ? undefined : segmentShare(plan.stopAtGate, plan.segment);
  if (gate !== undefined && round.held >= gate) return 'gate-met';
  const most = plan.maxConnections === undefined ? undefined : segmentShare(plan.maxConnections, plan.segment);
  if (most !== undefined && round.target >= most && round.held >= most) return 'max-connections';
  if (round.index + 1 >= roundCount(plan)) return 'max-duration';
  return null;
}

/**
 * Returns the verdict and exit code for a stop reason, the maximum found, an optional gate, and
 * whether the failures came from some source addresses and not others (the prober's setup).
 */
export function verdictFor(
  reason: StopReason,
  maximum: number,
  minConcurrency?: number,
  sourceRejected = false,
): { verdict: Verdict; exitCode: number } {
  if (reason === 'interrupted') return { verdict: 'interrupted', exitCode: 130 };
  if (reason === 'prober-limit') return { verdict: 'prober-limited', exitCode: 3 };
  if (reason === 'outpaced') return { verdict: 'rate-limited', exitCode: 3 };
  if (sourceRejected) return { verdict: 'inconclusive', exitCode: 3 };
  if (maximum === 0) return { verdict: 'not-served', exitCode: 2 };
  if (reason === 'gate-met') return { verdict: 'gate-met', exitCode: 0 };
  const belowGate = minConcurrency !== undefined && maximum < minConcurrency;
  const verdict: Verdict = reason === 'round-failed' ? 'limit-found' : 'limit-not-reached';
  return { verdict, exitCode: belowGate ? 2 : 0 };
}
