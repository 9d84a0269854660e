/**
 * The defaults of the probe's flags: the one table the config applies and the help text shows
 * (optionSpecs.ts). Constants only, so that `--help` and `--version` load nothing else.
 */
export const DEFAULTS = {
  connections: 100,
  sleepMs: 10,
  dialTimeoutMs: 5000,
  intervalMs: 1000,
  roundMs: 1000,
  maxDurationMs: 60_000,
  threshold: '1%',
  rampMaxInflight: 64,
  keepaliveMs: 15_000,
  expectTimeoutMs: 2000,
  settleMs: 1000,
} as const;

/** Latency percentiles reported unless --latency-percentiles says otherwise. */
export const DEFAULT_PERCENTILES: readonly number[] = [50, 95, 99];

/** Defaults of the StatsD flags (tcpkali's, with this tool's namespace). */
export const STATSD_DEFAULTS = { host: '127.0.0.1', port: 8125, namespace: 'goon-probe' } as const;
