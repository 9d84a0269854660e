import { LATENCY_NAMES, type FleetObservation, type LatencyReadings } from '../fleet/fleetReading.js';
import { encodeDistribution, type LatencyDistribution } from '../stats/latencyDistribution.js';
import { histogramSince } from '../stats/latencyHistogram.js';

/** The latency distributions of a run, as the record carries them (each absent when never measured). */
export type LatencyDistributions = Partial<Record<keyof LatencyReadings, LatencyDistribution>>;

/** Returns the latency histograms of what a run measured between two readings: plain data, not encoded yet. */
export function latencyWindow(first: FleetObservation, last: FleetObservation): LatencyReadings {
  const window = Object.fromEntries(
    LATENCY_NAMES.map((name) => [name, histogramSince(last.latency[name], first.latency[name])]),
  );
  return window as unknown as LatencyReadings;
}

/**
 * Returns the encoded distributions of a run's latency histograms. The record does it once the
 * fleet has stopped: the encoder's library then costs no memory while connections are held.
 */
export function latencyDistributions(window: LatencyReadings): LatencyDistributions {
  const out: Partial<Record<keyof LatencyReadings, LatencyDistribution>> = {};
  for (const name of LATENCY_NAMES) {
    const encoded = encodeDistribution(window[name]);
    if (encoded) out[name] = encoded;
  }
  return out;
}
