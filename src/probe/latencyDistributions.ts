import type { FleetObservation, LatencyReadings } from '../fleet/fleetReading.js';
import { encodeDistribution, type LatencyDistribution } from '../stats/latencyDistribution.js';
import { histogramSince } from '../stats/latencyHistogram.js';

/** The latency distributions of a run, as the record carries them (each absent when never measured). */
export type LatencyDistributions = Partial<Record<keyof LatencyReadings, LatencyDistribution>>;

/** Returns the distributions of the latencies measured between two readings of a run. */
export function latencyDistributions(first: FleetObservation, last: FleetObservation): LatencyDistributions {
  const out: Partial<Record<keyof LatencyReadings, LatencyDistribution>> = {};
  for (const name of Object.keys(last.latency) as (keyof LatencyReadings)[]) {
    const encoded = encodeDistribution(histogramSince(last.latency[name], first.latency[name]));
    if (encoded) out[name] = encoded;
  }
  return out;
}
