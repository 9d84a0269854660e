// The built-in target's options, apart from the server itself: validating them (config/serveConfig)
// loads no sockets, TLS or WebSocket code.

/**
 * What the server does past its limit: accept then close (with an error line), reset, leave
 * connections in the accept queue, evict the oldest, or stop listening so that new ones are refused.
 */
export type OverLimit = 'close' | 'error-close' | 'reset' | 'queue' | 'evict-oldest' | 'refuse';

/** Every over-limit behaviour, for validation and tests. */
export const OVER_LIMIT_BEHAVIOURS: readonly OverLimit[] = [
  'close',
  'error-close',
  'reset',
  'queue',
  'evict-oldest',
  'refuse',
];

/** The line an `error-close` server writes when no banner is given (Redis's wording). */
export const DEFAULT_ERROR_LINE = '-ERR max number of clients reached\r\n';

/** How a built-in target behaves. */
export interface TargetServerOptions {
  readonly host?: string;
  readonly port?: number;
  /** Connections served at once; beyond it, `overLimit` applies. */
  readonly maxConnections?: number | undefined;
  readonly overLimit?: OverLimit;
  /**
   * A greeting sent to every connection. With `error-close` and no `errorLine`, the error line
   * instead (the older form); with `errorLine`, over-limit connections get the greeting, then the error.
   */
  readonly banner?: Buffer | undefined;
  /** With `error-close`: the line written past the limit, before closing (default: Redis's). */
  readonly errorLine?: Buffer | undefined;
  /** Echo every chunk back, or answer every chunk with fixed bytes. */
  readonly reply?: 'echo' | Buffer | undefined;
  readonly backlog?: number | undefined;
  /** Speak TLS with this certificate and key (PEM). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  /** Speak WebSocket (over TLS with `tls`): the banner and replies go as binary messages. */
  readonly websocket?: boolean | undefined;
  /**
   * A server that slows down past a known concurrency (--slow-after N --delay T): while it serves
   * more than `slowAfter` connections, every reply waits `delayMs` first. For testing --slo.
   */
  readonly slowAfter?: number | undefined;
  readonly delayMs?: number | undefined;
  /**
   * A server that takes on at most this many new connections a second (--accept-rate), first come
   * first served, as a fork-per-connection server does (sshd, PostgreSQL): the others wait open but
   * silent, as in an accept queue. A connection that gave up waiting still uses its turn.
   */
  readonly acceptPerSec?: number | undefined;
}
