import type { Clock } from '../clock.js';
import { formatDuration } from '../units.js';
import { latencyWindow } from './latencyDistributions.js';
import type { ProbeConfig, RampConfig } from '../config/probeConfig.js';
import {
  dialsDue,
  proberKinds,
  roundDialBudget,
  roundFailed,
  roundCount,
  roundTarget,
  stopAfterRound,
  totalFailures,
  verdictFor,
  type StopReason,
} from './rampRules.js';
import type { RampPlan } from '../config/rampPlan.js';
import { findSourceRejection } from './sourceRejection.js';
import { targetGone } from './diagnose.js';
import { activeCount, type FleetControl } from '../fleet/fleetControl.js';
import type { FleetObservation } from '../fleet/fleetReading.js';
import { histogramPercentile, histogramSince, histogramSummary } from '../stats/latencyHistogram.js';
import type { FailureKind } from '../net/errors.js';
import type { FailureCounts, RampProgress, RampResult, RoundRecord } from './result.js';
import { summarizeTraffic } from './trafficSummary.js';
import { brokenObjective, objectivesMet, readObjectives } from './objectiveReadings.js';
import { searchObjectives, untilHeld, type SearchPlan, type SearchStep } from './objectiveSearch.js';
import { failedByWaitingOnly, servedRate } from './pace.js';
import { RampPace, stillServing, type PaceSettings } from './rampPace.js';

/** What a ramp run needs from outside. */
export interface ProbeDeps {
  readonly fleet: FleetControl;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly dialed: string;
  readonly onRound?: (round: RoundRecord) => void;
  /** Called with each level the --slo search measured. */
  readonly onSearchStep?: (step: SearchStep) => void;
  /** Called with every fleet reading the loop makes (for --statsd and --metrics-port). */
  readonly onObservation?: (obs: FleetObservation) => void;
  /** Called with the live state about every `progressEveryMs` while the run goes on. */
  readonly onProgress?: (progress: RampProgress) => void;
  readonly progressEveryMs?: number;
  /**
   * `--start-at`, on `clock`'s time base: round k starts at startAtMs + k x round. A run that
   * starts late joins at the next round boundary; before it, it waits.
   */
  readonly startAtMs?: number;
  /** Called while it waits for `startAtMs`, about every second, with the milliseconds left. */
  readonly onWaiting?: (msLeft: number) => void;
}

/** The warning every report carries when open counts as served. */
export const UNVERIFIED_WARNING =
  "no --expect: an open connection counts as served, so connections waiting in the target's accept queue cannot be told from served ones; add --send/--expect to verify service";

/** The longest pause between pacing steps. */
const TICK_MS = 20;
/** A gap between pacing steps longer than this is a stall (a paused or starved loop), not a tick. */
const STALL_MS = 4 * TICK_MS;
/** A loop this late (and a round or more) skips the rounds it missed: a pause, not a busy moment. */
const STALL_SKIP_MS = 1000;

/**
 * Runs the auto-incremental probe: raises the target concurrency round by round, pacing dials
 * evenly, until a stop rule fires; then lets the last connections settle and returns the result.
 */
export async function runRamp(config: RampConfig, deps: ProbeDeps): Promise<RampResult> {
  const plan = config.ramp;
  const { fleet, clock, signal } = deps;
  const startMs = deps.startAtMs ?? clock.now();
  // Late for a shared start: join at the next round boundary (the rounds before it held nothing here).
  const joinedAtRound =
    deps.startAtMs === undefined ? 0 : Math.max(0, Math.ceil((clock.now() - startMs) / plan.roundMs - 1e-9));
  // --hold moves the last round past the plan's, once the ramp has reached --max-connections.
  let lastRound = roundCount(plan) - 1;
  const firstRoundMs = startMs + joinedAtRound * plan.roundMs;
  while (clock.now() < firstRoundMs && !signal.aborted) {
    const leftMs = firstRoundMs - clock.now();
    deps.onWaiting?.(leftMs);
    // Whole seconds left at each call, so a countdown shows 42 s, 41 s, ...
    await clock.sleep(leftMs % 1000 || Math.min(1000, leftMs), signal);
  }
  const rounds: RoundRecord[] = [];
  let previous = await fleet.observe();
  deps.onObservation?.(previous);
  const first = previous;
  let created = 0;
  let maximum = 0;
  let maximumAtMs = 0;
  /** Held connections dropped before the maximum's sample: those dropped after it were counted in it. */
  let droppedHeldAtMaximum = 0;
  /** When the loop last finished waiting on purpose (for a silent target's first answers). */
  let waitedUntilMs = Number.NEGATIVE_INFINITY;
  let maximumRound = 0;
  let stop: StopReason | null = null as StopReason | null;
  let progressAtMs = startMs;
  let failedSoFar = 0;
  // The reading at the first failing round's start: a target that went away drops the rest from there.
  let breakFrom: FleetObservation | null = null;
  // The longest run of held connections dropped with none opening between, from the first failing round on.
  let heldDropBurst = 0;
  const progress = async (round: number, target: number): Promise<void> => {
    const now = clock.now();
    if (!deps.onProgress || now - progressAtMs < (deps.progressEveryMs ?? 250)) return;
    progressAtMs = now;
    const live = await fleet.liveCounts();
    deps.onProgress({
      atMs: now - startMs,
      round,
      target,
      held: live.held,
      settling: live.settling,
      unverified: live.unverified,
      dialing: live.dialing + live.queued,
      failures: failedSoFar,
    });
  };

  // A segment that meets its own stop rule stops dialing but holds (and reopens) what it holds
  // until the plan's end, so that the segments' held counts at a round boundary add up to the
  // global count at that moment (docs/ARCHITECTURE.md "Segments").
  let holding: number | null = null;
  let holdingFromRound: number | null = null;
  /** With --hold: the first round of the hold that failed; the count was not sustained for the hold. */
  let holdBroke: RoundRecord | null = null;
  // The pace: the plan's, until the target serves new connections slower than that; then a hold
  // while it catches up, and a slower pace (docs/ARCHITECTURE.md "Pace").
  const paceSettings: PaceSettings = {
    adapt: config.adapt,
    dialTimeoutMs: config.dialTimeoutMs,
    verifyTimeoutMs: config.expect ? config.expectTimeoutMs : 0,
    settleMs: config.settleMs,
  };
  const pace = new RampPace(plan, paceSettings, previous);
  // Ctrl-C while waiting for a shared start: nothing was measured, and no round ran.
  const behind: string[] = [];
  for (let index = joinedAtRound; !(signal.aborted && rounds.length === 0 && clock.now() < startMs); index++) {
    // A loop that fell behind (the prober paused, or starved of CPU) by more than a round, and by a
    // second or more, skips the rounds it missed rather than dial them all at once: the rate stays
    // the rate it states. A shorter stall only moves the dials' schedule (below).
    const lagMs = clock.now() - (startMs + index * plan.roundMs);
    const late = lagMs >= STALL_SKIP_MS ? Math.min(lastRound - index, Math.floor(lagMs / plan.roundMs)) : 0;
    // Rounds passed while the loop waited on purpose (for a silent target's first answers) are
    // skipped without a word: the prober was not behind.
    if (late >= 1 && startMs + (index + late) * plan.roundMs <= waitedUntilMs) index += late;
    else if (late >= 1) {
      behind.push(
        `the prober fell behind by ${late} round${late === 1 ? '' : 's'} before round ${index + 1} (it was paused, or starved of CPU): ${late === 1 ? 'that round was' : 'those rounds were'} skipped, not dialed in a burst`,
      );
      index += late;
    }
    const roundStartMs = startMs + index * plan.roundMs;
    const still = pace.holdsStill(index, previous, clock.now());
    const target =
      holding ?? (still ? previous.live.held + previous.live.settling : roundTarget(plan, index, pace.pace));
    // Reopens of closed or failed connections come out of the same paced budget as new dials.
    const deficit = still
      ? 0
      : config.reopen
        ? Math.min(roundDialBudget(plan, index, pace.pace), Math.max(0, target - activeCount(await fleet.liveCounts())))
        : Math.max(0, target - created);
    let issued = 0;
    // The dials' schedule moves with a stall (a round begun late, a paused or starved loop), so the
    // dials due meanwhile are never sent in a burst; those the round's end leaves over lapse, and
    // the next round's deficit asks for them again at its pace.
    let seenMs = clock.now();
    let shiftMs = seenMs - roundStartMs > STALL_MS ? seenMs - roundStartMs : 0;
    for (;;) {
      const nowMs = clock.now();
      if (nowMs - seenMs > STALL_MS) shiftMs += nowMs - seenMs - TICK_MS;
      seenMs = nowMs;
      const elapsedMs = nowMs - roundStartMs;
      const due = signal.aborted ? issued : Math.max(issued, dialsDue(elapsedMs - shiftMs, plan.roundMs, deficit));
      if (due > issued) fleet.request(due - issued);
      issued = due;
      if (elapsedMs >= plan.roundMs || signal.aborted) break;
      await progress(index + 1, target);
      const nextDueMs = issued < deficit ? (plan.roundMs * issued) / deficit + shiftMs : plan.roundMs;
      await clock.sleep(Math.min(TICK_MS, Math.max(1, nextDueMs - elapsedMs)), signal);
    }
    created += issued;
    await ioTurn();
    const observation = await fleet.observe();
    deps.onObservation?.(observation);
    const measured = makeRound(index, target, previous, observation, startMs, plan, config);
    let round = pace.judge(measured, previous, observation, still, holding !== null);
    let outpaced = round.outpaced === true;
    // A round that failed only by waiting before the target had served anything at all: there is no
    // level yet at which it could be full. A target starting, or starved of CPU, answers what waited
    // later; one that never will (another protocol, a queue that is full) does not. Waiting for
    // that decides: slow is outpaced (the pace adapts), silent is the failure it looked like.
    if (
      round.failed &&
      !outpaced &&
      config.adapt &&
      holding === null &&
      observation.verified === first.verified &&
      failedByWaitingOnly(plan, round) &&
      // Nothing served yet: wait for a late answer, but not past --max-duration (then nothing was served).
      (await stillServing({ fleet, clock, signal, untilMs: startMs + plan.maxDurationMs }, observation, paceSettings))
    ) {
      round = Object.assign({}, round, { failed: false, outpaced: true });
      outpaced = true;
      waitedUntilMs = clock.now();
    }
    if (round.failed && breakFrom === null) breakFrom = previous;
    if (breakFrom !== null) heldDropBurst = Math.max(heldDropBurst, observation.heldDropBurst ?? 0);
    previous = observation;
    rounds.push(round);
    failedSoFar += totalFailures(round.failures);
    // A round that broke a latency objective held connections it did not serve in time: they are no capacity.
    if (round.held > maximum && objectivesMet(round.objectives)) {
      [maximum, maximumAtMs] = [round.held, round.atMs];
      droppedHeldAtMaximum = observation.droppedHeld;
      maximumRound = round.round;
    }
    deps.onRound?.(round);
    if (signal.aborted) {
      stop = 'interrupted';
      break;
    }
    if (holding !== null) {
      if (plan.holdMs !== undefined && round.failed) {
        holdBroke = round;
        break;
      }
      if (index >= lastRound) break;
      continue;
    }
    if (outpaced && config.adapt) {
      // Not the limit: the target takes on connections slower than asked. Keep what is held, drop
      // the dials not started, and go on at a pace it keeps up with.
      fleet.cancelQueued();
      pace.slowDown(index, rounds, observation.atMs, observation.late.answered);
    }
    stop =
      outpaced && !config.adapt
        ? 'outpaced'
        : stopAfterRound(plan, {
            index,
            target,
            held: round.held,
            attempts: round.attempts,
            failures: round.failures,
            failed: round.failed,
            objectivesMet: objectivesMet(round.objectives),
          });
    if (stop === null) continue;
    if (stop === 'max-connections' && plan.holdMs !== undefined) {
      // --hold: keep --max-connections held for the hold's rounds, judged as every round is.
      holding = round.held;
      holdingFromRound = index + 2;
      lastRound = index + Math.max(1, Math.ceil(plan.holdMs / plan.roundMs - 1e-9));
      continue;
    }
    if (plan.segment === undefined || index >= lastRound) break;
    holding = round.held;
    holdingFromRound = index + 2;
  }

  if (signal.aborted && rounds.length === 0) stop = 'interrupted';
  fleet.cancelQueued();
  // A latency objective broke (and nothing else did): search down from there for the exact count.
  const failingRound = rounds.find((r) => r.failed);
  const brokenReading = brokenObjective(failingRound?.objectives);
  const searchFrom =
    stop === 'round-failed' && failingRound && brokenReading && !roundFailed(plan, failingRound)
      ? {
          round: failingRound,
          reading: brokenReading,
          established: previous.live.held + previous.live.settling + previous.live.unverified,
        }
      : null;
  let search: SearchStep[] = [];
  if (searchFrom && config.objectives) {
    search = await searchObjectives(
      searchPlan(config, plan, previous),
      { fleet, clock, signal, startMs, onObservation: deps.onObservation, onStep: deps.onSearchStep },
      { lo: 0, hi: Math.max(1, searchFrom.established) },
      maximum,
    );
    if (signal.aborted) stop = 'interrupted';
    // The search measures each level steadily, the rounds only on the way up: its answer stands. A
    // search cut short by Ctrl-C before any level met keeps the rounds' answer, unless a level at or
    // below it broke.
    const refuted = search.some((step) => !step.met && step.level <= maximum);
    if (search.some((step) => step.met) || !signal.aborted || refuted) [maximum, maximumAtMs] = [0, 0];
    for (const step of search) if (step.met && step.held > maximum) [maximum, maximumAtMs] = [step.held, step.atMs];
  } else if (stop !== 'interrupted')
    await settle(config, deps, () => progress(rounds.length, rounds.at(-1)?.target ?? 0));
  if (stop === 'outpaced' && holdingFromRound === null) {
    // --no-adapt stopped on a round that looked outpaced: a slow target still serves (or answers
    // late) what waited; a target that filled up serves nothing more.
    const serving = await stillServing({ fleet, clock, signal }, previous, paceSettings);
    if (signal.aborted) stop = 'interrupted';
    else if (!serving) {
      // Full after all: that round is the limit.
      stop = 'round-failed';
      const at = rounds.findIndex((r) => r.outpaced);
      const full = rounds[at] as RoundRecord;
      const { outpaced: _outpaced, ...judged } = full;
      rounds[at] = { ...judged, failed: true };
    }
  }
  // A failing round that dropped open connections may be a target going away: its kernel closes
  // them over a moment that a busy machine stretches. The final sample waits until the open count
  // has stopped falling, so that a death is read whole (bounded).
  const failing = rounds.find((r) => r.failed);
  if (stop === 'round-failed' && failing && (failing.failures.closed ?? 0) + (failing.failures.reset ?? 0) > 0)
    await untilSteady(deps);
  await ioTurn();
  const final = await fleet.observe();
  deps.onObservation?.(final);
  // The final settle's sample counts when no objective broke and the settle's own samples meet them.
  const finalMet = objectivesMet(
    config.objectives ? readObjectives(config.objectives, previous.latency, final.latency) : undefined,
  );
  if (!searchFrom && finalMet && final.live.held > maximum)
    [maximum, maximumAtMs] = [final.live.held, final.atMs - startMs];
  // Held connections whose heartbeats were never once answered were never shown to be served.
  const beatsAnswered = final.latency.heartbeat.count - first.latency.heartbeat.count;
  const neverBeat = config.heartbeat !== undefined && beatsAnswered === 0 && (final.failures.stale ?? 0) > 0;
  if (neverBeat) [maximum, maximumAtMs] = [0, 0];
  const sourceRejection = findSourceRejection(final.bySource);
  const reason: StopReason = stop ?? 'max-duration';
  // Every held connection dropped at once: the target went away (died, or restarted), no limit.
  const gone =
    reason === 'round-failed'
      ? targetGone(rounds, {
          left: final.live.held + final.live.settling + final.live.unverified,
          heldDropped: final.droppedHeld - (breakFrom?.droppedHeld ?? 0),
          // The rounds' runs only: in the final settle nothing opens, so every close extends a run.
          heldDropBurst,
        })
      : null;
  // Counted held, then closed by the target later than --settle (a target starved of CPU closes late
  // what it took on past its limit, or evicts late): those were never capacity. Once nothing more is
  // dialed and the open count is steady, what the target still holds is what it sustained.
  const kept = keptAfterStop(reason, gone !== null || searchFrom !== null, maximum, final, droppedHeldAtMaximum);
  if (kept !== null) {
    behind.push(
      `the target kept ${kept} of the ${maximum} counted held at round ${maximumRound}: it closed ${final.droppedHeld - droppedHeldAtMaximum} held ones later than --settle (${formatDuration(config.settleMs)}), with nothing more dialed, so the maximum is ${kept}; a longer --settle counts only what it keeps`,
    );
    [maximum, maximumAtMs] = [kept, final.atMs - startMs];
  }
  let { verdict, exitCode } = verdictFor(reason, maximum, config.minConcurrency, sourceRejection !== null);
  if (gone && maximum > 0 && !['prober-limited', 'interrupted'].includes(verdict))
    [verdict, exitCode] = ['inconclusive', 3];
  // Held for a while and then lost: --max-connections is not sustained for the --hold, and how many
  // would be is not measured. Never a pass.
  if (holdBroke && !['prober-limited', 'interrupted', 'not-served'].includes(verdict))
    [verdict, exitCode] = ['inconclusive', 3];
  const elapsedMs = Math.max(0, final.atMs - startMs);
  return {
    mode: 'ramp',
    target: config.target.display,
    dialed: deps.dialed,
    settings: {
      ratePerSec: plan.ratePerSec,
      roundMs: plan.roundMs,
      from: plan.from,
      maxDurationMs: plan.maxDurationMs,
      maxConnections: plan.maxConnections ?? null,
      threshold: config.thresholdText,
      settleMs: config.settleMs,
      maxInflight: config.maxInflight,
      reopen: config.reopen,
      expect: config.expect?.source ?? null,
      send: config.send && !config.protocol ? config.send.toString('latin1') : null,
      ...(config.protocol ? { protocol: config.protocol } : {}),
      ...(config.heartbeat ? { heartbeatMs: config.heartbeat.everyMs } : {}),
      adapt: config.adapt,
    },
    rounds,
    finalHeld: final.live.held,
    maximum,
    maximumAtMs,
    durationMs: elapsedMs,
    breakingPoint: failing ? { round: failing.round, target: failing.target, failures: failing.failures } : null,
    failures: final.failures,
    evidence: final.evidence,
    droppedHeld: final.droppedHeld,
    droppedOldest: final.droppedOldest,
    achievedRatePerSec: rounds.length > 0 ? (created * 1000) / (rounds.length * plan.roundMs) : 0,
    connect: histogramSummary(histogramSince(final.latency.connect, first.latency.connect)),
    latencyWindow: latencyWindow(first, final),
    stopReason: reason,
    verdict,
    exitCode,
    warnings: [...(config.expect ? [] : [UNVERIFIED_WARNING]), ...behind],
    gate:
      config.minConcurrency === undefined
        ? null
        : { minConcurrency: config.minConcurrency, findMax: config.findMax, met: maximum >= config.minConcurrency },
    sourceAddresses: final.sourceAddresses,
    traffic: summarizeTraffic(first, final, config.latencyPercentiles),
    sourceRejection,
    servedBytes: final.servedBytes,
    ...(config.heartbeat ? { heartbeatsAnswered: beatsAnswered } : {}),
    targetGone: gone,
    paceChanges: pace.changes,
    servedRate: servedRate(rounds, plan.roundMs),
    lateAnswers: final.late,
    ...(config.objectives
      ? {
          objectives: {
            objectives: config.objectives.map((o) => o.text),
            broke: searchFrom
              ? {
                  round: searchFrom.round.round,
                  held: searchFrom.round.held,
                  established: searchFrom.established,
                  reading: searchFrom.reading,
                }
              : null,
            search,
            recoveredAt: searchFrom ? maximum : null,
          },
        }
      : {}),
    ...(plan.holdMs !== undefined && holdingFromRound !== null
      ? {
          hold: {
            ms: plan.holdMs,
            fromRound: holdingFromRound,
            toRound: rounds.length,
            brokeAtRound: holdBroke ? holdBroke.round : null,
          },
        }
      : {}),
    ...(plan.segment
      ? {
          segment: {
            index: plan.segment.index,
            count: plan.segment.count,
            joinedAtRound: joinedAtRound + 1,
            holdingFromRound,
          },
        }
      : {}),
  };
}

/**
 * Resolves after the event loop has polled for I/O once. Round-end samples come from a timer, and
 * on a busy loop a timer can run before the poll that delivers a close already in the kernel; one
 * turn first keeps a connection that is already gone from being sampled as held.
 */
function ioTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits, with no new dials, until every live connection is held or gone, or the settle deadline passes. */
/** How long the open count must stay the same, and how long to wait for that at most. */
const STEADY_MS = 300;
const STEADY_WAIT_MS = 1500;

/** Waits until the fleet's open count has not changed for STEADY_MS (at most STEADY_WAIT_MS). */
async function untilSteady(deps: ProbeDeps): Promise<void> {
  const { fleet, clock, signal } = deps;
  const deadline = clock.now() + STEADY_WAIT_MS;
  const open = async (): Promise<number> => {
    const live = await fleet.liveCounts();
    return live.unverified + live.settling + live.held;
  };
  let last = await open();
  let since = clock.now();
  while (!signal.aborted && clock.now() < deadline && clock.now() - since < STEADY_MS) {
    await clock.sleep(TICK_MS, signal);
    const now = await open();
    if (now !== last) [last, since] = [now, clock.now()];
  }
}

/**
 * Returns the maximum corrected to what the target kept, or null when it stands: after a failing
 * round, once no more are dialed and every open connection is held, fewer are held than the
 * maximum counted, and held connections were dropped since its sample (the target closed them
 * later than --settle). A target that went away, and an objective search, are judged otherwise.
 */
export function keptAfterStop(
  reason: StopReason,
  judgedOtherwise: boolean,
  maximum: number,
  final: Pick<FleetObservation, 'live' | 'droppedHeld'>,
  droppedHeldAtMaximum: number,
): number | null {
  if (reason !== 'round-failed' || judgedOtherwise) return null;
  const { held, settling, unverified } = final.live;
  const steady = settling === 0 && unverified === 0;
  if (!steady || held <= 0 || held >= maximum || final.droppedHeld <= droppedHeldAtMaximum) return null;
  return held;
}

/**
 * The final settle: waits, with no new dials, for the open connections to be held or gone, as long
 * as a connection served when the wait began needs (--settle, and --expect-timeout with --expect).
 * A dial still in flight then may be served during that wait (late, on a busy prober); it is held
 * --settle after, so the wait goes on while connections are settling, at most one more --settle.
 * Waiting adds no connection: it only lets settling ones become held, or go.
 */
function settle(config: RampConfig, deps: ProbeDeps, progress: () => Promise<void>): Promise<void> {
  const waitMs = config.settleMs + (config.expect ? config.expectTimeoutMs : 0) + 50;
  return untilHeld(deps, waitMs, progress, config.settleMs + 50);
}

/** Returns a round's record from the fleet readings at its start and end. */
export function makeRound(
  index: number,
  target: number,
  before: FleetObservation,
  after: FleetObservation,
  startMs: number,
  plan: RampPlan,
  measure: Pick<ProbeConfig, 'objectives' | 'heartbeat'> = {},
): RoundRecord {
  const failures: FailureCounts = {};
  for (const kind of Object.keys(after.failures) as FailureKind[]) {
    const delta = (after.failures[kind] ?? 0) - (before.failures[kind] ?? 0);
    if (delta > 0) failures[kind] = delta;
  }
  const attempts = after.started - before.started;
  const latency = histogramSince(after.latency.connect, before.latency.connect);
  const objectives = measure.objectives && readObjectives(measure.objectives, before.latency, after.latency);
  const heartbeat = measure.heartbeat && histogramSince(after.latency.heartbeat, before.latency.heartbeat);
  return {
    round: index + 1,
    atMs: after.atMs - startMs,
    target,
    held: after.live.held,
    settling: after.live.settling,
    unverified: after.live.unverified,
    dialing: after.live.dialing + after.live.queued,
    attempts,
    failures,
    failed: proberKinds(failures).length > 0 || roundFailed(plan, { attempts, failures }) || !objectivesMet(objectives),
    connectP50Ms: histogramPercentile(latency, 50),
    connectP99Ms: histogramPercentile(latency, 99),
    bytesSent: after.bytesSent - before.bytesSent,
    bytesReceived: after.bytesReceived - before.bytesReceived,
    ...(heartbeat
      ? { heartbeatP50Ms: histogramPercentile(heartbeat, 50), heartbeatP99Ms: histogramPercentile(heartbeat, 99) }
      : {}),
    ...(objectives ? { objectives } : {}),
  };
}

/**
 * Returns how the objective search measures a level: a window long enough for every held
 * connection to beat twice (with --heartbeat), else half a round; before it, a wait for the
 * replies still due from the level before; the wait for new connections the settle and the dial
 * and verification timeouts; churn when an objective is on connect or first-byte latency, which
 * only new connections sample.
 */
export function searchPlan(config: RampConfig, plan: RampPlan, seen: FleetObservation): SearchPlan {
  const objectives = config.objectives ?? [];
  const fresh = objectives.some((o) => o.latency === 'connect' || o.latency === 'first-byte');
  // Replies to heartbeats and messages come back within the slowest seen so far, or go stale at
  // --expect-timeout: a window spans that (so slow replies land in it), and before it a level waits
  // that out (so replies to the level before do not).
  const slowest = Math.min(
    config.expectTimeoutMs,
    1.5 * Math.max(seen.latency.heartbeat.max, seen.latency.marker.max, 0),
  );
  const windowMs = Math.max(config.heartbeat ? 2 * config.heartbeat.everyMs : 0, plan.roundMs / 2, 200, slowest);
  return {
    objectives,
    windowMs,
    steadyMs: windowMs + slowest,
    settleWaitMs: config.settleMs + config.dialTimeoutMs + (config.expect ? config.expectTimeoutMs : 0),
    churn: fresh ? 20 : 0,
    threshold: plan.threshold,
    maxSteps: 24,
  };
}
