import type { LatencyStats, TrafficSummary } from '../probe/trafficSummary.js';
import { formatBytes } from '../units.js';
import { ms } from './format.js';

/** Returns `sent 1.2 MB (120 kB/s), received …`: a run's or an interval's traffic. */
export function formatTraffic(t: TrafficSummary): string {
  return `sent ${formatBytes(t.bytesSent)} (${formatBytes(t.sentPerSec)}/s), received ${formatBytes(t.bytesReceived)} (${formatBytes(t.receivedPerSec)}/s)`;
}

/** Returns `p50 0.41ms, p95 1.2ms, p99 3ms (n 1000, max 5ms)`, or `n/a`. */
export function formatLatency(stats: LatencyStats | null, percentiles: readonly number[]): string {
  if (!stats) return 'n/a';
  const parts = percentiles.map((p) => `p${p} ${ms(stats.percentiles[String(p)] ?? stats.max)}`);
  return `${parts.join(', ')} (n ${stats.count}, max ${ms(stats.max)})`;
}

/**
 * Returns the report lines of a run's traffic: bytes both ways when any moved, and the latency
 * percentiles: connect unless the report states it already (`connect: false`), first byte,
 * marker and heartbeat when measured.
 */
export function trafficLines(
  t: TrafficSummary | undefined,
  options: { connect: boolean } = { connect: true },
): string[] {
  if (!t) return [];
  const lines: string[] = [];
  if (t.bytesSent > 0 || t.bytesReceived > 0) lines.push(`Traffic: ${formatTraffic(t)}`);
  const latencies: [string, LatencyStats | null][] = [
    ['connect', options.connect ? t.connect : null],
    ['first byte', t.firstByte],
    ['marker', t.marker],
    ['heartbeat', t.heartbeat ?? null],
  ];
  const shown = latencies.filter(([name, stats]) => stats !== null || (name === 'connect' && options.connect));
  for (const [i, [name, stats]] of shown.entries()) {
    lines.push(`${i === 0 ? 'Latency percentiles: ' : '  '}${name} ${formatLatency(stats, t.percentiles)}`);
  }
  return lines;
}
