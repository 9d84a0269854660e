import type { Transport } from '../net/dialer.js';

/** What connections send and speak (tcpkali's traffic flags); the run config carries the same fields. */
export interface TrafficOptions {
  /** Sent once on open (--first-message, tcpgoon-style --send). */
  readonly send?: Buffer | undefined;
  /** Sent repeatedly on every open connection (--message), paced by `messageRatePerSec` and `bandwidthBytesPerSec`. */
  readonly message?: Buffer | undefined;
  readonly messageRatePerSec?: number | undefined;
  readonly bandwidthBytesPerSec?: number | undefined;
  /** Time from each --message sent to this marker in the reply: the marker latency (--latency-marker). */
  readonly latencyMarker?: Buffer | undefined;
  /** Dials started per second at most (--connect-rate); undefined for no pacing. */
  readonly connectRatePerSec?: number | undefined;
  /** TCP, TLS or WebSocket (default TCP). */
  readonly transport?: Transport | undefined;
}
