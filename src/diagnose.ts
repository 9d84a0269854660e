import type { Evidence } from './fleet.js';
import { FAILURE_KINDS, isProberKind, type FailureKind } from './net/errors.js';
import type { FailureCounts, FixedResult, RampResult } from './result.js';

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
}

const APP_LIMIT = 'the server\'s client limit (Redis maxclients, HAProxy maxconn, nginx worker_connections, PostgreSQL max_connections)';
const SERVER_FDS = 'the server process\'s own open-file limit (ulimit -n, LimitNOFILE in its systemd unit)';

/** Returns the diagnosis of a ramp or fixed-mode result. */
export function diagnoseResult(r: RampResult | FixedResult): Diagnosis {
  if (r.mode === 'fixed') {
    return diagnose({ maximum: r.maxConcurrent, failures: r.failures, breaking: null, evidence: r.evidence, droppedHeld: 0, droppedOldest: 0, interrupted: r.interrupted });
  }
  return diagnose({
    maximum: r.maximum, failures: r.failures, breaking: r.breakingPoint?.failures ?? null, evidence: r.evidence,
    droppedHeld: r.droppedHeld, droppedOldest: r.droppedOldest ?? 0, interrupted: r.stopReason === 'interrupted',
  });
}

/**
 * Returns the cause of a run's limit from its failure kinds and evidence: the prober's own limits
 * first (they make the result inconclusive), then eviction, then the dominant failure kind.
 */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const n = input.maximum;
  const prober = FAILURE_KINDS.find((k) => isProberKind(k) && (input.failures[k] ?? 0) > 0);
  if (prober) return proberDiagnosis(prober, n, input.evidence[prober]?.message);
  const closes = (input.failures.closed ?? 0) + (input.failures.reset ?? 0);
  // Eviction drops the oldest connections (held, or at a fast ramp still settling) while newer ones
  // stay; a server that closes past its limit drops the newest and keeps the old ones.
  const evicted = Math.max(input.droppedHeld, input.droppedOldest);
  if (evicted > 0 && evicted * 2 >= closes) {
    return {
      side: 'target',
      cause: `older connections were dropped while newer ones succeeded (${evicted} of ${closes} drops were the oldest or held ones): the target evicts old connections to admit new ones, so it never holds more than ${n}`,
      lookAt: ['idle and client timeouts of the server', 'a limit that closes the oldest connection (proxy LRU, client eviction)', APP_LIMIT],
    };
  }
  const kind = dominant(input.breaking ?? input.failures);
  if (!kind) {
    return input.interrupted
      ? { side: 'none', cause: `interrupted before any failure, with ${n} held`, lookAt: ['run again to the end to find the limit'] }
      : { side: 'none', cause: `no limit found: the target held ${n} without failures until the run ended`, lookAt: ['--max-duration, --max-connections or a faster --ramp, to push further'] };
  }
  const said = quoted(input.evidence[kind]?.bytes);
  const past = `past ${n} connections`;
  switch (kind) {
    case 'refused':
      return n === 0
        ? { side: 'target', cause: 'connection refused from the first dial: nothing listens on that address and port', lookAt: ['is the server running, and bound to this address and port?', 'firewall rules that reject'] }
        : { side: 'target', cause: `${past} the target refuses new ones: it stops listening at its limit, or its listen backlog is full on a system that refuses (tcp_abort_on_overflow)`, lookAt: [APP_LIMIT, 'the listen backlog and net.core.somaxconn', 'net.ipv4.tcp_abort_on_overflow'] };
    case 'timeout':
      return n === 0
        ? { side: 'target', cause: 'no answer to any SYN: the target is down, filtered, or unreachable', lookAt: ['is the server up?', 'firewalls that drop silently'] }
        : { side: 'target', cause: `connect timeouts after a plateau at ${n}: the target's accept queue is full and the kernel drops new SYNs`, lookAt: ['the listen backlog (the server\'s listen() argument) and net.core.somaxconn', 'net.ipv4.tcp_max_syn_backlog and SYN cookies (net.ipv4.tcp_syncookies)', `why the application stopped accepting: ${APP_LIMIT}`] };
    case 'closed':
    case 'verify-mismatch':
      if (said) return { side: 'target', cause: `${past} the target accepts, then closes, saying ${said}: an application connection limit`, lookAt: [APP_LIMIT, SERVER_FDS] };
      return kind === 'closed'
        ? { side: 'target', cause: `${past} the target accepts, then closes without a word: an application connection limit, or the server out of file descriptors`, lookAt: [APP_LIMIT, SERVER_FDS] }
        : { side: 'target', cause: `${past} replies do not match --expect`, lookAt: ['--expect: is it what a served connection receives?'] };
    case 'reset':
      return { side: 'target', cause: `${past} the target accepts, then resets (RST)${said ? ` after saying ${said}` : ''}: a limit enforced by aborting connections`, lookAt: [SERVER_FDS, 'a connection limit closed with SO_LINGER 0', 'a proxy or middlebox limit, such as a full conntrack table (nf_conntrack_max)'] };
    case 'verify-timeout':
      return said
        ? { side: 'target', cause: `${past} the target answers, but not with --expect: it said ${said}`, lookAt: ['--expect and --send: is the request right for this server?', APP_LIMIT] }
        : { side: 'target', cause: `${past} new ones open but are never served: the application stopped accepting, and they wait in the kernel's accept queue`, lookAt: [`the application's connection limit (${APP_LIMIT}; lighttpd server.max-connections)`, 'its listen backlog, which holds the unserved connections'] };
    case 'handshake':
      return { side: 'target', cause: `${n === 0 ? 'from the first dial' : past} the TLS or WebSocket handshake fails${input.evidence[kind]?.message ? `: ${input.evidence[kind]?.message}` : ''}`, lookAt: n === 0 ? ['--tls/--insecure/--ca/--sni and --websocket: do they match the server?'] : [APP_LIMIT, 'a TLS or WebSocket layer (proxy, worker pool) with its own connection limit'] };
    case 'unreachable':
      return { side: 'target', cause: 'the network reports the target unreachable (EHOSTUNREACH/ENETUNREACH)', lookAt: ['routes and firewalls between the prober and the target'] };
    case 'dns':
      return { side: 'target', cause: 'the name did not resolve', lookAt: ['the name, or give an IP address'] };
    default:
      return { side: 'target', cause: `${past} unclassified errors${input.evidence[kind]?.message ? `: ${input.evidence[kind]?.message}` : ''}`, lookAt: ['the error text in the evidence; rerun with -d'] };
  }
}

function proberDiagnosis(kind: FailureKind, n: number, evidence?: string): Diagnosis {
  switch (kind) {
    case 'shard-lost':
      return { side: 'prober', cause: `a prober shard process died with ${n} held${evidence ? ` (${evidence})` : ''}: the prober failed, not the target`, lookAt: ['the kernel log for the OOM killer (dmesg)', 'memory on the prober', 'fewer connections per shard: more --workers'] };
    case 'fd-limit':
      return { side: 'prober', cause: `the prober ran out of file descriptors (EMFILE/ENFILE) with ${n} held: this machine's limit, not the target's`, lookAt: ['ulimit -n on the prober: raise the hard limit (limits.conf, LimitNOFILE); goon-probe raises the soft limit to it', 'fs.file-max and fs.nr_open', 'goon-probe doctor'] };
    case 'addr-unavailable':
      return { side: 'prober', cause: `the prober ran out of ephemeral ports (EADDRNOTAVAIL) with ${n} held: this machine's limit, not the target's`, lookAt: ['sysctl -w net.ipv4.ip_local_port_range="1024 65535"', 'sysctl -w net.ipv4.tcp_tw_reuse=1', 'more source addresses or destination ports', 'goon-probe doctor'] };
    default:
      return { side: 'prober', cause: `the prober's kernel ran out of socket buffers (ENOBUFS) with ${n} held: this machine's limit, not the target's`, lookAt: ['net.ipv4.tcp_mem and memory on the prober', 'goon-probe doctor'] };
  }
}

/** Returns the kind with the most failures (report order breaks ties), or null for none. */
function dominant(failures: FailureCounts): FailureKind | null {
  let best: FailureKind | null = null;
  for (const kind of FAILURE_KINDS) if ((failures[kind] ?? 0) > (best ? (failures[best] ?? 0) : 0)) best = kind;
  return best;
}

/** Returns the first line of what a server said, quoted and cut to 80 characters, or null. */
function quoted(bytes: string | undefined): string | null {
  const line = bytes?.split(/\r?\n/).find((l) => l.trim() !== '')?.trim();
  if (!line) return null;
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}
