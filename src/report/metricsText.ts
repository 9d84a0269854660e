import type { FleetObservation } from '../fleet/fleetReading.js';
import { FAILURE_KINDS } from '../net/errors.js';
import { latencyStats } from '../probe/trafficSummary.js';
import { histogramSince } from '../stats/latencyHistogram.js';

const LATENCIES = [
  ['connect', 'connect'],
  ['firstByte', 'first_byte'],
  ['marker', 'marker'],
] as const;

/**
 * Returns the StatsD lines for one interval, from the fleet readings at its start and end:
 * gauges of connections by state, counters of what happened in the interval (connections,
 * failures by kind, bytes), and the interval's latency percentiles as gauges in ms.
 */
export function statsdLines(
  before: FleetObservation,
  after: FleetObservation,
  namespace: string,
  percentiles: readonly number[],
): string[] {
  const ns = namespace === '' ? '' : `${namespace}.`;
  const live = after.live;
  const lines = [
    `${ns}connections.open:${live.unverified + live.settling + live.held}|g`,
    `${ns}connections.held:${live.held}|g`,
    `${ns}connections.dialing:${live.dialing + live.queued}|g`,
    `${ns}connections.established:${after.established - before.established}|c`,
    `${ns}connections.failed:${after.failed - before.failed}|c`,
    `${ns}connections.dropped:${after.dropped - before.dropped}|c`,
    `${ns}traffic.sent:${after.bytesSent - before.bytesSent}|c`,
    `${ns}traffic.received:${after.bytesReceived - before.bytesReceived}|c`,
  ];
  for (const kind of FAILURE_KINDS) {
    const n = (after.failures[kind] ?? 0) - (before.failures[kind] ?? 0);
    if (n > 0) lines.push(`${ns}failures.${kind}:${n}|c`);
  }
  for (const [key, name] of LATENCIES) {
    const stats = latencyStats(histogramSince(after.latency[key], before.latency[key]), percentiles);
    if (!stats) continue;
    for (const p of percentiles)
      lines.push(`${ns}latency.${name}.p${String(p).replace('.', '_')}:${round(stats.percentiles[String(p)] ?? 0)}|g`);
  }
  return lines;
}

/** Returns StatsD lines packed into UDP payloads of at most `max` bytes (a line is never split). */
export function statsdPackets(lines: readonly string[], max = 1432): string[] {
  const packets: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current !== '' && current.length + 1 + line.length > max) {
      packets.push(current);
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') packets.push(current);
  return packets;
}

/**
 * Returns the Prometheus text exposition (format 0.0.4) of a fleet reading: connections by state,
 * totals as counters, and whole-run latency quantiles as summaries in seconds.
 */
export function prometheusText(obs: FleetObservation, percentiles: readonly number[]): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, samples: readonly [string, number][]): void => {
    out.push(`# HELP goon_probe_${name} ${help}`, `# TYPE goon_probe_${name} ${type}`);
    for (const [labels, value] of samples) out.push(`goon_probe_${name}${labels} ${value}`);
  };
  const live = obs.live;
  metric('connections', 'gauge', 'Connections by state now.', [
    ['{state="dialing"}', live.dialing + live.queued],
    ['{state="unverified"}', live.unverified],
    ['{state="settling"}', live.settling],
    ['{state="held"}', live.held],
  ]);
  metric('connections_established_total', 'counter', 'Connections established.', [['', obs.established]]);
  metric('connections_failed_total', 'counter', 'Connections that failed before they were served.', [['', obs.failed]]);
  metric('connections_dropped_total', 'counter', 'Open connections the target closed or reset.', [['', obs.dropped]]);
  metric(
    'failures_total',
    'counter',
    'Failures by kind.',
    FAILURE_KINDS.filter((k) => (obs.failures[k] ?? 0) > 0).map((k) => [`{kind="${k}"}`, obs.failures[k] ?? 0]),
  );
  metric('bytes_sent_total', 'counter', 'Bytes written to connections.', [['', obs.bytesSent]]);
  metric('bytes_received_total', 'counter', 'Bytes received from connections.', [['', obs.bytesReceived]]);
  for (const [key, name] of LATENCIES) {
    const h = obs.latency[key];
    const stats = latencyStats(h, percentiles);
    const samples: [string, number][] = stats
      ? percentiles.map((p) => [`{quantile="${p / 100}"}`, round((stats.percentiles[String(p)] ?? 0) / 1000)])
      : [];
    metric(`${name}_latency_seconds`, 'summary', `${name.replace('_', ' ')} latency.`, samples);
    out.push(
      `goon_probe_${name}_latency_seconds_sum ${round(h.sum / 1000)}`,
      `goon_probe_${name}_latency_seconds_count ${h.count}`,
    );
  }
  return `${out.join('\n')}\n`;
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
