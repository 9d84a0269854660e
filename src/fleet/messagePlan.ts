/** How a connection sends repeated messages (tcpkali's --message with --message-rate / --channel-bandwidth). */
export interface MessagePlan {
  /** Bytes of one message. */
  readonly messageBytes: number;
  /** Messages per second per connection; undefined for no rate limit. */
  readonly ratePerSec?: number | undefined;
  /** Bytes per second per connection, upstream; undefined for no limit. */
  readonly bandwidthBytesPerSec?: number | undefined;
}

/**
 * Returns how many messages a connection should have sent `elapsedMs` after it opened: the first
 * at once, then at the message rate and within the bandwidth, whichever allows fewer. Infinity when
 * neither is set: the connection sends as fast as its socket takes the bytes.
 */
export function messagesDue(plan: MessagePlan, elapsedMs: number): number {
  const t = Math.max(0, elapsedMs) / 1000;
  const byRate = plan.ratePerSec === undefined ? Number.POSITIVE_INFINITY : Math.floor(t * plan.ratePerSec) + 1;
  const byBandwidth =
    plan.bandwidthBytesPerSec === undefined
      ? Number.POSITIVE_INFINITY
      : Math.floor((t * plan.bandwidthBytesPerSec) / Math.max(1, plan.messageBytes)) + 1;
  return Math.min(byRate, byBandwidth);
}
