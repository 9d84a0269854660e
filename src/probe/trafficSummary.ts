import type { FleetObservation } from '../fleet/fleetReading.js';
import {
  histogramMean,
  histogramPercentile,
  histogramSince,
  type LatencyHistogram,
} from '../stats/latencyHistogram.js';

/** One latency's summary from its histogram: exact count, min, mean and max, percentiles within 2%. */
export interface LatencyStats {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly max: number;
  /** Value (ms) by percentile, keyed as given: `{ "50": 0.4, "99.9": 3.1 }`. */
  readonly percentiles: Readonly<Record<string, number>>;
}

/** Traffic and latencies of a run, or of one interval of it. */
export interface TrafficSummary {
  readonly elapsedMs: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Bytes per second over `elapsedMs`. */
  readonly sentPerSec: number;
  readonly receivedPerSec: number;
  readonly percentiles: readonly number[];
  /** Dial to open (TCP, TLS or WebSocket handshake done). */
  readonly connect: LatencyStats | null;
  /** Open to the first byte received. */
  readonly firstByte: LatencyStats | null;
  /** --message sent to --latency-marker received. */
  readonly marker: LatencyStats | null;
  /** --heartbeat sent on a held connection to its reply (absent in older records). */
  readonly heartbeat?: LatencyStats | null;
}

/** Returns the summary of a histogram at the given percentiles, or null when it is empty. */
export function latencyStats(histogram: LatencyHistogram, percentiles: readonly number[]): LatencyStats | null {
  if (histogram.count === 0) return null;
  const values: Record<string, number> = {};
  for (const p of percentiles) values[String(p)] = histogramPercentile(histogram, p) as number;
  return {
    count: histogram.count,
    min: histogram.min,
    mean: histogramMean(histogram) as number,
    max: histogram.max,
    percentiles: values,
  };
}

/**
 * Returns the traffic between two cumulative fleet readings: bytes and bandwidth both ways, and the
 * latencies recorded in between. With the run's first reading, it is the whole run's.
 */
export function summarizeTraffic(
  from: FleetObservation,
  to: FleetObservation,
  percentiles: readonly number[],
): TrafficSummary {
  const elapsedMs = Math.max(0, to.atMs - from.atMs);
  const bytesSent = to.bytesSent - from.bytesSent;
  const bytesReceived = to.bytesReceived - from.bytesReceived;
  const perSec = (bytes: number): number => (elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0);
  const since = (key: 'connect' | 'firstByte' | 'marker' | 'heartbeat'): LatencyStats | null =>
    latencyStats(histogramSince(to.latency[key], from.latency[key]), percentiles);
  return {
    elapsedMs,
    bytesSent,
    bytesReceived,
    sentPerSec: perSec(bytesSent),
    receivedPerSec: perSec(bytesReceived),
    percentiles: [...percentiles],
    connect: since('connect'),
    firstByte: since('firstByte'),
    marker: since('marker'),
    ...(to.latency.heartbeat.count > 0 ? { heartbeat: since('heartbeat') } : {}),
  };
}
