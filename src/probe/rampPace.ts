import type { Clock } from '../clock.js';
import type { RampPlan } from '../config/rampPlan.js';
import type { FleetControl } from '../fleet/fleetControl.js';
import { LATE_GRACE_MS, type FleetObservation } from '../fleet/fleetReading.js';
import {
  confirmOutpaced,
  isOutpaced,
  planPace,
  slowerPace,
  withoutWaiting,
  type Pace,
  type PaceChange,
  type PacedRound,
} from './pace.js';
import { objectivesMet } from './objectiveReadings.js';
import { proberKinds, roundFailed } from './rampRules.js';
import type { RoundRecord } from './result.js';

/** What the ramp's pace needs of the run's config. */
export interface PaceSettings {
  /** False with --no-adapt. */
  readonly adapt: boolean;
  readonly dialTimeoutMs: number;
  /** --expect-timeout with --expect; 0 without. */
  readonly verifyTimeoutMs: number;
  readonly settleMs: number;
}

/**
 * The ramp's pace over one run (docs/ARCHITECTURE.md "Pace"): the plan's, until a round is
 * outpaced; then, with adapting, a hold while the target catches up, and a slower pace from the
 * level reached. The ramp loop asks it at each round's start whether to hold still and what the
 * pace is, and hands it each round to judge.
 */
export class RampPace {
  private current: Pace;
  /** The round judged last: whether a round is outpaced reads only the one before it (kept, not a history: a --hold runs for hours). */
  private lastPaced: PacedRound | undefined;
  /**
   * While holding still after a slowdown: until when at least, and at most; the late answers
   * counted so far and when the last came; how long without one means the target answers none.
   */
  private hold: {
    readonly untilMs: number;
    readonly capMs: number;
    readonly quietMs: number;
    answered: number;
    lastAnswerMs: number;
  } | null = null;
  /** Late answers counted by the round before the last one: did the target still work through old ones? */
  private lateBefore: number;
  readonly changes: PaceChange[] = [];

  constructor(
    private readonly plan: RampPlan,
    private readonly settings: PaceSettings,
    first: FleetObservation,
  ) {
    this.current = planPace(plan);
    this.lateBefore = first.late.answered;
  }

  get pace(): Pace {
    return this.current;
  }

  /**
   * Returns true when round `index` holds still (no dials, no reopens): after a slowdown, until the
   * old pace's connections have had their dial and verification time, and then until the target is
   * through what waited (none of ours waiting, none kept listening unanswered, no late answer in the
   * last round), or answers none of them for a while (it is full, not busy); LATE_GRACE_MS more at
   * most. Then the new pace starts from the served level reached.
   */
  holdsStill(index: number, previous: FleetObservation, nowMs: number): boolean {
    const hold = this.hold;
    if (hold === null) return false;
    const ours = previous.live.queued + previous.live.dialing + previous.live.unverified;
    const listening = previous.late.listening ?? 0;
    const lateInRound = previous.late.answered - this.lateBefore;
    if (previous.late.answered > hold.answered) hold.lastAnswerMs = nowMs;
    hold.answered = previous.late.answered;
    // Through: nothing of ours waits, none kept listening is still unanswered, none answered just now.
    const through = ours === 0 && listening === 0 && lateInRound === 0;
    // Or it answers none of them for a while: it is not working through a queue (it is full).
    const silent = ours === 0 && nowMs - hold.lastAnswerMs >= hold.quietMs;
    if (nowMs < hold.capMs && (nowMs < hold.untilMs || !(through || silent))) return true;
    this.current = { ...this.current, fromRound: index, base: previous.live.held + previous.live.settling };
    this.hold = null;
    return false;
  }

  /**
   * Returns a measured round as the record keeps it: while holding still, judged without its
   * waiting failures (they belong to the old pace); when outpaced, marked so and not failed.
   */
  judge(
    measured: RoundRecord,
    before: FleetObservation,
    after: FleetObservation,
    still: boolean,
    segmentHolding: boolean,
  ): RoundRecord {
    const served = after.verified - before.verified;
    const paced: PacedRound = {
      attempts: measured.attempts,
      failures: still ? withoutWaiting(measured.failures) : measured.failures,
      served,
      level: measured.held + measured.settling,
      waitedWhileServed: after.waitedWhileServed - before.waitedWhileServed,
    };
    const objectivesBroke = !objectivesMet(measured.objectives);
    const failed = still
      ? proberKinds(measured.failures).length > 0 || roundFailed(this.plan, paced) || objectivesBroke
      : measured.failed;
    const outpaced = failed && !segmentHolding && !objectivesBroke && isOutpaced(this.plan, paced, this.lastPaced);
    this.lastPaced = paced;
    this.lateBefore = before.late.answered;
    // Object.assign, not a spread followed by new keys: V8 gives every object made by `{ ...x, new: 1 }`
    // a shape of its own (about 1 KB), and a --hold keeps a round a second for hours.
    return Object.assign({}, measured, {
      served,
      ...(still ? { draining: true } : {}),
      failed: failed && !outpaced,
      ...(outpaced ? { outpaced: true } : {}),
    });
  }

  /**
   * Slows down after an outpaced round (0-based `index`): 80% of the best the target served since
   * the pace last changed (and at least of this round and the two before), then holds still.
   */
  slowDown(index: number, rounds: readonly RoundRecord[], atMs: number, lateAnswered: number): void {
    const round = rounds.at(-1) as RoundRecord;
    const since = Math.max(3, index - this.current.fromRound + 1);
    const servedPerSec = (Math.max(...rounds.slice(-since).map((r) => r.served ?? 0)) * 1000) / this.plan.roundMs;
    const next = slowerPace(this.current, servedPerSec, index + 1, round.held + round.settling);
    // At the slowest pace already, it goes on at that pace: a new hold, no new change.
    if (next.ratePerSec < this.current.ratePerSec || !this.current.adapted)
      this.changes.push({
        round: index + 1,
        fromPerSec: this.current.ratePerSec,
        toPerSec: next.ratePerSec,
        servedPerSec: Math.round(servedPerSec),
        held: round.held,
      });
    this.current = next;
    const waitMs = this.settings.dialTimeoutMs + this.settings.verifyTimeoutMs;
    this.hold = {
      untilMs: atMs + waitMs,
      capMs: atMs + waitMs + LATE_GRACE_MS,
      quietMs: waitMs + 2 * this.plan.roundMs,
      answered: lateAnswered,
      lastAnswerMs: atMs,
    };
  }
}

/**
 * Returns true when a run stopped on an outpaced round (--no-adapt) is confirmed rate-limited: it
 * waits for the target to serve more of what waited, or to answer a timed-out one late; for the
 * dial, verification and settle times, and on while timed-out ones are still kept listening (up to
 * LATE_GRACE_MS), since a slow target reaches those last. Neither means it was full after all.
 * With `untilMs` (the run's planned end), it waits no longer than that.
 */
export async function stillServing(
  deps: {
    readonly fleet: FleetControl;
    readonly clock: Clock;
    readonly signal: AbortSignal;
    readonly untilMs?: number;
  },
  atStop: FleetObservation,
  settings: PaceSettings,
): Promise<boolean> {
  const { fleet, clock, signal } = deps;
  const before = { verified: atStop.verified, lateAnswered: atStop.late.answered };
  const startMs = clock.now();
  const deadlineMs = Math.min(
    startMs + settings.dialTimeoutMs + settings.verifyTimeoutMs + settings.settleMs,
    deps.untilMs ?? Number.POSITIVE_INFINITY,
  );
  const capMs = Math.min(Math.max(deadlineMs, startMs + LATE_GRACE_MS), deps.untilMs ?? Number.POSITIVE_INFINITY);
  for (;;) {
    const seen = await fleet.observe();
    if (confirmOutpaced(before, { verified: seen.verified, lateAnswered: seen.late.answered })) return true;
    const listening = (seen.late.listening ?? 0) > 0;
    if (signal.aborted || clock.now() >= capMs || (clock.now() >= deadlineMs && !listening)) return false;
    await clock.sleep(100, signal);
  }
}
