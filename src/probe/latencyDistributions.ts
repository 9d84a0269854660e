import type { FleetObservation, LatencyReadings } from '../fleet/fleetReading.js';
import { encodeDistribution, type LatencyDistribution } from '../stats/latencyDistribution.js';
import { histogramSince } from '../stats/latencyHistogram.js';

/** The latency distributions of a run, as the record carries them (each absent when never measured). */
export type LatencyDistributions = Partial<Record<keyof LatencyReadings, LatencyDistribution>>;

/** Returns the latency histograms of what a run measured between two readings: plain data, not encoded yet. */
export function latencyWindow(first: FleetObservation, last: FleetObservation): LatencyReadings {
  return {
    connect: histogramSince(last.latency.connect, first.latency.connect),
    firstByte: histogramSince(last.latency.firstByte, first.latency.firstByte),
    marker: histogramSince(last.latency.marker, first.latency.marker),
    heartbeat: histogramSince(last.latency.heartbeat, first.latency.heartbeat),
  };
}

/**
 * Returns the encoded distributions of a run's latency histograms. The record does it once the
 * fleet has stopped: the encoder's library then costs no memory while connections are held.
 */
export function latencyDistributions(window: LatencyReadings): LatencyDistributions {
  const out: Partial<Record<keyof LatencyReadings, LatencyDistribution>> = {};
  for (const name of Object.keys(window) as (keyof LatencyReadings)[]) {
    const encoded = encodeDistribution(window[name]);
    if (encoded) out[name] = encoded;
  }
  return out;
}
