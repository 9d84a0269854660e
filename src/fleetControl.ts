import type { FleetObservation, LiveCounts } from './fleet.js';

/**
 * What the run loops drive: a fleet of connections in this process (Fleet) or in child processes
 * (ShardedFleet), through the same commands and the same plain observations (DESIGN.md "Layers").
 * Commands take effect in the order given; readings come back as promises.
 */
export interface FleetControl {
  /** Asks for `count` connections: slots whose connection failed or closed are reopened first (with their backoff), then new ones. */
  open(count: number): void;
  /** Drops dials not yet started. */
  cancelQueued(): void;
  /** Live counts now; unlike observe(), keeps the latency samples for the next observation. */
  liveCounts(): Promise<Readonly<LiveCounts>>;
  /**
   * When the newest connection established, by the caller's clock (null before any): the exact end
   * of a time to N that the polled live counts only bound.
   */
  lastOpenAtMs(): Promise<number | null>;
  /** The reading now; starts a new latency window. */
  observe(): Promise<FleetObservation>;
  /** Closes every connection; resolves once they are all closed. */
  stop(): Promise<void>;
}

/** Returns the connections queued, dialing or alive in a reading. */
export function activeCount(live: Readonly<LiveCounts>): number {
  return live.queued + live.dialing + live.open + live.verified + live.held;
}

/** Returns a FleetControl for a fleet in this process, built on the caller's clock. */
export function localControl(fleet: {
  open(count: number): void;
  cancelQueued(): void;
  liveCounts(): Readonly<LiveCounts>;
  lastOpenAt(): number | null;
  observe(): FleetObservation;
  stop(): Promise<void>;
}): FleetControl {
  return {
    open: (count) => fleet.open(count),
    cancelQueued: () => fleet.cancelQueued(),
    liveCounts: async () => fleet.liveCounts(),
    lastOpenAtMs: async () => fleet.lastOpenAt(),
    observe: async () => fleet.observe(),
    stop: () => fleet.stop(),
  };
}
