import type { FleetObservation, LiveCounts } from './fleetReading.js';

/**
 * What the run loops drive: a fleet of connections in this process (Fleet) or in child processes
 * (ShardedFleet), through the same commands and the same plain observations (docs/ARCHITECTURE.md "Layers").
 * Commands take effect in the order given; readings come back as promises.
 */
export interface FleetControl {
  /** Asks for `count` connections: slots whose connection failed or closed are reopened first (with their backoff), then new ones. */
  request(count: number): void;
  /** Drops dials not yet started. */
  cancelQueued(): void;
  /** Closes the `count` newest connections on the prober's own account (no failure, no reopen): an --slo search stepping down. */
  shed(count: number): void;
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
  return live.queued + live.dialing + live.unverified + live.settling + live.held;
}

/** A fleet in this process, on either engine: Fleet (TypeScript) or NativeFleet (C). */
export interface LocalFleet {
  request(count: number): void;
  cancelQueued(): void;
  shedNewest(count: number): number;
  liveCounts(): Readonly<LiveCounts>;
  lastOpenAt(): number | null;
  observe(): FleetObservation;
  stop(): Promise<void>;
}

/** Returns a FleetControl for a fleet in this process, built on the caller's clock. */
export function localControl(fleet: LocalFleet): FleetControl {
  return {
    request: (count) => fleet.request(count),
    cancelQueued: () => fleet.cancelQueued(),
    shed: (count) => void fleet.shedNewest(count),
    liveCounts: async () => fleet.liveCounts(),
    lastOpenAtMs: async () => fleet.lastOpenAt(),
    observe: async () => fleet.observe(),
    stop: () => fleet.stop(),
  };
}
