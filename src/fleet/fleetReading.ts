import { emptyHistogram, type LatencyHistogram } from '../stats/latencyHistogram.js';
import type { FailureKind } from '../net/errors.js';
import type { RunCounters } from './runCounters.js';

/** Where a connection is in its life (docs/ARCHITECTURE.md "Connection lifecycle"). */
export type ConnState = 'queued' | 'dialing' | 'unverified' | 'settling' | 'held' | 'closed' | 'failed' | 'stopped';

/** The first sign of a failure kind: the error text, or the first bytes the server sent. */
export interface Evidence {
  readonly message?: string;
  readonly bytes?: string;
}

/** Connections by live state, at one moment. */
export interface LiveCounts {
  queued: number;
  dialing: number;
  /** Connected, not yet verified (by --expect, or by the first sweep without it). */
  unverified: number;
  /** Verified, waiting out --settle before they count as held. */
  settling: number;
  held: number;
}

/**
 * A plain, serialisable reading of a fleet (docs/ARCHITECTURE.md "Layers"). Totals are cumulative:
 * the run's counters (`RunCounters`), failures by kind, latency histograms.
 */
export interface FleetObservation extends Readonly<RunCounters> {
  readonly atMs: number;
  readonly live: Readonly<LiveCounts>;
  /**
   * The longest run of held connections dropped with no connection opening in between, reached
   * since the previous reading (shards: summed). A target that went away drops every held one at
   * once; eviction drops one for each new connection it admits. Absent in older readings.
   */
  readonly heldDropBurst?: number;
  readonly failures: Readonly<Partial<Record<FailureKind, number>>>;
  readonly evidence: Readonly<Partial<Record<FailureKind, Evidence>>>;
  /** The most connections established (open, verified or held) at one moment. */
  readonly peakEstablished: number;
  /** Times from dial to error (ms) since the previous observation (connect latency: `latency.connect`). */
  readonly errorMs: readonly number[];
  /** Local addresses connections were dialed from (the first one seen per run, for the record). */
  readonly sourceAddresses: readonly string[];
  /** Latency histograms of the whole run so far (cumulative; see latencyHistogram.ts). */
  readonly latency: LatencyReadings;
  /** Dials, served connections and failures per bound source address (only with --source-ip). */
  readonly bySource: Readonly<Record<string, SourceTally>>;
  /** The first bytes a served connection received (a greeting every client gets), as latin1; null before any. */
  readonly servedBytes: string | null;
  /** Connections that timed out waiting to be served and were kept listening for a late answer. */
  readonly late: LateAnswers;
}

/**
 * What became of connections that timed out waiting for --expect and were kept listening for a
 * grace period (at most LATE_WATCH_MAX at a time, thinned to a spread over time that always keeps
 * the newest; one let go is not counted): answered late means the target was slow, not full.
 */
export interface LateAnswers {
  /** Timed-out connections kept listening, in all. */
  readonly watched: number;
  /** Of those, answered with --expect within the grace period. */
  readonly answered: number;
  /** Of those, still listening now (absent in older readings). */
  readonly listening?: number;
  /** How long after its timeout each answer came (ms; the first LATE_DELAYS_KEPT). */
  readonly delaysMs: readonly number[];
}

/** Timed-out connections kept listening at once, the grace they get, and the delays kept. */
export const LATE_WATCH_MAX = 40;
export const LATE_GRACE_MS = 30_000;
export const LATE_DELAYS_KEPT = 200;

/** Returns no late answers. */
export function noLateAnswers(): LateAnswers {
  return { watched: 0, answered: 0, delaysMs: [] };
}

/** What the connections from one source address met. */
export interface SourceTally {
  readonly attempts: number;
  /** Connections verified (served at least once). */
  readonly served: number;
  readonly failed: number;
  /** The first failure from this address: its kind and what the target sent or said. */
  readonly evidence?: Evidence & { readonly kind: FailureKind };
}

/** The latencies a fleet measures, as histograms. */
export interface LatencyReadings {
  /** Dial to open (handshakes included). */
  readonly connect: LatencyHistogram;
  /** Open to the first byte received. */
  readonly firstByte: LatencyHistogram;
  /** A --message sent to the --latency-marker in the reply. */
  readonly marker: LatencyHistogram;
  /** A --heartbeat sent on a held connection to its expected reply. */
  readonly heartbeat: LatencyHistogram;
}

/** The latencies a fleet measures, in the order reports list them. */
export const LATENCY_NAMES: readonly (keyof LatencyReadings)[] = ['connect', 'firstByte', 'marker', 'heartbeat'];

/** Returns empty latency readings. */
export function emptyLatency(): LatencyReadings {
  return {
    connect: emptyHistogram(),
    firstByte: emptyHistogram(),
    marker: emptyHistogram(),
    heartbeat: emptyHistogram(),
  };
}

/** Returns a copy of latency readings that later recording does not change. */
export function cloneLatency(latency: LatencyReadings): LatencyReadings {
  const copy = (h: LatencyHistogram): LatencyHistogram => ({ ...h, buckets: { ...h.buckets } });
  return {
    connect: copy(latency.connect),
    firstByte: copy(latency.firstByte),
    marker: copy(latency.marker),
    heartbeat: copy(latency.heartbeat),
  };
}
