/**
 * A server protocol that a URL target speaks (docs/ARCHITECTURE.md "Protocols"): what a
 * connection sends when it opens, how the bytes that come back are judged (served, denied in the
 * server's own words, not this protocol at all, or not complete yet), and the heartbeat exchange
 * that shows a held connection is still served. Judges are pure functions of the bytes received so
 * far: the fleet keeps at most EXPECT_BUFFER_BYTES of them, so a server that never finishes a
 * reply, or sends a huge one, ends in a mismatch, never a hang or unbounded memory.
 */

/** What the bytes received so far say about a connection. */
export type Judgement =
  /** Not a whole reply yet: wait for more bytes. */
  | { readonly kind: 'more' }
  /** The server committed to serving this connection. */
  | { readonly kind: 'served' }
  /** The server said, in its protocol, that it will not serve it: its words, named (`53300 sorry, too many clients already`). */
  | { readonly kind: 'denied'; readonly said: string }
  /** Not this protocol (garbage, a frame too large): why, in a few words. */
  | { readonly kind: 'mismatch'; readonly why: string };

/** Plain data from the URL and the environment: all a protocol needs, cloned as is to shard processes. */
export interface ProtocolParams {
  readonly host: string;
  readonly port: number;
  readonly user?: string | undefined;
  /** Never printed, never written to a record. */
  readonly password?: string | undefined;
  /** The URL's path and query (HTTP, WebSocket), or the database (PostgreSQL): '' when none. */
  readonly path: string;
  /** MQTT: '5' for MQTT 5 (`?version=5`); otherwise 3.1.1. */
  readonly version?: string | undefined;
  /** HTTP: the statuses that count as served, as [low, high] ranges (--http-status); absent: all but 503. */
  readonly servedStatus?: ReadonlyArray<readonly [number, number]> | undefined;
  /**
   * The connection must end authenticated, not merely answered: with --heartbeat, a protocol whose
   * heartbeat needs a session (PostgreSQL's Sync) counts a password request as a mismatch.
   */
  readonly session: boolean;
}

/** One request and the judge of its reply. */
export interface Exchange {
  readonly send: (params: ProtocolParams) => Buffer;
  readonly judge: (received: Buffer, params: ProtocolParams) => Judgement;
}

/** A protocol: one small module each, listed in protocols.ts. */
export interface Protocol {
  /** Its name in reports: `PostgreSQL`. */
  readonly name: string;
  /** URL schemes: plain first, then over TLS (`redis`, `rediss`). */
  readonly schemes: readonly string[];
  readonly tlsSchemes: readonly string[];
  readonly defaultPort: number;
  readonly defaultTlsPort?: number;
  /** What counts as served, in words (reports, --help, README). */
  readonly served: string;
  /** The server setting that limits connections, for the diagnosis. */
  readonly limitSetting: string;
  /** What a connection sends on open (an empty buffer when the server speaks first), and the judge of the reply. */
  readonly open: Exchange;
  /** The heartbeat, or why there is none. */
  readonly heartbeat: Exchange | { readonly none: string };
  /**
   * The answer to what a server sends on its own to check its clients are alive (NATS `PING`, a
   * WebSocket ping frame), given one chunk as it came; null when the chunk asks nothing. A client
   * that does not answer is closed by the server after a few of them.
   */
  readonly answer?: (chunk: Buffer) => Buffer | null;
}

export const MORE: Judgement = { kind: 'more' };
export const SERVED: Judgement = { kind: 'served' };
export const denied = (said: string): Judgement => ({ kind: 'denied', said });
export const mismatch = (why: string): Judgement => ({ kind: 'mismatch', why });

/** Returns true when the protocol has a heartbeat exchange. */
export function hasHeartbeat(p: Protocol): p is Protocol & { readonly heartbeat: Exchange } {
  return 'judge' in p.heartbeat;
}

/**
 * Returns the complete CRLF- (or LF-) ended lines at the start of `received`, without their ends,
 * and whether an unfinished line longer than `maxLine` follows (a server that never ends its line).
 */
export function completeLines(received: Buffer, maxLine: number): { lines: string[]; overlong: boolean } {
  const lines: string[] = [];
  let start = 0;
  for (let nl = received.indexOf(10, start); nl >= 0; nl = received.indexOf(10, start)) {
    const end = nl > start && received[nl - 1] === 13 ? nl - 1 : nl;
    lines.push(received.toString('latin1', start, end));
    start = nl + 1;
  }
  return { lines, overlong: received.length - start > maxLine };
}

/** Returns printable text for a server's words: control bytes dropped, at most `max` characters. */
export function printable(text: string, max = 160): string {
  const clean = text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
