import { WAITING_KINDS, type FailureKind } from '../net/errors.js';
import type { RampPlan } from '../config/rampPlan.js';
import { allowedFailures, proberKinds, totalFailures, type RoundCounts, type RoundPace } from './rampRules.js';

/**
 * The pace of a ramp: from round `fromRound` (0-based) on, the target rises from `base` by
 * `ratePerSec`. The plan's own pace is `fromRound` 0 at --from and --ramp; an adapted pace starts
 * after the round that was outpaced, from what the target served then, and is this process's own
 * (a segment's pace is not split again).
 */
export type Pace = RoundPace;

/** A change of pace, as reports state it: `ramp 500/s -> 40/s at round 3: the target served 50/s`. */
export interface PaceChange {
  /** The 1-based round that was outpaced; the new pace starts with the next one. */
  readonly round: number;
  readonly fromPerSec: number;
  readonly toPerSec: number;
  /** New connections the target served per second in that round. */
  readonly servedPerSec: number;
  /** Held then. */
  readonly held: number;
}

/** The share of the target's measured rate an adapted ramp asks for. */
export const ADAPT_FRACTION = 0.8;
/** The slowest an adapted ramp goes, per second. */
export const MIN_ADAPTED_RATE = 1;

/** Returns the plan's own pace. */
export function planPace(plan: RampPlan): Pace {
  return { ratePerSec: plan.ratePerSec, fromRound: 0, base: plan.from, adapted: false };
}

/** A round as the pace rules see it: its dials, failures, connections served in it, and the served level at its end. */
export interface PacedRound extends RoundCounts {
  /** Connections verified during the round (new and reopened). */
  readonly served: number;
  /** Verified and still open at the round's end (held + settling). */
  readonly level: number;
  /** Waiting failures of the round during whose wait other connections were served. */
  readonly waitedWhileServed: number;
}

/** Returns the failures of a round without the waiting kinds. */
export function withoutWaiting(
  failures: Readonly<Partial<Record<FailureKind, number>>>,
): Partial<Record<FailureKind, number>> {
  const out: Partial<Record<FailureKind, number>> = {};
  for (const [kind, n] of Object.entries(failures) as [FailureKind, number][])
    if (!WAITING_KINDS.includes(kind)) out[kind] = n;
  return out;
}

/**
 * Returns true when a failing round was **outpaced**, not full: its failures are of the waiting
 * kinds (without them it would not have failed), most of those connections saw the target serve
 * others while they waited (`waitedWhileServed`: a full target serves nobody then), and the served
 * level (held + settling) did not fall. The rate a slow target serves at may itself drop in such a
 * round (it spends turns on connections that gave up), and a segment sees only its share of it, so
 * the rate is not compared. A target that fills up while connections wait can look outpaced for a
 * round: the ramp then only slows down and its next rounds show it flat; under --no-adapt the run
 * waits after it stops, and calls it full when nothing more is served (`confirmOutpaced`).
 */
export function isOutpaced(plan: RampPlan, round: PacedRound, previous: PacedRound | undefined): boolean {
  if (!failedByWaitingOnly(plan, round)) return false;
  const waiting = totalFailures(round.failures) - totalFailures(withoutWaiting(round.failures));
  if (2 * round.waitedWhileServed <= waiting) return false;
  return previous === undefined || round.level >= previous.level;
}

/**
 * Returns true when a round failed only by the waiting kinds (timeouts): no failure of the prober's
 * own, and the other kinds within the threshold.
 */
export function failedByWaitingOnly(plan: RampPlan, round: RoundCounts): boolean {
  if (proberKinds(round.failures).length > 0) return false;
  const others = totalFailures(withoutWaiting(round.failures));
  return (
    totalFailures(round.failures) > others && others <= allowedFailures(plan.threshold, round.attempts, plan.segment)
  );
}

/**
 * Returns true when a run stopped on an outpaced round (--no-adapt) is confirmed rate-limited: after
 * it stopped dialing, the target still served connections that waited, or answered late ones that
 * had timed out. Nothing more served means it was full after all.
 */
export function confirmOutpaced(
  atStop: { readonly verified: number; readonly lateAnswered: number },
  after: { readonly verified: number; readonly lateAnswered: number },
): boolean {
  return after.verified > atStop.verified || after.lateAnswered > atStop.lateAnswered;
}

/**
 * Returns the pace after an outpaced round: 80% of what the target served (at least 1/s), and
 * always slower than the pace it replaces, rising from the served level reached. Nothing served at
 * all since the last change (a slow server's queue still full of connections that gave up) says
 * nothing of its rate: the pace then only slows by the same 80%.
 */
export function slowerPace(current: Pace, servedPerSec: number, nextRound: number, level: number): Pace {
  const measured = servedPerSec > 0 ? servedPerSec : current.ratePerSec;
  const rate = Math.max(MIN_ADAPTED_RATE, ADAPT_FRACTION * Math.min(measured, current.ratePerSec));
  return { ratePerSec: roundRate(rate), fromRound: nextRound, base: level, adapted: true };
}

/** Returns a rate rounded to what reports can state (two significant digits below 10/s, whole above). */
function roundRate(rate: number): number {
  return rate >= 10 ? Math.floor(rate) : Math.floor(rate * 10) / 10;
}

/**
 * Returns the target's rate of new connections served, per second: when a round was outpaced, the
 * best of it and the two rounds before it (what the target took on while pushed; the outpaced
 * round alone understates it, as a slow server also spends turns on connections that gave up);
 * when it kept up, the best round's rate.
 */
export function servedRate(
  rounds: readonly { readonly served?: number | undefined; readonly outpaced?: boolean | undefined }[],
  roundMs: number,
): { readonly perSec: number; readonly keptUp: boolean } | null {
  if (!rounds.some((r) => r.served !== undefined)) return null;
  const first = rounds.findIndex((r) => r.outpaced);
  const pushed = first < 0 ? rounds : rounds.slice(Math.max(0, first - 2), first + 1);
  const best = Math.max(0, ...pushed.map((r) => r.served ?? 0));
  return { perSec: Math.round((best * 1000) / roundMs), keptUp: first < 0 };
}
