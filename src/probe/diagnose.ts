import { objectiveParts } from '../config/objectives.js';
import type { Evidence } from '../fleet/fleetReading.js';
import { protocolOfScheme } from '../protocols/protocols.js';
import { schemeOf } from '../protocols/urlTarget.js';
import { FAILURE_KINDS, isProberKind, type FailureKind } from '../net/errors.js';
import type { FailureCounts, FixedResult, RampResult, RoundRecord } from './result.js';
import type { SourceRejection } from './sourceRejection.js';

/** What stopped the run, on which side, and the knobs to look at. */
export interface Diagnosis {
  /** Whose limit it is: the target's, the prober's, or nobody's yet. */
  readonly side: 'target' | 'prober' | 'none';
  /** One sentence naming the cause, quoting the evidence. */
  readonly cause: string;
  /** Settings to look at, on the side named. */
  readonly lookAt: readonly string[];
}

/** The observations a diagnosis is made from (plain numbers, no sockets). */
export interface DiagnosisInput {
  /** The most connections held (or established, in fixed mode) at once. */
  readonly maximum: number;
  readonly failures: FailureCounts;
  /** Failures of the first failing round, when there was one. */
  readonly breaking: FailureCounts | null;
  readonly evidence: Partial<Record<FailureKind, Evidence>>;
  /** Held connections the target dropped, and drops of the oldest open connection. */
  readonly droppedHeld: number;
  readonly droppedOldest: number;
  readonly interrupted: boolean;
  /** The --expect of the run, or null (absent: none). */
  readonly expect?: string | null;
  /** Source addresses turned away while others were served (absent: none). */
  readonly sourceRejection?: SourceRejection | null;
  /** What a served connection received first (a greeting every client gets), latin1; absent: none seen. */
  readonly servedBytes?: string | null;
  /**
   * The target went away: every held connection dropped at once after a plateau. `refused` when
   * new dials were refused after that (nothing listens any more). Absent: it did not.
   */
  readonly gone?: { readonly held: number; readonly refused: boolean } | null;
  /**
   * The target took on new connections slower than the ramp asked: its rate, the ramp's, whether
   * the ramp slowed down to it, whether the run stopped on it (--no-adapt), and the late answers in
   * words. Absent: it kept up.
   */
  readonly pace?: {
    readonly servedPerSec: number;
    readonly askedPerSec: number;
    readonly slowedTo: number | null;
    readonly stopped: boolean;
    readonly late: string | null;
  } | null;
  /** With --heartbeat: heartbeats answered in all (absent: no heartbeat). */
  readonly heartbeatsAnswered?: number;
  /** A URL target's protocol: its name and the server setting that limits connections (absent: host:port). */
  readonly protocol?: { readonly name: string; readonly limitSetting: string } | null;
  /** With --slo: the objective that broke first, with how many were open then, and where every objective held again. */
  readonly objective?: {
    readonly text: string;
    readonly valueMs: number;
    readonly established: number;
    readonly round: number;
  } | null;
}

const APP_LIMIT =
  "the server's client limit (Redis maxclients, HAProxy maxconn, nginx worker_connections, PostgreSQL max_connections)";

/** Returns the protocol of a target named by URL (`postgres://…`), for the diagnosis; null for host:port. */
function protocolOfTarget(target: string): DiagnosisInput['protocol'] {
  const scheme = schemeOf(target);
  const found = scheme === null ? undefined : protocolOfScheme(scheme);
  return found ? { name: found.protocol.name, limitSetting: found.protocol.limitSetting } : null;
}
const SERVER_FDS = "the server process's own open-file limit (ulimit -n, LimitNOFILE in its systemd unit)";

/** Returns the diagnosis of a ramp or fixed-mode result. */
export function diagnoseResult(r: RampResult | FixedResult): Diagnosis {
  const shared = {
    sourceRejection: r.sourceRejection ?? null,
    servedBytes: r.servedBytes ?? null,
    evidence: r.evidence,
    failures: r.failures,
    protocol: protocolOfTarget(r.target),
  };
  if (r.mode === 'fixed') {
    const droppedHeld = r.droppedHeld ?? 0;
    // Every connection held, then all closed, none left: the target went away, it did not turn them away.
    const gone =
      r.maxConcurrent > 1 && droppedHeld >= 0.9 * r.maxConcurrent && r.status.established === 0
        ? { held: r.maxConcurrent, refused: false }
        : null;
    return diagnose({
      ...shared,
      // What the target held: those still established at the end. The peak also counts connections
      // that were open for a moment before the target closed them, so it would overstate the limit.
      maximum: gone ? r.maxConcurrent : r.status.established,
      breaking: null,
      droppedHeld,
      droppedOldest: 0,
      interrupted: r.interrupted,
      gone,
    });
  }
  return diagnose({
    ...shared,
    maximum: r.maximum,
    breaking: r.breakingPoint?.failures ?? null,
    droppedHeld: r.droppedHeld,
    droppedOldest: r.droppedOldest ?? 0,
    interrupted: r.stopReason === 'interrupted',
    expect: r.settings.expect,
    // A record from before the run judged it itself: read from its rounds.
    gone: r.targetGone === undefined ? targetGone(r.rounds) : r.targetGone,
    objective: brokeObjective(r),
    pace: paceOf(r),
    ...(r.heartbeatsAnswered === undefined ? {} : { heartbeatsAnswered: r.heartbeatsAnswered }),
  });
}

/** Returns how the target's pace shaped a ramp, or null when it kept up. */
function paceOf(r: RampResult): DiagnosisInput['pace'] {
  const rate = r.servedRate;
  if (!rate || rate.keptUp) return null;
  const late = r.lateAnswers;
  return {
    servedPerSec: rate.perSec,
    askedPerSec: r.settings.ratePerSec,
    slowedTo: r.paceChanges?.at(-1)?.toPerSec ?? null,
    stopped: r.stopReason === 'outpaced',
    late:
      late && late.answered > 0 ? `${late.answered} of ${late.watched} timed-out connections were answered late` : null,
  };
}

/** Returns the objective a ramp broke (its reading, and how many were open), or null. */
function brokeObjective(r: RampResult): DiagnosisInput['objective'] {
  const broke = r.objectives?.broke;
  if (!broke || broke.reading.valueMs === null) return null;
  return {
    text: broke.reading.objective,
    valueMs: broke.reading.valueMs,
    established: broke.established,
    round: broke.round,
  };
}

/** What the prober saw from the first failing round's start to the final settle's sample. */
export interface AfterStop {
  /** Held, settling and unverified at the final settle's sample. */
  readonly left: number;
  /** Held connections (past --settle) that closed or were reset over that time. */
  readonly heldDropped: number;
  /**
   * The longest run of held connections dropped with none opening in between, over the rounds from
   * the first failing one: while the prober still dials. After the last round nothing opens, so any
   * closes then (a target closing late what it took on past its limit) would make a run.
   */
  readonly heldDropBurst?: number;
}

/**
 * Returns how many the target held before it went away, when the first failing round lost (nearly)
 * every connection held in the round before it, all closed or reset at once; otherwise null. A
 * limit turns away new connections and keeps the old ones; eviction drops old ones one for each
 * new one it admits, and never refuses.
 *
 * A target that goes away in the round's last moments has its closes read after the round ends,
 * and one that restarts at once takes reopened connections again within the round: `after`, to
 * the final settle's sample, shows nearly every held connection dropped, with nothing left open,
 * or with new connections refused in between (the port was closed for a moment), or in one run
 * with no connection opening in between (however fast it came back), as long as all that the
 * breaking round held. Eviction drops one old
 * connection for each new one it admits.
 */
export function targetGone(
  rounds: readonly RoundRecord[],
  after?: AfterStop,
): { held: number; refused: boolean } | null {
  const b = rounds.findIndex((r) => r.failed);
  const before = rounds[b - 1];
  const breaking = rounds[b];
  if (!before || !breaking || before.held < 2) return null;
  const most = 0.9 * before.held;
  const few = 0.1 * before.held;
  const refused = (breaking.failures.refused ?? 0) > 0;
  const dropped = (breaking.failures.closed ?? 0) + (breaking.failures.reset ?? 0);
  const left = breaking.held + breaking.settling + breaking.unverified;
  // A restart drops every held connection at once, so its run of held drops is as long as what
  // the breaking round held too: a round before that held almost nothing (a ramp starved of CPU)
  // makes no run of a few evictions a restart. Held, not held and settling: the run counts held
  // drops only.
  const burstNeeded = 0.9 * Math.max(before.held, breaking.held);
  const gone =
    (dropped >= most && left <= few) ||
    (after !== undefined &&
      after.heldDropped >= most &&
      (after.left <= few || refused || (after.heldDropBurst ?? 0) >= burstNeeded));
  return gone ? { held: before.held, refused } : null;
}

/** Returns the diagnosis of a run whose failures came from a target slower than the ramp, not from a limit. */
function paceDiagnosis(pace: NonNullable<DiagnosisInput['pace']>, n: number): Diagnosis {
  const late = pace.late ? ` (${pace.late})` : '';
  const rate = `the target takes on about ${pace.servedPerSec}/s new connections, slower than the ramp's ${pace.askedPerSec}/s: the timeouts were connections waiting their turn${late}, not a limit`;
  const costs =
    'what each new connection costs the server: a process or fork per connection (sshd, PostgreSQL), TLS handshakes, authentication';
  if (pace.stopped)
    return {
      side: 'target',
      cause: `${rate}; ${n} were held and the concurrency limit was not reached`,
      lookAt: [`rerun with --ramp ${Math.max(1, Math.floor(pace.servedPerSec * 0.8))}/s, or without --no-adapt`, costs],
    };
  return {
    side: 'none',
    cause: `${rate}; the ramp slowed to ${pace.slowedTo ?? pace.servedPerSec}/s and held ${n} without reaching a limit before the run ended`,
    lookAt: ['a longer --max-duration, to go on at that pace', costs],
  };
}

/** What every rule reads: the input, and the facts derived from it once. */
export interface RuleContext {
  readonly input: DiagnosisInput;
  /** The maximum held. */
  readonly n: number;
  /** The limit to look at first: the protocol's own setting when the target is a URL. */
  readonly appLimit: string;
  /** `past N connections`, as causes start. */
  readonly past: string;
}

/** A rule of the diagnosis: it names the cause when its case applies, or passes (null). */
export interface DiagnosisRule {
  readonly name: string;
  readonly rule: (c: RuleContext) => Diagnosis | null;
}

/**
 * The diagnosis, as rules in the order they are asked: the prober's own limits first (they make
 * the result inconclusive), then what the run saw as a whole (sources turned away, nothing served,
 * the target gone, an objective broken, a slow target, eviction), then the dominant failure kind
 * (KIND_RULES), and last, no failure at all. The first rule that names a cause is the diagnosis.
 */
export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  {
    name: 'prober-limit',
    rule: ({ input, n }) => {
      const prober = FAILURE_KINDS.find((k) => isProberKind(k) && (input.failures[k] ?? 0) > 0);
      return prober ? proberDiagnosis(prober, n, input.evidence[prober]?.message) : null;
    },
  },
  {
    name: 'sources-turned-away',
    rule: ({ input }) =>
      input.sourceRejection ? sourceDiagnosis(input.sourceRejection, input.servedBytes ?? null) : null,
  },
  {
    name: 'no-heartbeat-answered',
    rule: ({ input, n }) => {
      if (n !== 0 || input.heartbeatsAnswered !== 0 || input.interrupted) return null;
      const stale = input.evidence.stale;
      return {
        side: 'target',
        cause: `nothing was served: no heartbeat was ever answered with its expected reply${stale?.bytes ? `; the target sent ${escapeBytes(stale.bytes, 120)}` : ''}${stale?.message ? ` (${stale.message})` : ''}`,
        lookAt: [
          '--heartbeat-send and --heartbeat-expect (or --send and --expect): is the heartbeat a request this server answers, and the reply what it sends?',
          'is it the server you meant?',
        ],
      };
    },
  },
  {
    name: 'never-served',
    rule: ({ input, n }) => (n === 0 && input.expect && !input.interrupted ? notServedDiagnosis(input) : null),
  },
  {
    name: 'target-gone',
    rule: ({ input }) =>
      input.gone
        ? {
            side: 'target',
            cause: `the target held ${input.gone.held}, then every connection was ${input.gone.refused ? 'closed at once and new ones were refused: the target went away (it stopped, crashed or was killed)' : 'closed or reset at once: the target restarted, crashed, or something between reset them all'}; ${input.gone.held} is what it held before that, not a limit it enforces`,
            lookAt: [
              "the target's logs and its process manager (did it exit, get OOM-killed, restart?)",
              'run again with the target up to measure its real limit',
            ],
          }
        : null,
  },
  {
    name: 'objective-broken',
    rule: ({ input, n }) => (input.objective ? objectiveDiagnosis(input.objective, n) : null),
  },
  {
    // Timeouts of connections waiting their turn at a slow target are no limit: say so, whatever their kind.
    name: 'slow-target',
    rule: ({ input, n }) =>
      input.pace && (input.pace.stopped || input.breaking === null) ? paceDiagnosis(input.pace, n) : null,
  },
  {
    // Eviction drops the oldest connections (held, or at a fast ramp still settling) while newer ones
    // stay; a server that closes past its limit drops the newest and keeps the old ones.
    name: 'eviction',
    rule: ({ input, n, appLimit }) => {
      const closes = (input.failures.closed ?? 0) + (input.failures.reset ?? 0);
      const evicted = Math.max(input.droppedHeld, input.droppedOldest);
      if (evicted === 0 || evicted * 2 < closes) return null;
      return {
        side: 'target',
        cause: `older connections were dropped while newer ones succeeded (${evicted} of ${closes} drops were the oldest or held ones): the target evicts old connections to admit new ones, so it never holds more than ${n}`,
        lookAt: [
          'idle and client timeouts of the server',
          'a limit that closes the oldest connection (proxy LRU, client eviction)',
          appLimit,
        ],
      };
    },
  },
  {
    name: 'dominant-kind',
    rule: (c) => {
      const kind = limitKind(c.input);
      return kind ? KIND_RULES[kind](c) : null;
    },
  },
  {
    name: 'no-failure',
    rule: ({ input, n }) =>
      input.interrupted
        ? {
            side: 'none',
            cause: `interrupted before any failure, with ${n} held`,
            lookAt: ['run again to the end to find the limit'],
          }
        : {
            side: 'none',
            cause: `no limit found: the target held ${n} without failures until the run ended`,
            lookAt: ['--max-duration, --max-connections or a faster --ramp, to push further'],
          },
  },
];

/**
 * Returns the failure kind that names the limit: the dominant kind of the breaking round (or of
 * the run). A target that stops listening at its limit resets what waited in its accept queue and
 * refuses what comes after; the more a busy target left waiting, the more resets. A target still
 * listening never refuses (a full backlog drops SYNs: timeouts), and one that went away was told
 * apart before: so resets with any refusal in the run are a listener that closed at its limit.
 */
export function limitKind(input: DiagnosisInput): FailureKind | null {
  const kind = dominant(input.breaking ?? input.failures);
  return kind === 'reset' && (input.failures.refused ?? 0) > 0 ? 'refused' : kind;
}

/** The cause each failure kind names when it dominates; `said` is the target's own words, quoted. */
export const KIND_RULES: Readonly<Record<FailureKind, (c: RuleContext) => Diagnosis>> = {
  refused: ({ n, past, appLimit }) =>
    n === 0
      ? {
          side: 'target',
          cause: 'connection refused from the first dial: nothing listens on that address and port',
          lookAt: ['is the server running, and bound to this address and port?', 'firewall rules that reject'],
        }
      : {
          side: 'target',
          cause: `${past} the target refuses new ones: it stops listening at its limit, or its listen backlog is full on a system that refuses (tcp_abort_on_overflow)`,
          lookAt: [appLimit, 'the listen backlog and net.core.somaxconn', 'net.ipv4.tcp_abort_on_overflow'],
        },
  timeout: ({ n, appLimit }) =>
    n === 0
      ? {
          side: 'target',
          cause: 'no answer to any SYN: the target is down, filtered, or unreachable',
          lookAt: ['is the server up?', 'firewalls that drop silently'],
        }
      : {
          side: 'target',
          cause: `connect timeouts after a plateau at ${n}: the target's accept queue is full and the kernel drops new SYNs`,
          lookAt: [
            "the listen backlog (the server's listen() argument) and net.core.somaxconn",
            'net.ipv4.tcp_max_syn_backlog and SYN cookies (net.ipv4.tcp_syncookies)',
            `why the application stopped accepting: ${appLimit}`,
          ],
        },
  denied: ({ input, n, past, appLimit }) => {
    const words = input.evidence.denied?.message ?? 'no words';
    const who = input.protocol?.name ?? 'the server';
    return n === 0
      ? {
          side: 'target',
          cause: `from the first connection ${who} refuses, saying ${JSON.stringify(words)}: it served no connection from this prober`,
          lookAt: [
            "the server's access rules and the credentials given (the URL's user and password, or PGUSER/PGPASSWORD, REDISCLI_AUTH)",
            appLimit,
          ],
        }
      : {
          side: 'target',
          cause: `${past} ${who} refuses new ones, saying ${JSON.stringify(words)}: its connection limit`,
          lookAt: [appLimit, SERVER_FDS],
        };
  },
  closed: (c) => closedOrMismatch(c, 'closed'),
  'verify-mismatch': (c) => closedOrMismatch(c, 'verify-mismatch'),
  reset: ({ input, past, appLimit }) => {
    const said = saidFor(input, 'reset');
    return {
      side: 'target',
      cause: `${past} the target accepts, then resets (RST)${said ? ` after saying ${said}` : ''}: a limit enforced by aborting connections`,
      lookAt: [
        ...(input.protocol ? [appLimit] : []),
        SERVER_FDS,
        'a connection limit closed with SO_LINGER 0',
        'a proxy or middlebox limit, such as a full conntrack table (nf_conntrack_max)',
      ],
    };
  },
  stale: ({ past }) => ({
    side: 'target',
    cause: `${past} held connections stop answering their heartbeat within --expect-timeout: the target keeps connections open that it no longer serves`,
    lookAt: [
      "the server's worker or event-loop capacity (threads, worker processes, one event loop starved by its own connections)",
      'what each request waits on behind the server (a database or backend pool, a proxy upstream queue)',
      'CPU and run queue on the target host at this many connections',
    ],
  }),
  'verify-timeout': ({ input, past, appLimit }) => {
    const said = saidFor(input, 'verify-timeout');
    return said
      ? {
          side: 'target',
          cause: `${past} the target answers, but not with --expect: it said ${said}`,
          lookAt: ['--expect and --send: is the request right for this server?', appLimit],
        }
      : {
          side: 'target',
          cause: `${past} new ones open but are never served: the application stopped accepting, and they wait in the kernel's accept queue`,
          lookAt: [
            `the application's connection limit (${appLimit}; lighttpd server.max-connections)`,
            'its listen backlog, which holds the unserved connections',
          ],
        };
  },
  handshake: ({ input, n, past, appLimit }) => ({
    side: 'target',
    cause: `${n === 0 ? 'from the first dial' : past} the TLS or WebSocket handshake fails${input.evidence.handshake?.message ? `: ${input.evidence.handshake.message}` : ''}`,
    lookAt:
      n === 0
        ? ['--tls/--insecure/--ca/--sni and --websocket: do they match the server?']
        : [appLimit, 'a TLS or WebSocket layer (proxy, worker pool) with its own connection limit'],
  }),
  unreachable: () => ({
    side: 'target',
    cause: 'the network reports the target unreachable (EHOSTUNREACH/ENETUNREACH)',
    lookAt: ['routes and firewalls between the prober and the target'],
  }),
  dns: () => ({ side: 'target', cause: 'the name did not resolve', lookAt: ['the name, or give an IP address'] }),
  // The prober's kinds are caught by the first rule; these are for completeness of the table.
  'addr-unavailable': ({ input, n }) =>
    proberDiagnosis('addr-unavailable', n, input.evidence['addr-unavailable']?.message),
  'fd-limit': ({ input, n }) => proberDiagnosis('fd-limit', n, input.evidence['fd-limit']?.message),
  'no-buffers': ({ input, n }) => proberDiagnosis('no-buffers', n, input.evidence['no-buffers']?.message),
  'shard-lost': ({ input, n }) => proberDiagnosis('shard-lost', n, input.evidence['shard-lost']?.message),
  other: ({ input, past }) => ({
    side: 'target',
    cause: `${past} unclassified errors${input.evidence.other?.message ? `: ${input.evidence.other.message}` : ''}`,
    lookAt: ['the error text in the evidence; rerun with -d'],
  }),
};

/** The target's own words for a kind, quoted, when they differ from what served connections get. */
function saidFor(input: DiagnosisInput, kind: FailureKind): string | null {
  return quoted(input.evidence[kind]?.bytes, input.servedBytes ?? null);
}

function closedOrMismatch({ input, past, appLimit }: RuleContext, kind: 'closed' | 'verify-mismatch'): Diagnosis {
  const said = saidFor(input, kind);
  if (said)
    return {
      side: 'target',
      cause: `${past} the target accepts, then closes, saying ${said}: an application connection limit`,
      lookAt: [appLimit, SERVER_FDS],
    };
  if (kind === 'closed')
    return {
      side: 'target',
      cause: `${past} the target accepts, then closes without a word: an application connection limit, or the server out of file descriptors`,
      lookAt: [appLimit, SERVER_FDS],
    };
  return input.protocol
    ? {
        side: 'target',
        cause: `${past} replies are not ${input.protocol.name}${input.evidence['verify-mismatch']?.message ? `: ${input.evidence['verify-mismatch']?.message}` : ''}`,
        lookAt: [`is every port a ${input.protocol.name} server?`, appLimit],
      }
    : {
        side: 'target',
        cause: `${past} replies do not match --expect`,
        lookAt: ['--expect: is it what a served connection receives?'],
      };
}

/** Returns the diagnosis and the name of the rule that made it. */
export function diagnoseWithRule(input: DiagnosisInput): { rule: string; diagnosis: Diagnosis } {
  const context: RuleContext = {
    input,
    n: input.maximum,
    appLimit: input.protocol?.limitSetting ?? APP_LIMIT,
    past: `past ${input.maximum} connections`,
  };
  for (const { name, rule } of DIAGNOSIS_RULES) {
    const diagnosis = rule(context);
    if (diagnosis) return { rule: name, diagnosis };
  }
  throw new Error('the no-failure rule always answers');
}

/** Returns the cause of a run's limit from its failure kinds and evidence (DIAGNOSIS_RULES, in order). */
export function diagnose(input: DiagnosisInput): Diagnosis {
  return diagnoseWithRule(input).diagnosis;
}

function proberDiagnosis(kind: FailureKind, n: number, evidence?: string): Diagnosis {
  switch (kind) {
    case 'shard-lost':
      return {
        side: 'prober',
        cause: `a prober shard process died with ${n} held${evidence ? ` (${evidence})` : ''}: the prober failed, not the target`,
        lookAt: [
          'the kernel log for the OOM killer (dmesg)',
          'memory on the prober',
          'fewer connections per shard: more --workers',
        ],
      };
    case 'fd-limit':
      return {
        side: 'prober',
        cause: `the prober ran out of file descriptors (EMFILE/ENFILE) with ${n} held: this machine's limit, not the target's`,
        lookAt: [
          'ulimit -n on the prober: raise the hard limit (limits.conf, LimitNOFILE); goon-probe raises the soft limit to it',
          'fs.file-max and fs.nr_open',
          'goon-probe doctor',
        ],
      };
    case 'addr-unavailable':
      return {
        side: 'prober',
        cause: `the prober ran out of ephemeral ports (EADDRNOTAVAIL) with ${n} held: this machine's limit, not the target's`,
        lookAt: [
          'sysctl -w net.ipv4.ip_local_port_range="1024 65535"',
          'sysctl -w net.ipv4.tcp_tw_reuse=1',
          'more source addresses or destination ports',
          'goon-probe doctor',
        ],
      };
    default:
      return {
        side: 'prober',
        cause: `the prober's kernel ran out of socket buffers (ENOBUFS) with ${n} held: this machine's limit, not the target's`,
        lookAt: ['net.ipv4.tcp_mem and memory on the prober', 'goon-probe doctor'],
      };
  }
}

/** Returns the diagnosis of a run in which some source addresses were turned away while others were served. */
function sourceDiagnosis(rejection: SourceRejection, servedBytes: string | null): Diagnosis {
  const said =
    quoted(rejection.evidence?.bytes, servedBytes) ??
    (rejection.evidence?.message ? JSON.stringify(rejection.evidence.message) : null);
  return {
    side: 'prober',
    cause: `connections from ${listAddresses(rejection.rejected)} all failed, none served, while those from ${listAddresses(rejection.accepted)} were served${said ? `; the target said ${said}` : rejection.evidence ? ` (${rejection.evidence.kind})` : ''}: it treats source addresses differently, so these failures are the prober's setup (--source-ip), not the target's capacity`,
    lookAt: [
      '--source-ip: drop it, or give only addresses the target accepts',
      "the target's rules by client address (Redis protected-mode and bind, pg_hba.conf, an allow list, a firewall)",
    ],
  };
}

/** Returns the diagnosis of a ramp that served nothing with --expect: what came back next to what was expected; null when no verification failed. */
function notServedDiagnosis(input: DiagnosisInput): Diagnosis | null {
  const kind = (['verify-mismatch', 'verify-timeout', 'closed'] as const).find((k) => (input.failures[k] ?? 0) > 0);
  if (!kind) return null;
  const bytes = (['verify-mismatch', 'verify-timeout', 'closed'] as const)
    .map((k) => input.evidence[k]?.bytes)
    .find((b) => b !== undefined && b.length > 0);
  const expected = JSON.stringify(input.expect);
  const protocol = input.protocol;
  if (protocol) {
    const why = input.evidence['verify-mismatch']?.message;
    return {
      side: 'target',
      cause:
        bytes === undefined
          ? `nothing was served: no connection received a single byte of ${protocol.name}; the target stayed silent`
          : `nothing was served: the target does not answer as ${protocol.name}${why ? ` (${why})` : ''}; it sent ${escapeBytes(bytes, 120)}`,
      lookAt: [
        `is it a ${protocol.name} server on that port, and does the URL's scheme match (TLS or not)?`,
        'is it the server you meant? a silent server may have stopped accepting (its accept queue holds the connections)',
      ],
    };
  }
  return bytes === undefined
    ? {
        side: 'target',
        cause: `nothing was served: no connection received a single byte (--expect ${expected} waited in vain); the target stayed silent`,
        lookAt: [
          '--send: does this server wait for a request before it answers?',
          'is it the server you meant? a silent server may have stopped accepting (its accept queue holds the connections)',
        ],
      }
    : {
        side: 'target',
        cause: `nothing was served: every reply missed --expect ${expected}; the target sent ${escapeBytes(bytes, 120)}`,
        lookAt: ['--expect: is it what a served connection receives?', '--send: is the request right for this server?'],
      };
}

/** Returns up to three addresses and a count of the rest. */
function listAddresses(addresses: readonly string[]): string {
  const shown = addresses.slice(0, 3).join(', ');
  return addresses.length <= 3 ? shown : `${shown} and ${addresses.length - 3} more`;
}

/** Returns latin1 bytes quoted, printable ASCII as is and every other byte escaped (\r \n \t \xNN), cut to `max` bytes. */
export function escapeBytes(bytes: string, max: number): string {
  const cut = bytes.length > max ? bytes.slice(0, max) : bytes;
  const named: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': '\\t', '"': '\\"', '\\': '\\\\' };
  const body = cut.replace(
    /[^\x20-\x7e]|["\\]/g,
    (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `"${body}"${bytes.length > max ? '…' : ''}`;
}

/** Returns the kind with the most failures (report order breaks ties), or null for none. */
function dominant(failures: FailureCounts): FailureKind | null {
  let best: FailureKind | null = null;
  for (const kind of FAILURE_KINDS) if ((failures[kind] ?? 0) > (best ? (failures[best] ?? 0) : 0)) best = kind;
  return best;
}

/**
 * Returns the first line of what a server said, quoted and cut to 80 characters, or null. What
 * every served connection received too (a greeting) is skipped: the evidence is what differs.
 */
function quoted(bytes: string | undefined, servedBytes: string | null): string | null {
  let said = bytes;
  if (said !== undefined && servedBytes) {
    let common = 0;
    while (common < said.length && common < servedBytes.length && said[common] === servedBytes[common]) common++;
    if (common < said.length) said = said.slice(common);
  }
  const line = said
    ?.split(/\r?\n/)
    .find((l) => l.trim() !== '')
    ?.trim();
  if (!line) return null;
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}

/** Returns the diagnosis of a ramp stopped by a latency objective: which, by how much, at what concurrency. */
function objectiveDiagnosis(o: NonNullable<DiagnosisInput['objective']>, maximum: number): Diagnosis {
  const [name, bound] = objectiveParts(o.text);
  const value = o.valueMs < 100 ? `${Number(o.valueMs.toFixed(1))}ms` : `${Math.round(o.valueMs)}ms`;
  const connect = name.startsWith('connect');
  return {
    side: 'target',
    cause: `${name} ${value} > ${bound} at ${o.established} open connections (round ${o.round}): the target ${connect ? 'accepts new connections too slowly at this concurrency' : 'holds connections it no longer serves in time'}; every objective held again at ${maximum}`,
    lookAt: connect
      ? [
          'the listen backlog and the accept rate (net.core.somaxconn, the server backlog, accept threads)',
          'SYN handling on the target host (net.ipv4.tcp_max_syn_backlog, conntrack)',
          'CPU on the target host while it holds this many connections',
        ]
      : [
          "the server's worker or event-loop capacity (threads, worker processes, one event loop starved by its own connections)",
          'what each request waits on behind the server (a database or backend pool, a proxy upstream queue)',
          'CPU and run queue on the target host at this many connections',
        ],
  };
}
