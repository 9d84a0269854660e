import type { Clock } from '../clock.js';
import { latencyWindow } from './latencyDistributions.js';
import type { FixedConfig } from '../config/probeConfig.js';
import type { FleetObservation } from '../fleet/fleetReading.js';
import type { FleetControl } from '../fleet/fleetControl.js';
import { histogramSince, histogramSummary } from '../stats/latencyHistogram.js';
import type { FixedResult, FixedStatus } from './result.js';
import { SampleReservoir } from '../stats/sampleReservoir.js';
import { proberKinds } from './rampRules.js';
import { findSourceRejection } from './sourceRejection.js';
import { WAITING_KINDS } from '../net/errors.js';
import { summarizeTraffic, type TrafficSummary } from './trafficSummary.js';

/** What the fixed-mode loop drives. */
export type FixedFleet = Pick<FleetControl, 'request' | 'observe' | 'liveCounts' | 'lastOpenAtMs'>;

/** What a fixed-mode run needs from outside. */
export interface FixedDeps {
  readonly fleet: FixedFleet;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly dialed: string;
  /** Called at once and at every interval with tcpgoon's status counts, and the interval's traffic (null at once). */
  readonly onStatus?: (status: FixedStatus, interval: TrafficSummary | null) => void;
  /** Called with every fleet reading the loop makes (for --statsd and --metrics-port). */
  readonly onObservation?: (obs: FleetObservation) => void;
}

/** Returns tcpgoon's status counts for N connections from a fleet reading. */
export function fixedStatus(total: number, obs: FleetObservation): FixedStatus {
  const live = obs.live;
  return {
    total,
    dialing: live.dialing,
    established: live.unverified + live.settling + live.held,
    closed: obs.dropped,
    error: obs.failed,
    // With --channel-lifetime, replacements are dials too: past N, none is "not initiated".
    notInitiated: Math.max(0, total - obs.started),
  };
}

/** How often the fixed-mode loop looks at the live counts between status lines. */
const TICK_MS = 20;

/**
 * Runs tcpgoon's mode: opens N connections, one every --sleep, and ends once every connection has
 * been dialed (successfully or not), or with -T/--duration once that time has passed (while
 * --channel-lifetime churns the connections). Status lines come every --interval; the end is
 * looked for every few milliseconds, and the time to N runs from the first dial to the fleet's own
 * record of when its newest connection opened: measured, not rounded to a poll or a line.
 */
export async function runFixed(config: FixedConfig, deps: FixedDeps): Promise<FixedResult> {
  const { fleet, clock, signal } = deps;
  const total = config.connections;
  const startMs = clock.now();
  const errorMs = new SampleReservoir();
  let opened = 0;
  let nextStatusMs = startMs;
  let allEstablishedAtMs: number | null = null;
  /** When the first dial was asked for: the time to N counts from it. */
  let firstDialMs: number | null = null;
  /** When the last dial has settled at the latest: --settle, and --expect-timeout with --expect. */
  const settleWindowMs = config.settleMs + (config.expect ? config.expectTimeoutMs : 0) + 50;
  let settledByMs: number | null = null;
  let observation = await fleet.observe();
  deps.onObservation?.(observation);
  const first = observation;
  /** When the newest connection was served, to the status tick (for the served rate). */
  let lastServedAtMs: number | null = null;
  const status = async (): Promise<void> => {
    const previous = observation;
    observation = await fleet.observe();
    if (observation.verified > previous.verified) lastServedAtMs = observation.atMs;
    deps.onObservation?.(observation);
    errorMs.add(observation.errorMs);
    deps.onStatus?.(
      fixedStatus(total, observation),
      summarizeTraffic(previous, observation, config.latencyPercentiles),
    );
  };
  // tcpgoon's first line comes before any dial: every connection not initiated yet.
  deps.onStatus?.(fixedStatus(total, observation), null);
  nextStatusMs += config.intervalMs;
  for (;;) {
    const now = clock.now();
    const due = config.sleepMs === 0 ? total : Math.min(total, Math.floor((now - startMs) / config.sleepMs) + 1);
    if (due > opened && !signal.aborted) {
      firstDialMs ??= clock.now();
      fleet.request(due - opened);
      opened = due;
    }
    const live = await fleet.liveCounts();
    if (allEstablishedAtMs === null && firstDialMs !== null && live.unverified + live.settling + live.held >= total) {
      // Polled every few ms; the fleet says when its newest connection opened, which is exact.
      const polledMs = clock.now();
      const lastOpenMs = await fleet.lastOpenAtMs();
      allEstablishedAtMs = Math.max(0, Math.min(polledMs, lastOpenMs ?? polledMs) - firstDialMs);
    }
    const allDialed = opened === total && live.queued === 0 && live.dialing === 0;
    // Without -T the run ends once every connection is held or gone: a server that accepts and then
    // closes (or resets) does it within --settle, and a connection it closed is not "established".
    if (allDialed && settledByMs === null) settledByMs = now + settleWindowMs;
    const settled = live.unverified + live.settling === 0 || (settledByMs !== null && now >= settledByMs);
    const ended =
      signal.aborted ||
      (config.durationMs === undefined ? allDialed && settled && now > startMs : now - startMs >= config.durationMs);
    if (ended || now >= nextStatusMs) {
      await status();
      nextStatusMs += config.intervalMs * Math.max(1, Math.ceil((now - nextStatusMs) / config.intervalMs));
    }
    if (ended) break;
    const nextDialMs = opened < total ? startMs + opened * config.sleepMs : Number.POSITIVE_INFINITY;
    await clock.sleep(Math.max(1, Math.min(TICK_MS, nextStatusMs - clock.now(), nextDialMs - clock.now())), signal);
  }
  const final = fixedStatus(total, observation);
  // Still dialing or handshaking when -T ended: never opened, so not established. With
  // --channel-lifetime a replacement in flight is churn; there every slot must have opened once.
  const neverOpened =
    config.lifetimeMs === undefined
      ? observation.live.dialing + observation.live.queued
      : Math.max(0, total - observation.established);
  const churning = config.durationMs !== undefined;
  const clean =
    neverOpened === 0 &&
    (churning ? observation.failed === 0 && observation.dropped === 0 : final.established === total);
  const sourceRejection = findSourceRejection(observation.bySource);
  // The prober's own limits, or some source addresses turned away: inconclusive, never a pass.
  const inconclusive = sourceRejection !== null || proberKinds(observation.failures).length > 0;
  return {
    mode: 'fixed',
    target: config.target.display,
    dialed: deps.dialed,
    status: final,
    totalEstablished: observation.established,
    maxConcurrent: observation.peakEstablished,
    connect: histogramSummary(histogramSince(observation.latency.connect, first.latency.connect)),
    latencyWindow: latencyWindow(first, observation),
    timeToError: errorMs.summary(),
    failures: observation.failures,
    evidence: observation.evidence,
    interrupted: signal.aborted,
    exitCode: signal.aborted ? 130 : inconclusive ? 3 : clean ? 0 : 2,
    sourceAddresses: observation.sourceAddresses,
    elapsedMs: observation.atMs - startMs,
    allEstablishedAtMs,
    recycled: observation.recycled,
    traffic: summarizeTraffic(first, observation, config.latencyPercentiles),
    sourceRejection,
    neverOpened,
    droppedHeld: observation.droppedHeld,
    servedBytes: observation.servedBytes,
    servedRate: servedRateOf(observation, firstDialMs, lastServedAtMs),
  };
}

/**
 * Returns how fast the target took on the connections, when some timed out waiting (a slow target
 * and a full one both make them): served connections over the time from the first dial to the last
 * one served (to the status interval). Null when nothing timed out or nothing was served.
 */
function servedRateOf(
  obs: FleetObservation,
  firstDialMs: number | null,
  lastServedAtMs: number | null,
): FixedResult['servedRate'] {
  const waited = WAITING_KINDS.reduce((n, kind) => n + (obs.failures[kind] ?? 0), 0);
  if (waited === 0 || firstDialMs === null || lastServedAtMs === null || obs.verified === 0) return null;
  const overMs = Math.max(1, lastServedAtMs - firstDialMs);
  return { perSec: Math.round((obs.verified * 1000) / overMs), served: obs.verified, overMs };
}
