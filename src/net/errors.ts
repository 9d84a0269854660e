/** Why a connection failed, from its errno (docs/ARCHITECTURE.md "Connection lifecycle"). */
export type ErrorKind =
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'unreachable'
  | 'addr-unavailable'
  | 'fd-limit'
  | 'no-buffers'
  | 'dns'
  | 'verify-timeout'
  | 'verify-mismatch'
  | 'denied'
  | 'handshake'
  | 'other';

/**
 * `denied`: a URL target's server answered in its protocol that it will not serve the connection
 * (Redis `-ERR max number of clients reached`, PostgreSQL 53300, MySQL 1040, HTTP 503, an MQTT
 * CONNACK code); its words are the evidence.
 *
 * How a connection was lost: an ErrorKind, `closed` when the peer closed an open connection
 * cleanly (FIN; no errno, but a failure all the same), `stale` when a held connection did not
 * answer its --heartbeat in time (the prober closes it), or `shard-lost` when the prober's own
 * shard process holding it died.
 */
export type FailureKind = ErrorKind | 'closed' | 'stale' | 'shard-lost';

/** Every failure kind, in report order. */
export const FAILURE_KINDS: readonly FailureKind[] = [
  'refused',
  'reset',
  'closed',
  'timeout',
  'unreachable',
  'verify-timeout',
  'verify-mismatch',
  'denied',
  'stale',
  'handshake',
  'dns',
  'addr-unavailable',
  'fd-limit',
  'no-buffers',
  'shard-lost',
  'other',
];

/** The kinds that are the prober's own limits, never the target's. */
export const PROBER_KINDS: readonly FailureKind[] = ['addr-unavailable', 'fd-limit', 'no-buffers', 'shard-lost'];

/**
 * The kinds that mean "not answered in time" (a SYN, a reply, a handshake): a slow target shows
 * them as well as a full one (docs/ARCHITECTURE.md "Pace").
 */
export const WAITING_KINDS: readonly FailureKind[] = ['timeout', 'verify-timeout', 'handshake'];

/** Returns true when the kind is a limit of the prober's machine rather than of the target. */
export function isProberKind(kind: FailureKind): boolean {
  return PROBER_KINDS.includes(kind);
}

const KIND_BY_CODE: Readonly<Record<string, ErrorKind>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  ETIME: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'addr-unavailable',
  EADDRINUSE: 'addr-unavailable',
  EMFILE: 'fd-limit',
  ENFILE: 'fd-limit',
  ENOBUFS: 'no-buffers',
  ENOMEM: 'no-buffers',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
};

/**
 * Returns the ErrorKind of an error raised by a socket or a name lookup. Node 20 may wrap the
 * failures of dual-stack dialing in an AggregateError; its first inner error decides then.
 */
export function classifyError(err: unknown): ErrorKind {
  if (err instanceof AggregateError && err.errors.length > 0) return classifyError(err.errors[0]);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  return KIND_BY_CODE[code] ?? (isHandshakeCode(code) ? 'handshake' : 'other');
}

/**
 * Returns true for the codes of a failed TLS or WebSocket handshake: a certificate that is not
 * trusted or does not name the host, a protocol or cipher mismatch, an upgrade the server refused.
 */
function isHandshakeCode(code: string): boolean {
  return code === 'EWSHANDSHAKE' || /^ERR_(SSL|TLS)_|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|^EPROTO$/.test(code);
}
