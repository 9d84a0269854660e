import type { FleetObservation, FleetOptions, LiveCounts } from './fleet.js';

/** A shard's fleet options: FleetOptions without the clock, which every shard reads for itself. */
export type ShardFleetOptions = Omit<FleetOptions, 'now'>;

/** What the parent sends a shard process. Messages are handled in the order sent. */
export type ShardCommand =
  | { readonly type: 'start'; readonly options: ShardFleetOptions }
  | { readonly type: 'open'; readonly count: number }
  | { readonly type: 'reopen'; readonly reopen: boolean }
  | { readonly type: 'cancel' }
  /** A reading: `window` starts a new latency window (observe), otherwise live counts only. */
  | { readonly type: 'read'; readonly id: number; readonly window: boolean }
  | { readonly type: 'stop' };

/** What a shard process answers. */
export type ShardReply =
  | { readonly type: 'ready' }
  | { readonly type: 'observation'; readonly id: number; readonly observation: FleetObservation }
  | { readonly type: 'live'; readonly id: number; readonly live: LiveCounts }
  | { readonly type: 'stopped' };
