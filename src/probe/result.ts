import type { StopReason, Verdict } from './rampRules.js';
import type { Evidence } from '../fleet/fleetReading.js';
import type { FailureKind } from '../net/errors.js';
import type { Summary } from '../stats/summarize.js';
import type { SourceRejection } from './sourceRejection.js';
import type { TrafficSummary } from './trafficSummary.js';
import type { ObjectiveReading } from './objectiveReadings.js';
import type { SearchStep } from './objectiveSearch.js';
import type { PaceChange } from './pace.js';
import type { LateAnswers, LatencyReadings } from '../fleet/fleetReading.js';
import type { LatencyDistributions } from './latencyDistributions.js';

/** Failures counted by kind. */
export type FailureCounts = Partial<Record<FailureKind, number>>;

/** tcpgoon's status line counts. */
export interface FixedStatus {
  readonly total: number;
  readonly dialing: number;
  readonly established: number;
  readonly closed: number;
  readonly error: number;
  readonly notInitiated: number;
}

/** What a fixed-mode run measured. */
export interface FixedResult {
  readonly mode: 'fixed';
  readonly target: string;
  readonly dialed: string;
  readonly status: FixedStatus;
  readonly totalEstablished: number;
  readonly maxConcurrent: number;
  readonly connect: Summary | null;
  /** The latency distributions of the whole run, mergeable across records (HdrHistogram; absent in older records). */
  readonly distributions?: LatencyDistributions;
  /** The run's latency histograms, which the record encodes into `distributions` (never in a record). */
  readonly latencyWindow?: LatencyReadings;
  readonly timeToError: Summary | null;
  readonly failures: FailureCounts;
  readonly evidence: Partial<Record<FailureKind, Evidence>>;
  readonly interrupted: boolean;
  readonly exitCode: number;
  /** Local addresses the connections were dialed from. */
  readonly sourceAddresses: readonly string[];
  /** How long the run took, from its start (its first reading, just before the first dial) to the last reading. */
  readonly elapsedMs: number;
  /** When all N were established at once for the first time (ms from the first dial); null if never. */
  readonly allEstablishedAtMs: number | null;
  /** Connections closed and replaced at the end of their --channel-lifetime. */
  readonly recycled: number;
  /** Bytes both ways and latency percentiles of the whole run (absent in older records). */
  readonly traffic?: TrafficSummary;
  /** Source addresses the target turned away while it served others (absent in older records; null when none). */
  readonly sourceRejection?: SourceRejection | null;
  /** Connections that never opened: still dialing or handshaking when -T ended (absent in older records). */
  readonly neverOpened?: number;
  /** Connections dropped by the target after they were held (absent in older records). */
  readonly droppedHeld?: number;
  /** The first bytes a served connection received, as latin1 (absent in older records; null when none). */
  readonly servedBytes?: string | null;
  /**
   * When connects or replies timed out: connections served, over how long (first dial to the last
   * one served), and so the target's rate of taking on new ones (absent in older records; null otherwise).
   */
  readonly servedRate?: { readonly perSec: number; readonly served: number; readonly overMs: number } | null;
}

/** The counts every progress line shows: of a finished round, or of the round under way. */
export interface LineCounts {
  /** 1-based round number. */
  readonly round: number;
  readonly target: number;
  readonly held: number;
  /** Verified but not yet settled. */
  readonly settling: number;
  /** Open but not yet verified. */
  readonly unverified: number;
  readonly dialing: number;
}

/** One ramp round, sampled at its end. */
export interface RoundRecord extends LineCounts {
  /** Milliseconds since the start of the run. */
  readonly atMs: number;
  readonly attempts: number;
  readonly failures: FailureCounts;
  readonly failed: boolean;
  readonly connectP50Ms: number | null;
  readonly connectP99Ms: number | null;
  /** Bytes sent and received during the round (absent in older records). */
  readonly bytesSent?: number;
  readonly bytesReceived?: number;
  /** With --heartbeat: the round's heartbeat latency percentiles (absent without). */
  readonly heartbeatP50Ms?: number | null;
  readonly heartbeatP99Ms?: number | null;
  /** With --slo: each objective measured on the round's own samples (absent without). */
  readonly objectives?: readonly ObjectiveReading[];
  /** Connections the target served (verified) during the round, new and reopened (absent in older records). */
  readonly served?: number;
  /**
   * The round failed only by waiting failures (timeouts) while the target went on serving new
   * connections at a steady rate: it was outpaced by the ramp, not full, so it is no limit.
   */
  readonly outpaced?: boolean;
  /** After a slowdown: waiting failures of dials made at the old pace were not held against this round. */
  readonly draining?: boolean;
}

/** What --slo found: where an objective first broke, and the search down to the exact count. */
export interface ObjectivesOutcome {
  /** The objectives as written: `heartbeat p99 < 100ms`. */
  readonly objectives: readonly string[];
  /** The first round that broke an objective, the connections open then, and the reading; null when none broke. */
  readonly broke: {
    readonly round: number;
    readonly held: number;
    readonly established: number;
    readonly reading: ObjectiveReading;
  } | null;
  /** The levels the search measured, in order (empty when nothing broke). */
  readonly search: readonly SearchStep[];
  /** The held count at which the search found every objective met again (the maximum), or null. */
  readonly recoveredAt: number | null;
}

/** The plan and rules of a ramp run, as reports state them. */
export interface RampSettings {
  readonly ratePerSec: number;
  readonly roundMs: number;
  readonly from: number;
  readonly maxDurationMs: number;
  readonly maxConnections: number | null;
  readonly threshold: string;
  readonly settleMs: number;
  readonly maxInflight: number;
  readonly reopen: boolean;
  /** The --expect given (or what a URL target's protocol counts as served), or null when open counts as verified. */
  readonly expect: string | null;
  readonly send: string | null;
  /** A URL target's protocol by name (`PostgreSQL`); absent for host:port. */
  readonly protocol?: string;
  /** --heartbeat's period, or null without (absent in older records). */
  readonly heartbeatMs?: number | null;
  /** False with --no-adapt (absent in older records: true). */
  readonly adapt?: boolean;
}

/** What a ramp run measured and concluded. */
export interface RampResult {
  readonly mode: 'ramp';
  readonly target: string;
  readonly dialed: string;
  readonly settings: RampSettings;
  readonly rounds: readonly RoundRecord[];
  /** Held after the final settle (or at the interrupt). */
  readonly finalHeld: number;
  /** Maximum sustainable concurrency. */
  readonly maximum: number;
  readonly maximumAtMs: number;
  readonly durationMs: number;
  readonly breakingPoint: { readonly round: number; readonly target: number; readonly failures: FailureCounts } | null;
  readonly failures: FailureCounts;
  readonly evidence: Partial<Record<FailureKind, Evidence>>;
  /** Held connections that the target dropped. */
  readonly droppedHeld: number;
  /** Connections dropped while they were the oldest one open (absent in records before 0.2). */
  readonly droppedOldest?: number;
  readonly achievedRatePerSec: number;
  readonly connect: Summary | null;
  /** The latency distributions of the whole run, mergeable across records (HdrHistogram; absent in older records). */
  readonly distributions?: LatencyDistributions;
  /** The run's latency histograms, which the record encodes into `distributions` (never in a record). */
  readonly latencyWindow?: LatencyReadings;
  readonly stopReason: StopReason;
  readonly verdict: Verdict;
  readonly exitCode: number;
  readonly warnings: readonly string[];
  /** The --min-concurrency gate, if any, and whether the run held it. */
  readonly gate: { readonly minConcurrency: number; readonly findMax: boolean; readonly met: boolean } | null;
  /** Local addresses the connections were dialed from. */
  readonly sourceAddresses: readonly string[];
  /** With --refine, the first (fast) pass; this result is the second, slower one. */
  readonly firstPass?: FirstPass;
  /** Bytes both ways and latency percentiles of the whole run (absent in older records). */
  readonly traffic?: TrafficSummary;
  /** Source addresses the target turned away while it served others (absent in older records; null when none). */
  readonly sourceRejection?: SourceRejection | null;
  /** The first bytes a served connection received, as latin1: a greeting every client gets (absent in older records). */
  readonly servedBytes?: string | null;
  /** With --segment: which part of the plan this run was, the round it joined (1-based), and from which round it only held. */
  readonly segment?: SegmentRun;
  /** With --hold: the rounds that held --max-connections after the ramp reached it, and the first that failed. */
  readonly hold?: HoldRun;
  /** With --slo: the objectives, where one broke, and the search for the exact count (absent without). */
  readonly objectives?: ObjectivesOutcome;
  /** With --heartbeat: heartbeats answered with the expected reply in all (absent without, and in older records). */
  readonly heartbeatsAnswered?: number;
  /**
   * The target went away: every held connection dropped at once in the failing round (`refused`:
   * new ones were refused after). The verdict is then inconclusive (absent in older records; null when not).
   */
  readonly targetGone?: { readonly held: number; readonly refused: boolean } | null;
  /** Where the ramp slowed down to the target's pace, in order (absent in older records). */
  readonly paceChanges?: readonly PaceChange[];
  /** The target's rate of new connections served, and whether it kept up with the ramp (absent in older records; null with no round). */
  readonly servedRate?: { readonly perSec: number; readonly keptUp: boolean } | null;
  /** Timed-out connections kept listening for a late answer, and how many got one (absent in older records). */
  readonly lateAnswers?: LateAnswers;
}

/** How a segment of a split plan ran. */
export interface SegmentRun {
  readonly index: number;
  readonly count: number;
  /** The first round it ran (1 unless it started late). */
  readonly joinedAtRound: number;
  /** After its own stop rule: from this round on it only held and reopened what it held (null: never). */
  readonly holdingFromRound: number | null;
}

/** The first pass of a refined run, as its report states it. */
export interface FirstPass {
  readonly ratePerSec: number;
  readonly from: number;
  readonly maximum: number;
  readonly breakingPoint: RampResult['breakingPoint'];
  readonly rounds: readonly RoundRecord[];
  readonly durationMs: number;
}

/** A moment of a ramp run in progress, for live status lines. */
export interface RampProgress extends LineCounts {
  /** Milliseconds since the start of the run. */
  readonly atMs: number;
  /** Failures so far, all kinds. */
  readonly failures: number;
}

/** A --hold after the ramp reached --max-connections. */
export interface HoldRun {
  /** The --hold asked for. */
  readonly ms: number;
  /** The first round of the hold (1-based) and the last one it ran. */
  readonly fromRound: number;
  readonly toRound: number;
  /** The first round of the hold that failed (its failures over the threshold, or an objective broken): the count was not sustained. */
  readonly brokeAtRound: number | null;
}
