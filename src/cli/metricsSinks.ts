import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { ProbeConfig } from '../config/probeConfig.js';
import type { FleetObservation } from '../fleet/fleetReading.js';
import { prometheusText, statsdLines, statsdPackets } from '../report/metricsText.js';
import { UsageError } from '../usageError.js';

/** Where a run's readings go besides the report: StatsD (--statsd) and Prometheus (--metrics-port). */
export interface MetricsSinks {
  /** Takes every fleet reading the run makes (each status interval or ramp round). */
  readonly onObservation: (obs: FleetObservation) => void;
  /** The Prometheus endpoint's address, once listening. */
  readonly metricsUrl: string | null;
  close(): Promise<void>;
}

/** Starts the sinks the config asks for; without any, a sink that does nothing. */
export async function startMetricsSinks(
  config: ProbeConfig,
  onError: (message: string) => void,
): Promise<MetricsSinks> {
  const percentiles = config.latencyPercentiles;
  let latest: FleetObservation | null = null;
  let previous: FleetObservation | null = null;
  const statsd = config.statsd;
  const udp = statsd ? createSocket(statsd.host.includes(':') ? 'udp6' : 'udp4') : null;
  let reported = false;
  let sending = 0;
  let sent: (() => void) | null = null;
  udp?.on('error', (err) => {
    if (!reported) onError(`--statsd: ${err.message}; metrics are not being sent`);
    reported = true;
  });
  let server: Server | null = null;
  let metricsUrl: string | null = null;
  if (config.metricsPort !== undefined) {
    const http = createServer((request, response) => {
      if (request.url !== '/metrics') return void response.writeHead(404).end('see /metrics\n');
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(latest ? prometheusText(latest, percentiles) : '');
    });
    server = http;
    const port = await new Promise<number>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.metricsPort, '127.0.0.1', () => resolve((http.address() as { port: number }).port));
    }).catch((err: Error) => {
      throw new UsageError(
        `--metrics-port ${config.metricsPort} cannot be used (${(err as { code?: string }).code ?? err.message}); choose a free port, or 0 for any`,
      );
    });
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  }
  return {
    metricsUrl,
    onObservation(obs) {
      latest = obs;
      // A --refine pass starts a new fleet, whose totals start again from zero.
      if (previous && obs.requested < previous.requested) previous = null;
      if (udp && statsd && previous) {
        for (const packet of statsdPackets(statsdLines(previous, obs, statsd.namespace, percentiles))) {
          sending++;
          udp.send(packet, statsd.port, statsd.host, () => {
            if (--sending === 0) sent?.();
          });
        }
      }
      previous = obs;
    },
    async close() {
      if (sending > 0) await new Promise<void>((resolve) => (sent = resolve));
      await new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve()));
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
