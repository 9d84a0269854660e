import { describeOption, longName, type OptionSpec } from '../config/optionSpecs.js';

/** Topics of the probe's options, in the order the help shows them; each lists long flag names. */
export const PROBE_GROUPS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['Target and mode', ['--connections', '--sleep', '--duration', '--ramp', '--listen-port']],
  [
    'Ramp',
    [
      '--round',
      '--from',
      '--max-duration',
      '--max-connections',
      '--hold',
      '--error-threshold',
      '--min-concurrency',
      '--find-max',
      '--refine',
      '--no-adapt',
    ],
  ],
  [
    'Verification (what "served" means)',
    ['--send', '--send-file', '--expect', '--expect-timeout', '--http-status', '--settle'],
  ],
  ['Latency objectives (served in time)', ['--heartbeat', '--heartbeat-send', '--heartbeat-expect', '--slo']],
  [
    'Connections',
    [
      '--dial-timeout',
      '--max-inflight',
      '--keepalive',
      '--no-reopen',
      '--connect-rate',
      '--channel-lifetime',
      '--no-lean-sockets',
    ],
  ],
  [
    'Traffic (tcpkali)',
    [
      '--first-message',
      '--first-message-file',
      '--message',
      '--message-file',
      '--message-rate',
      '--channel-bandwidth',
      '--latency-marker',
      '--latency-percentiles',
    ],
  ],
  ['TLS and WebSocket', ['--tls', '--insecure', '--ca', '--sni', '--websocket', '--ws-path']],
  [
    'Output',
    [
      '--interval',
      '--quiet',
      '--json',
      '--markdown',
      '--html',
      '--statsd',
      '--statsd-host',
      '--statsd-port',
      '--statsd-namespace',
      '--metrics-port',
      '--debug',
    ],
  ],
  ['Scale and several hosts', ['--workers', '--engine', '--source-ip', '--segment', '--start-at', '--run-id']],
  ['Safety', ['--assume-yes']],
];

/** The exit codes, as every command's help ends. */
export const EXIT_CODES = `Exit codes:
  0    limit found or not reached, gate met, all connections established (fixed mode)
  1    usage or configuration error: one line names the problem and the fix
  2    below the --min-concurrency gate, nothing served, or not all established (fixed mode)
  3    inconclusive: the prober's own limit, source addresses turned away, or (--no-adapt) a target
       slower than the ramp (rate-limited)
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP); the report covers what was measured`;

/** Returns the lines of a list of options, aligned: `  -c, --connections <n>  what it does`. */
function optionLines(specs: readonly OptionSpec[]): string[] {
  const width = Math.max(...specs.map((s) => s.flags.length));
  return specs.map((s) => `  ${s.flags.padEnd(width)}  ${describeOption(s)}`);
}

/**
 * Returns the options section of a command's help: grouped by topic when groups are given (an
 * option in no group goes under "Other"), then -h and -v.
 */
export function optionsHelp(
  specs: readonly OptionSpec[],
  groups: ReadonlyArray<readonly [string, readonly string[]]> = [],
): string {
  const byName = new Map(specs.map((s) => [longName(s), s]));
  const sections: string[] = [];
  const placed = new Set<string>();
  for (const [title, names] of groups) {
    const inGroup = names.map((n) => byName.get(n)).filter((s): s is OptionSpec => s !== undefined);
    for (const s of inGroup) placed.add(longName(s));
    if (inGroup.length > 0) sections.push(`${title}:\n${optionLines(inGroup).join('\n')}`);
  }
  const rest = specs.filter((s) => !placed.has(longName(s)));
  const general: OptionSpec[] = [
    { flags: '-h, --help', description: 'Show this help' },
    { flags: '-v, --version', description: 'Show the version' },
  ];
  if (rest.length > 0) sections.push(`${groups.length > 0 ? 'Other' : 'Options'}:\n${optionLines(rest).join('\n')}`);
  sections.push(`General:\n${optionLines(general).join('\n')}`);
  return sections.join('\n\n');
}

/** Returns the option a mistyped one most likely meant (edit distance at most 3), or null. */
export function closestOption(typed: string, specs: readonly OptionSpec[]): string | null {
  const name = typed.split('=')[0] as string;
  let best: { name: string; distance: number } | null = null;
  for (const spec of specs) {
    for (const candidate of spec.flags.split(/[ ,]+/).filter((w) => w.startsWith('--'))) {
      const distance = editDistance(name, candidate);
      if (distance <= 3 && (best === null || distance < best.distance)) best = { name: candidate, distance };
    }
  }
  return best?.name ?? null;
}

/** Returns the Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] as number;
}

/** Returns the first argument that names no option of `specs` (as typed), or null. */
export function unknownOption(argv: readonly string[], specs: readonly OptionSpec[]): string | null {
  const known = new Set(
    [...specs, { flags: '-h, --help' }, { flags: '-v, --version' }].flatMap((s) =>
      s.flags
        .split(/[ ,]+/)
        .filter((w) => w.startsWith('-'))
        .flatMap((w) => (w.startsWith('--no-') ? [w, `--${w.slice(5)}`] : [w])),
    ),
  );
  const valued = new Set(
    specs.filter((s) => s.flags.includes('<')).flatMap((s) => s.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'))),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) continue;
    const name = arg.split('=')[0] as string;
    if (!known.has(name)) return name;
    if (valued.has(name) && !arg.includes('=')) i++;
  }
  return null;
}
