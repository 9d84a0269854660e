/**
 * The run's counters: totals that only grow, kept by a fleet, carried by every reading of it
 * (`FleetObservation` extends this), and summed across shards. One list, so a counter added here
 * is read, merged and reset everywhere at once.
 */
export interface RunCounters {
  /** Connections asked for, including reopens. */
  requested: number;
  /** Dials begun (queued ones not yet). */
  started: number;
  reopened: number;
  established: number;
  /**
   * Connections served: verified (by --expect, or open without it). Per round, the target's rate of
   * taking on new connections (docs/ARCHITECTURE.md "Pace").
   */
  verified: number;
  /**
   * Failures of the waiting kinds (connect, verification and handshake timeouts) during whose wait
   * this fleet saw other connections served, or answered late: the sign of a slow target, not a full one.
   */
  waitedWhileServed: number;
  /** Failures before open, or of verification. */
  failed: number;
  /** Open connections the peer closed or reset. */
  dropped: number;
  /** Of those, connections that had been held. */
  droppedHeld: number;
  /** Of those, connections that were the oldest one open when dropped: eviction's sign. */
  droppedOldest: number;
  /** Connections the prober itself closed at the end of their --channel-lifetime (and replaced). */
  recycled: number;
  /** Connections the prober itself closed to step down (an --slo search). */
  shed: number;
  /** Bytes written to and received from connections, in all. */
  bytesSent: number;
  bytesReceived: number;
}

/** The counters, in the order readings list them. */
export const RUN_COUNTERS: readonly (keyof RunCounters)[] = [
  'requested',
  'started',
  'reopened',
  'established',
  'verified',
  'waitedWhileServed',
  'failed',
  'dropped',
  'droppedHeld',
  'droppedOldest',
  'recycled',
  'shed',
  'bytesSent',
  'bytesReceived',
];

/** Returns counters at zero. */
export function zeroCounters(): RunCounters {
  return Object.fromEntries(RUN_COUNTERS.map((name) => [name, 0])) as unknown as RunCounters;
}

/** Adds counters into a sum (a missing one counts 0: readings of older shards). */
export function addCounters(sum: RunCounters, more: Partial<Readonly<RunCounters>>): void {
  for (const name of RUN_COUNTERS) sum[name] += more[name] ?? 0;
}
