import type { Clock } from '../clock.js';
import type { Objective } from '../config/objectives.js';
import { activeCount, type FleetControl } from '../fleet/fleetControl.js';
import type { FleetObservation } from '../fleet/fleetReading.js';
import type { FailureKind } from '../net/errors.js';
import type { Threshold } from '../units.js';
import { objectivesMet, readObjectives, type ObjectiveReading } from './objectiveReadings.js';
import { allowedFailures, totalFailures } from './rampRules.js';

/** Failures counted by kind (as in a result; spelled out here so that result.ts can name the search's steps). */
type FailureCounts = Partial<Record<FailureKind, number>>;

/** Levels known so far: `lo` connections were held with every objective met; at `hi` one broke. */
export interface Bracket {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Returns the next level to try, or null once the bracket is closed (hi - lo <= 1). A hint (the
 * most held in a round that met every objective) goes first when it lies inside the bracket, so
 * the search checks the ramp's own answer before it halves.
 */
export function nextLevel(bracket: Bracket, hint?: number): number | null {
  if (bracket.hi - bracket.lo <= 1) return null;
  if (hint !== undefined && hint > bracket.lo && hint < bracket.hi) return hint;
  return Math.floor((bracket.lo + bracket.hi) / 2);
}

/** Returns the bracket after a level was measured. */
export function narrow(bracket: Bracket, level: number, met: boolean): Bracket {
  return met
    ? { lo: Math.max(bracket.lo, level), hi: bracket.hi }
    : { lo: bracket.lo, hi: Math.min(bracket.hi, level) };
}

/** How the search measures a level. */
export interface SearchPlan {
  readonly objectives: readonly Objective[];
  /** How long each level is measured. */
  readonly windowMs: number;
  /**
   * How long a level is left to steady before it is measured: long enough for replies to requests
   * sent at the level before (late ones, if that level was too many) to come back first.
   */
  readonly steadyMs: number;
  /** The longest wait for a level's new connections to be held. */
  readonly settleWaitMs: number;
  /**
   * With objectives on connect or first-byte latency: how many of the newest connections each
   * level closes and opens again, for fresh samples at that concurrency (0: none).
   */
  readonly churn: number;
  readonly threshold: Threshold;
  readonly maxSteps: number;
}

/** One level the search measured. */
export interface SearchStep {
  /** The level asked for. */
  readonly level: number;
  /** Held at the end of its window. */
  readonly held: number;
  /** When its window ended (ms since the run's start). */
  readonly atMs: number;
  readonly met: boolean;
  readonly readings: readonly ObjectiveReading[];
  readonly failures: FailureCounts;
}

/** What the search needs from outside. */
export interface SearchDeps {
  readonly fleet: FleetControl;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** The run's start, for the steps' times. */
  readonly startMs: number;
  readonly onObservation?: (obs: FleetObservation) => void;
  readonly onStep?: (step: SearchStep) => void;
}

const TICK_MS = 20;

/**
 * Finds the exact number of connections the target holds while every objective is met, between a
 * level known to meet them and one known to break one: each step sets the fleet to a level (shedding
 * the newest connections, or opening more and waiting until they are held), lets it steady for a
 * window, then measures the objectives over a second window. Returns every step, in order.
 */
export async function searchObjectives(
  plan: SearchPlan,
  deps: SearchDeps,
  start: Bracket,
  hint?: number,
): Promise<SearchStep[]> {
  const steps: SearchStep[] = [];
  let bracket = start;
  for (let level = nextLevel(bracket, hint); level !== null; level = nextLevel(bracket)) {
    if (deps.signal.aborted || steps.length >= plan.maxSteps) break;
    await setLevel(deps, level, plan.settleWaitMs);
    await deps.clock.sleep(plan.steadyMs, deps.signal);
    const before = await deps.fleet.observe();
    deps.onObservation?.(before);
    const churn = Math.min(plan.churn, level);
    if (churn > 0) {
      deps.fleet.shed(churn);
      deps.fleet.request(churn);
    }
    await deps.clock.sleep(plan.windowMs, deps.signal);
    if (churn > 0) await untilHeld(deps, plan.settleWaitMs);
    const after = await deps.fleet.observe();
    deps.onObservation?.(after);
    // A level cut short by Ctrl-C measured nothing: it is not a step.
    if (deps.signal.aborted) break;
    const readings = readObjectives(plan.objectives, before.latency, after.latency);
    const failures = failuresBetween(before, after);
    const allowed = allowedFailures(plan.threshold, Math.max(level, 1));
    // Met: every objective held on samples of this window (none at all, with connections held, is no
    // answer in time), failures within the threshold, and the level really held.
    const met =
      objectivesMet(readings) &&
      readings.every((r) => r.samples > 0) &&
      totalFailures(failures) <= allowed &&
      after.live.held >= level - Math.floor(allowed);
    const step: SearchStep = {
      level,
      held: after.live.held,
      atMs: after.atMs - deps.startMs,
      met,
      readings,
      failures,
    };
    steps.push(step);
    deps.onStep?.(step);
    bracket = narrow(bracket, level, met);
  }
  return steps;
}

/** Sheds or opens connections until `level` are asked for, then waits until they are held (or the wait is over). */
async function setLevel(deps: SearchDeps, level: number, waitMs: number): Promise<void> {
  const active = activeCount(await deps.fleet.liveCounts());
  if (active > level) deps.fleet.shed(active - level);
  else if (active < level) deps.fleet.request(level - active);
  await untilHeld(deps, waitMs);
}

/**
 * Waits until no connection is still queued, dialing, verifying or settling (all held or gone), or
 * `waitMs` is over (and, with a grace, no connection is settling any more or the grace is over too),
 * or the run is interrupted; `onTick` runs between polls (a progress line).
 */
export async function untilHeld(
  deps: Pick<SearchDeps, 'fleet' | 'clock' | 'signal'>,
  waitMs: number,
  onTick?: () => Promise<void>,
  /** Past `waitMs`, how much longer to wait while connections are settling (served, to be held). */
  settlingGraceMs = 0,
): Promise<void> {
  const deadline = deps.clock.now() + waitMs;
  for (;;) {
    const live = await deps.fleet.liveCounts();
    if (live.queued + live.dialing + live.unverified + live.settling === 0) return;
    const now = deps.clock.now();
    if (deps.signal.aborted || now >= deadline + settlingGraceMs) return;
    if (now >= deadline && live.settling === 0) return;
    await onTick?.();
    await deps.clock.sleep(TICK_MS, deps.signal);
  }
}

/** Returns the failures by kind between two cumulative readings. */
function failuresBetween(before: FleetObservation, after: FleetObservation): FailureCounts {
  const out: FailureCounts = {};
  for (const kind of Object.keys(after.failures) as FailureKind[]) {
    const n = (after.failures[kind] ?? 0) - (before.failures[kind] ?? 0);
    if (n > 0) out[kind] = n;
  }
  return out;
}
