import type { EngineName } from './engineChoice.js';
import type { FleetOptions } from './fleet.js';
import type { FleetObservation, LiveCounts } from './fleetReading.js';

/** A shard's fleet options: FleetOptions without the clock, which every shard reads for itself, and the engine to run. */
export type ShardFleetOptions = Omit<FleetOptions, 'now'> & { readonly engine?: EngineName };

/** What the parent sends a shard process. Messages are handled in the order sent. */
export type ShardCommand =
  | { readonly type: 'start'; readonly options: ShardFleetOptions }
  | { readonly type: 'request'; readonly count: number }
  | { readonly type: 'cancel' }
  | { readonly type: 'shed'; readonly count: number }
  /** A reading: an observation (starts a new latency window), the live counts, or the newest open. */
  | { readonly type: 'read'; readonly id: number; readonly what: 'observation' | 'live' | 'lastOpen' }
  | { readonly type: 'stop' };

/** What a shard process answers. */
export type ShardReply =
  | { readonly type: 'ready' }
  | { readonly type: 'observation'; readonly id: number; readonly observation: FleetObservation }
  | { readonly type: 'live'; readonly id: number; readonly live: LiveCounts }
  /** How long before this reply the shard's newest connection established (the clocks of two processes are not compared). */
  | { readonly type: 'lastOpen'; readonly id: number; readonly agoMs: number | null }
  | { readonly type: 'stopped' };
