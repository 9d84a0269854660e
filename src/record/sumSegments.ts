import type { RampPlan } from '../config/rampPlan.js';
import type { FailureKind } from '../net/errors.js';
import { withoutWaiting, type PaceChange } from '../probe/pace.js';
import { proberKinds, roundFailed } from '../probe/rampRules.js';
import type { FailureCounts, RampResult, RoundRecord } from '../probe/result.js';

/** What the segments of one split run add up to. */
export interface SegmentSums {
  readonly rounds: readonly RoundRecord[];
  /** The first summed round that failed on the whole plan's threshold (an outpaced one is none). */
  readonly failing: RoundRecord | null;
  readonly maximum: number;
  readonly maximumAtMs: number;
  /** The round whose summed held count is the maximum; null when it came from the final samples. */
  readonly maximumRound: number | null;
  readonly finalHeld: number;
  /** A segment stopped because the target served slower than the ramp asked (--no-adapt). */
  readonly outpaced: boolean;
  readonly paceChanges: readonly PaceChange[];
}

/**
 * Returns the exact global result of segments that ran one plan on one clock: their rounds summed by
 * round number and judged on the whole plan's threshold, and the largest summed held count up to the
 * settle sample after the first failing round (every segment still holds then, so that boundary is
 * one moment on every host, as a single run's final settle is). `settleWaitMs` is how long a single
 * run waits after its failing round (--settle, plus --expect-timeout with --expect). Without a
 * failing round, the summed final samples (all taken at the plan's end) count too.
 */
export function sumSegments(
  parts: readonly RampResult[],
  plan: RampPlan,
  settleWaitMs: number,
  interrupted: boolean,
): SegmentSums {
  const rounds = sumRounds(parts, plan);
  const failing = rounds.find((r) => r.failed) ?? null;
  const settleRounds = Math.max(1, Math.ceil(settleWaitMs / plan.roundMs - 1e-9));
  const counted = failing ? rounds.filter((r) => r.round <= failing.round + settleRounds) : rounds;
  let maximum = 0;
  let maximumAtMs = 0;
  let maximumRound: number | null = null;
  for (const r of counted) if (r.held > maximum) [maximum, maximumAtMs, maximumRound] = [r.held, r.atMs, r.round];
  const finalHeld = parts.reduce((n, r) => n + r.finalHeld, 0);
  // Without a failing round every segment held until the plan's end: the final samples are one moment.
  if (!failing && !interrupted && finalHeld > maximum)
    [maximum, maximumAtMs, maximumRound] = [finalHeld, Math.max(...parts.map((r) => r.durationMs)), null];
  const outpacedAt = rounds.find((r) => r.outpaced && parts.some((p) => p.stopReason === 'outpaced'));
  return {
    rounds,
    failing,
    maximum,
    maximumAtMs,
    maximumRound,
    finalHeld,
    outpaced: outpacedAt !== undefined && (!failing || outpacedAt.round < failing.round),
    paceChanges: sumPaceChanges(parts),
  };
}

/**
 * Returns the rounds of all segments summed by round number; a round is judged on the sums. Where a
 * segment was outpaced or draining (its ramp slowing to the target's pace), the waiting failures of
 * the sum are not held against the round, as a single run would not.
 */
function sumRounds(parts: readonly RampResult[], plan: RampPlan): RoundRecord[] {
  const byRound = new Map<number, RoundRecord[]>();
  for (const r of parts) for (const x of r.rounds) byRound.set(x.round, [...(byRound.get(x.round) ?? []), x]);
  return [...byRound.keys()]
    .sort((a, b) => a - b)
    .map((round) => {
      const xs = byRound.get(round) as RoundRecord[];
      const sum = (pick: (x: RoundRecord) => number): number => xs.reduce((n, x) => n + pick(x), 0);
      const failures = sumCounts(xs.map((x) => x.failures));
      const attempts = sum((x) => x.attempts);
      const slowing = xs.some((x) => x.outpaced || x.draining);
      const failed =
        proberKinds(failures).length > 0 ||
        roundFailed(plan, { attempts, failures: slowing ? withoutWaiting(failures) : failures });
      const outpaced = xs.some((x) => x.outpaced) && !failed;
      const served = xs.some((x) => x.served !== undefined) ? sum((x) => x.served ?? 0) : undefined;
      return {
        round,
        atMs: Math.max(...xs.map((x) => x.atMs)),
        target: sum((x) => x.target),
        held: sum((x) => x.held),
        settling: sum((x) => x.settling),
        unverified: sum((x) => x.unverified),
        dialing: sum((x) => x.dialing),
        attempts,
        failures,
        failed,
        connectP50Ms: null,
        connectP99Ms: null,
        bytesSent: sum((x) => x.bytesSent ?? 0),
        bytesReceived: sum((x) => x.bytesReceived ?? 0),
        ...(served === undefined ? {} : { served }),
        ...(outpaced ? { outpaced } : {}),
        ...(xs.some((x) => x.draining) && !outpaced ? { draining: true } : {}),
      };
    });
}

/** Returns the segments' pace changes summed by round: the rates of a split run add up. */
function sumPaceChanges(parts: readonly RampResult[]): PaceChange[] {
  const byRound = new Map<number, PaceChange>();
  for (const c of parts.flatMap((r) => r.paceChanges ?? [])) {
    const sum = byRound.get(c.round);
    byRound.set(
      c.round,
      sum
        ? {
            round: c.round,
            fromPerSec: sum.fromPerSec + c.fromPerSec,
            toPerSec: sum.toPerSec + c.toPerSec,
            servedPerSec: sum.servedPerSec + c.servedPerSec,
            held: sum.held + c.held,
          }
        : c,
    );
  }
  return [...byRound.values()].sort((a, b) => a.round - b.round);
}

/** Returns failure counts summed by kind. */
export function sumCounts(counts: readonly FailureCounts[]): FailureCounts {
  const out: Partial<Record<FailureKind, number>> = {};
  for (const c of counts)
    for (const [kind, n] of Object.entries(c) as [FailureKind, number][]) out[kind] = (out[kind] ?? 0) + n;
  return out;
}
