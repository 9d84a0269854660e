import { DEFAULTS, DEFAULT_PERCENTILES, STATSD_DEFAULTS } from './defaults.js';
import { formatDuration } from '../units.js';

/**
 * One option of a command: its flags, what it does, and its default as the help shows it. The
 * tables here are the one list of options: the CLI registers them, the help prints them, and the
 * library (`probe()`, `serve()`) accepts their names. Defaults that the config applies are read
 * from its `DEFAULTS` table, so the help cannot say one thing and the run do another.
 */
export interface OptionSpec {
  /** cac's form: `-c, --connections <n>`, `-y, --assume-yes`, `--no-reopen`. */
  readonly flags: string;
  readonly description: string;
  /** The default, as the help shows it: `(default: …)`. */
  readonly default?: string;
}

/** Returns an option's description with its default: what the help prints. */
export function describeOption(spec: OptionSpec): string {
  return spec.default === undefined ? spec.description : `${spec.description} (default: ${spec.default})`;
}

/** Returns an option's name as the config reads it: `--max-duration` → `maxDuration`, `--no-reopen` → `reopen`. */
/** Returns an option's long name (`--max-duration`), or its only name. */
export function longName(spec: OptionSpec): string {
  const names = spec.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'));
  return names.find((n) => n.startsWith('--')) ?? (names[0] as string);
}

export function optionKey(spec: OptionSpec): string {
  return longName(spec)
    .replace(/^--(no-)?|^-/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Options of the probe (the default command). */
export const PROBE_OPTIONS: readonly OptionSpec[] = [
  {
    flags: '-c, --connections <n>',
    description: 'Fixed mode: connections to open',
    default: String(DEFAULTS.connections),
  },
  {
    flags: '-s, --sleep <time>',
    description: 'Fixed mode: pause between dials; bare numbers are ms',
    default: formatDuration(DEFAULTS.sleepMs),
  },
  {
    flags: '-t, --dial-timeout <time>',
    description: 'Connect timeout; bare numbers are seconds',
    default: formatDuration(DEFAULTS.dialTimeoutMs),
  },
  {
    flags: '-i, --interval <time>',
    description: 'Status line interval without a TTY; bare numbers are seconds',
    default: formatDuration(DEFAULTS.intervalMs),
  },
  {
    flags: '-y, --assume-yes',
    description: 'Do not ask before probing a non-loopback address (or sending StatsD to one)',
  },
  { flags: '-d, --debug', description: 'Print debugging information to stderr' },
  { flags: '--ramp <rate>', description: 'Ramp mode: raise open connections by RATE (100/s, 5k/s, 50/500ms)' },
  { flags: '--round <time>', description: 'Ramp: round length', default: formatDuration(DEFAULTS.roundMs) },
  { flags: '--from <n>', description: 'Ramp: starting concurrency', default: '0' },
  {
    flags: '--max-duration <time>',
    description: 'Ramp: stop after this long',
    default: formatDuration(DEFAULTS.maxDurationMs),
  },
  { flags: '--max-connections <n>', description: 'Ramp: stop once N are held for a round' },
  {
    flags: '--hold <time>',
    description:
      'Ramp: once --max-connections are held, keep holding them this long (reopens, heartbeats and --slo going): a soak; a round that fails in it makes the run inconclusive',
  },
  {
    flags: '--error-threshold <t>',
    description: 'Ramp: a round fails above this many failures, 1% of its attempts or a count',
    default: DEFAULTS.threshold,
  },
  {
    flags: '--max-inflight <n>',
    description: 'Dials in flight at once',
    default: `${DEFAULTS.rampMaxInflight} in ramp mode, unbounded in fixed mode`,
  },
  {
    flags: '--keepalive <time>',
    description: 'TCP keepalive idle time, 0 for off',
    default: formatDuration(DEFAULTS.keepaliveMs),
  },
  { flags: '--no-reopen', description: 'Ramp: do not reopen connections the target closes' },
  {
    flags: '--no-adapt',
    description:
      'Ramp: keep the asked pace when the target serves new connections slower than that (the run then ends rate-limited, exit 3)',
  },
  {
    flags: '--no-lean-sockets',
    description:
      'Use net.Socket for every connection (by default plain TCP connections that send nothing use bare TCP handles)',
  },
  {
    flags: '--send <bytes>',
    description: 'Send these bytes on connect (escapes \\r \\n \\t \\0 \\xNN); same as --first-message',
  },
  { flags: '--send-file <file>', description: 'Send the contents of a file on connect; same as --first-message-file' },
  { flags: '--first-message <bytes>', description: 'tcpkali: send these bytes once on connect' },
  { flags: '--first-message-file <file>', description: "tcpkali: send a file's contents once on connect" },
  {
    flags: '--message <bytes>',
    description: 'Send these bytes repeatedly on every connection (as fast as it takes them, or at --message-rate)',
  },
  { flags: '--message-file <file>', description: "Send a file's contents repeatedly on every connection" },
  { flags: '--message-rate <rate>', description: 'Messages per second per connection (100, 2k, 10/100ms)' },
  {
    flags: '--channel-bandwidth <bw>',
    description: 'Upstream bandwidth per connection (100kbps, 10Mbps, 500kBps, 2MBps)',
  },
  { flags: '--connect-rate <rate>', description: 'Start at most this many dials per second (500, 5k, 100/100ms)' },
  { flags: '--latency-marker <bytes>', description: 'Measure time from each --message to these bytes in the reply' },
  {
    flags: '--latency-percentiles <list>',
    description: 'Latency percentiles to report',
    default: DEFAULT_PERCENTILES.join(','),
  },
  { flags: '--tls', description: 'Speak TLS; a connection is open once its handshake is done' },
  { flags: '--insecure', description: 'TLS: accept any certificate' },
  { flags: '--ca <file>', description: 'TLS: trust the CA certificates in this PEM file' },
  { flags: '--sni <name>', description: 'TLS: server name to send', default: "the target's host name" },
  { flags: '--websocket', description: 'Speak WebSocket (RFC 6455; wss with --tls); open once the upgrade is done' },
  { flags: '--ws-path <path>', description: 'WebSocket: the request path', default: '/' },
  { flags: '--statsd', description: 'Send metrics to StatsD over UDP every --interval' },
  { flags: '--statsd-host <host>', description: 'StatsD host', default: STATSD_DEFAULTS.host },
  { flags: '--statsd-port <port>', description: 'StatsD port', default: String(STATSD_DEFAULTS.port) },
  { flags: '--statsd-namespace <ns>', description: 'StatsD metric prefix', default: STATSD_DEFAULTS.namespace },
  {
    flags: '--metrics-port <port>',
    description: 'Serve Prometheus metrics at http://127.0.0.1:PORT/metrics during the run (0: any free port)',
  },
  {
    flags: '-l, --listen-port <port>',
    description: 'Run the built-in server on 127.0.0.1:PORT (0: any) and probe it unless destinations are given',
  },
  {
    flags: '--expect <bytes>',
    description: 'A connection is served once a reply contains these bytes or matches /regex/',
  },
  {
    flags: '--expect-timeout <time>',
    description: 'How long to wait for --expect',
    default: formatDuration(DEFAULTS.expectTimeoutMs),
  },
  {
    flags: '--http-status <list>',
    description:
      'http:// and https:// targets: the statuses that count as served, like 200-299,304; any other is the server refusing',
    default: 'all but 503',
  },
  {
    flags: '--settle <time>',
    description: 'A verified connection counts as held after this long open; fixed mode waits it out',
    default: formatDuration(DEFAULTS.settleMs),
  },
  {
    flags: '--heartbeat <time>',
    description:
      'Ramp: every held connection sends --send again every TIME and must see --expect within --expect-timeout, or it is stale',
  },
  { flags: '--heartbeat-send <bytes>', description: 'Ramp: what a heartbeat sends', default: 'the --send bytes' },
  {
    flags: '--heartbeat-expect <bytes|/regex/>',
    description: 'Ramp: what a heartbeat reply must contain',
    default: 'the --expect bytes',
  },
  {
    flags: '--slo <objectives>',
    description:
      'Ramp: latency objectives every round must meet, like "heartbeat p99 < 100ms, connect p99 < 50ms"; the maximum is the most held while all are met',
  },
  { flags: '--min-concurrency <n>', description: 'Ramp: CI gate; pass (exit 0) once N are held, exit 2 below N' },
  {
    flags: '--refine',
    description: 'Ramp: after the first failing round, back off and approach the maximum again 5x slower to confirm it',
  },
  { flags: '--find-max', description: 'Ramp: with --min-concurrency, keep ramping to the real maximum' },
  {
    flags: '--segment <i/n>',
    description: 'Ramp: run part I of an N-way split of the plan (0/3, 1/3, 2/3 on three hosts); merge the records',
  },
  {
    flags: '--start-at <time>',
    description: 'Ramp: start round 0 at this wall-clock time (RFC 3339 UTC, or +30s), the same on every host',
  },
  { flags: '--run-id <id>', description: 'Ramp: the id merge groups segments by', default: 'from the plan and start' },
  { flags: '--json <file>', description: 'Write the run record as JSON to FILE, or - for stdout' },
  { flags: '--markdown <file>', description: 'Write a Markdown report to FILE, or - for stdout' },
  { flags: '--html <file>', description: 'Write a self-contained HTML report with charts to FILE, or - for stdout' },
  { flags: '-q, --quiet', description: 'No progress and no report text: only the result line' },
  {
    flags: '--engine <engine>',
    description:
      'auto | native | js: native runs plain TCP in C (--send, a literal --expect, --message and --latency-marker too), and auto picks it wherever it covers the run; js the TypeScript engine, which does everything',
    default: 'auto',
  },
  {
    flags: '--workers <n>',
    description: 'Shard processes holding the connections, or auto: enough for the open-file limit',
    default: '1, this process',
  },
  {
    flags: '--source-ip <list>',
    description:
      'Dial from these addresses (127.0.0.2,127.0.0.3 or 127.0.0.0/28), or auto (127.0.0.x for loopback targets)',
  },
  {
    flags: '--channel-lifetime <time>',
    description: 'Close every connection this long after it opens and open a new one (churn); bare numbers are seconds',
  },
  {
    flags: '-T, --duration <time>',
    description: 'Fixed mode: keep the connections open this long; ramp mode: same as --max-duration',
  },
];

/** Options of `goon-probe k8s` itself; every other flag is the probe's, for every pod. */
export const K8S_OPTIONS: readonly OptionSpec[] = [
  { flags: '--segments <n>', description: 'Pods (hosts) that share the plan, one segment each (required)' },
  { flags: '--image <image>', description: 'The container image that runs goon-probe', default: 'goon-probe:VERSION' },
  { flags: '--name <name>', description: 'The Job name, a Kubernetes name', default: 'goon-probe' },
  { flags: '--start-in <time>', description: 'Round 1 starts this long after printing', default: '60s' },
];

/** Options of `goon-probe serve`. */
export const SERVE_OPTIONS: readonly OptionSpec[] = [
  {
    flags: '--host <address>',
    description: 'Address to listen on; any other asks first, or -y',
    default: '127.0.0.1',
  },
  { flags: '-y, --assume-yes', description: 'Do not ask before listening on a non-loopback address' },
  { flags: '--port <port>', description: 'Port to listen on, 0 for any free port', default: '0' },
  { flags: '--max-connections <n>', description: 'Connections served at once; past it --over-limit applies' },
  {
    flags: '--over-limit <behaviour>',
    description: 'close | error-close | reset | queue | evict-oldest | refuse',
    default: 'close',
  },
  {
    flags: '--banner <bytes>',
    description: 'Greeting for every connection; with error-close and no --error-line, the error line',
  },
  {
    flags: '--error-line <bytes>',
    description: 'With error-close: the line past the limit, after the --banner greeting',
    default: '-ERR max number of clients reached',
  },
  { flags: '--reply <echo|bytes>', description: 'Echo every chunk, or answer it with these bytes' },
  {
    flags: '--slow-after <n>',
    description: 'While serving more than N connections, every reply waits --delay: a target for --slo',
  },
  { flags: '--delay <time>', description: 'With --slow-after: how long each reply waits past N connections' },
  {
    flags: '--accept-rate <rate>',
    description:
      'Take on at most RATE new connections a second (50/s), first come first served; the rest wait unanswered, as behind a fork-per-connection server',
  },
  { flags: '--backlog <n>', description: 'Listen backlog', default: '511' },
  { flags: '--duration <time>', description: 'Stop after this long', default: 'until Ctrl-C' },
  {
    flags: '--workers <n>',
    description: 'Unlimited hold target in N processes (each holds up to its open-file limit)',
    default: '1',
  },
  {
    flags: '--listeners <n>',
    description: 'Listen on N ports (consecutive from --port, or any free ones)',
    default: '1',
  },
  {
    flags: '--tls',
    description: 'Speak TLS, with --cert/--key or a built-in self-signed test certificate for localhost and 127.0.0.1',
  },
  { flags: '--cert <file>', description: 'TLS: certificate chain in PEM' },
  { flags: '--key <file>', description: 'TLS: private key in PEM' },
  { flags: '--websocket', description: 'Speak WebSocket (RFC 6455): banner and replies as binary messages' },
];

/** Options of `goon-probe demo`. */
export const DEMO_OPTIONS: readonly OptionSpec[] = [
  { flags: '--limit <n>', description: "The embedded target's connection limit", default: '1000' },
  { flags: '--ramp <rate>', description: 'Ramp rate', default: '500/s' },
];

/** Options of `goon-probe report`. */
export const REPORT_OPTIONS: readonly OptionSpec[] = [
  { flags: '--format <format>', description: 'text | markdown | html | json', default: 'text' },
  { flags: '--compare', description: 'Set two records side by side: report before.json after.json --compare' },
];

/** The flags of `goon-probe merge`. */
export const MERGE_OPTIONS: readonly OptionSpec[] = [
  { flags: '--format <format>', description: 'text | markdown | html | json', default: 'text' },
  { flags: '--json <file>', description: 'Also write the merged run record (JSON) to FILE, or - for stdout' },
  { flags: '--markdown <file>', description: 'Also write the merged Markdown report to FILE, or - for stdout' },
  { flags: '--html <file>', description: 'Also write the merged HTML report to FILE, or - for stdout' },
  { flags: '--min-concurrency <n>', description: 'Gate: exit 2 unless the global maximum is at least N' },
];
