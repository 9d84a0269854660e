import {
  emptyLatency,
  LATE_DELAYS_KEPT,
  type Evidence,
  type FleetObservation,
  type LiveCounts,
  type SourceTally,
} from './fleetReading.js';
import { activeCount } from './fleetControl.js';
import { addCounters, zeroCounters } from './runCounters.js';
import { mergeHistograms } from '../stats/latencyHistogram.js';
import type { FailureKind } from '../net/errors.js';

/** A shard process that died: its last reading, and what it held then. */
export interface LostShard {
  /** Why it is gone, for the evidence: `shard 2 (pid 4711) exited with SIGKILL`. */
  readonly reason: string;
  /** Its last reading before it died; its totals stay counted. */
  readonly last: FleetObservation | null;
  /** Connections the parent had asked of it, reopens included (--channel-lifetime replacements not). */
  readonly asked: number;
}

const ZERO_LIVE: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 0 };

/**
 * Returns one reading for a fleet split across shard processes, taken at `atMs`: live counts and
 * totals and latency histograms summed, times to error joined, the first evidence of each kind kept. A lost shard keeps
 * its totals, holds nothing any more, and every connection it was running at its last reading
 * and every one asked of it after that reading, counts as a `shard-lost` failure, so that no
 * connection silently disappears from the counts.
 * `peakEstablished` is the sum of the shards' peaks, which may not have been at the same moment:
 * the ramp's maximum comes from the round samples instead.
 */
export function mergeObservations(
  atMs: number,
  shards: readonly FleetObservation[],
  lost: readonly LostShard[] = [],
): FleetObservation {
  const live: LiveCounts = { ...ZERO_LIVE };
  const failures: Partial<Record<FailureKind, number>> = {};
  const evidence: Partial<Record<FailureKind, Evidence>> = {};
  const totals = zeroCounters();
  let heldDropBurst = 0;
  let peakEstablished = 0;
  const errorMs: number[] = [];
  const sources = new Set<string>();
  const bySource: Record<string, SourceTally> = {};
  let servedBytes: string | null = null;
  const late = { watched: 0, answered: 0, listening: 0, delaysMs: [] as number[] };
  const readings: FleetObservation[] = [];
  const add = (obs: FleetObservation, withLive: boolean): void => {
    readings.push(obs);
    if (withLive) for (const key of Object.keys(live) as (keyof LiveCounts)[]) live[key] += obs.live[key];
    addCounters(totals, obs);
    heldDropBurst += obs.heldDropBurst ?? 0;
    peakEstablished += obs.peakEstablished;
    for (const [kind, n] of Object.entries(obs.failures) as [FailureKind, number][])
      failures[kind] = (failures[kind] ?? 0) + n;
    for (const [kind, e] of Object.entries(obs.evidence) as [FailureKind, Evidence][]) evidence[kind] ??= e;
    for (const ms of obs.errorMs) errorMs.push(ms);
    for (const address of obs.sourceAddresses) sources.add(address);
    for (const [address, t] of Object.entries(obs.bySource)) {
      const sum = bySource[address];
      bySource[address] = sum
        ? {
            attempts: sum.attempts + t.attempts,
            served: sum.served + t.served,
            failed: sum.failed + t.failed,
            ...((sum.evidence ?? t.evidence) ? { evidence: sum.evidence ?? t.evidence } : {}),
          }
        : { ...t };
    }
    servedBytes ??= obs.servedBytes;
    late.watched += obs.late.watched;
    late.answered += obs.late.answered;
    late.listening += obs.late.listening ?? 0;
    for (const ms of obs.late.delaysMs) if (late.delaysMs.length < LATE_DELAYS_KEPT) late.delaysMs.push(ms);
  };
  for (const obs of shards) add(obs, true);
  for (const shard of lost) {
    if (shard.last) add({ ...shard.last, errorMs: [] }, false);
    // Lost: what it was running at its last reading, and what it was asked for after that reading.
    const last = shard.last;
    const running = last ? activeCount(last.live) : 0;
    const reported = last ? last.requested - last.recycled : 0;
    const gone = running + Math.max(0, shard.asked - reported);
    failures['shard-lost'] = (failures['shard-lost'] ?? 0) + gone;
    totals.failed += gone;
    evidence['shard-lost'] ??= { message: shard.reason };
  }
  return {
    atMs,
    live,
    ...totals,
    heldDropBurst,
    peakEstablished,
    failures,
    evidence,
    errorMs,
    sourceAddresses: [...sources],
    bySource,
    servedBytes,
    late,
    latency:
      readings.length === 0
        ? emptyLatency()
        : {
            connect: mergeHistograms(readings.map((r) => r.latency.connect)),
            firstByte: mergeHistograms(readings.map((r) => r.latency.firstByte)),
            marker: mergeHistograms(readings.map((r) => r.latency.marker)),
            heartbeat: mergeHistograms(readings.map((r) => r.latency.heartbeat)),
          },
  };
}
