import type { Clock } from './clock.js';
import type { ProbeConfig } from './config.js';
import type { FleetObservation } from './fleet.js';
import type { FixedResult, FixedStatus } from './result.js';
import { summarize } from './stats.js';

/** What the fixed-mode loop drives. */
export interface FixedFleet {
  open(count: number): void;
  observe(): FleetObservation;
}

/** What a fixed-mode run needs from outside. */
export interface FixedDeps {
  readonly fleet: FixedFleet;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly dialed: string;
  /** Called at once and at every interval with tcpgoon's status counts. */
  readonly onStatus?: (status: FixedStatus) => void;
}

/** Returns tcpgoon's status counts for N connections from a fleet reading. */
export function fixedStatus(total: number, obs: FleetObservation): FixedStatus {
  const live = obs.live;
  return {
    total,
    dialing: live.dialing,
    established: live.open + live.verified + live.held,
    closed: obs.dropped,
    error: obs.failed,
    notInitiated: total - obs.started,
  };
}

/**
 * Runs tcpgoon's mode: opens N connections, one every --sleep, and ends at the first status
 * interval at which every connection has been dialed (successfully or not).
 */
export async function runFixed(config: ProbeConfig, deps: FixedDeps): Promise<FixedResult> {
  const { fleet, clock, signal } = deps;
  const total = config.connections;
  const startMs = clock.now();
  const connectMs: number[] = [];
  const errorMs: number[] = [];
  let opened = 0;
  let nextStatusMs = startMs;
  let observation = fleet.observe();
  for (;;) {
    const now = clock.now();
    const due = config.sleepMs === 0 ? total : Math.min(total, Math.floor((now - startMs) / config.sleepMs) + 1);
    if (due > opened && !signal.aborted) {
      fleet.open(due - opened);
      opened = due;
    }
    if (now >= nextStatusMs || signal.aborted) {
      observation = fleet.observe();
      connectMs.push(...observation.connectMs);
      errorMs.push(...observation.errorMs);
      const status = fixedStatus(total, observation);
      deps.onStatus?.(status);
      const done = status.notInitiated === 0 && status.dialing === 0 && observation.live.queued === 0;
      if (signal.aborted || (done && now > startMs)) break;
      nextStatusMs += config.intervalMs * Math.max(1, Math.ceil((now - nextStatusMs) / config.intervalMs));
    }
    const nextDialMs = opened < total ? startMs + opened * config.sleepMs : Number.POSITIVE_INFINITY;
    await clock.sleep(Math.max(1, Math.min(nextStatusMs, nextDialMs) - clock.now()), signal);
  }
  const status = fixedStatus(total, observation);
  return {
    mode: 'fixed',
    target: config.target.display,
    dialed: deps.dialed,
    status,
    totalEstablished: observation.established,
    maxConcurrent: observation.peakEstablished,
    connect: summarize(connectMs),
    timeToError: summarize(errorMs),
    failures: observation.failures,
    evidence: observation.evidence,
    interrupted: signal.aborted,
    exitCode: signal.aborted ? 130 : status.established === total ? 0 : 2,
    sourceAddresses: observation.sourceAddresses,
  };
}
