/** What a scan of received bytes for a latency marker found. */
export interface MarkerScan {
  /** Whole markers found (non-overlapping), each the reply to one message sent. */
  readonly found: number;
  /** The tail to prepend to the next chunk: a marker may be split between chunks. */
  readonly carry: Buffer | null;
}

/**
 * Counts occurrences of `marker` in `chunk`, continuing from the `carry` of the previous chunk
 * (tcpkali's --latency-marker: each marker seen in the stream answers the oldest message sent).
 */
export function scanForMarker(marker: Buffer, carry: Buffer | null, chunk: Buffer): MarkerScan {
  const data = carry && carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
  let found = 0;
  let from = 0;
  for (let at = data.indexOf(marker, from); at !== -1; at = data.indexOf(marker, from)) {
    found++;
    from = at + marker.length;
  }
  // Keep at most marker.length - 1 bytes that are not part of a found marker.
  const keepFrom = Math.max(from, data.length - (marker.length - 1));
  const tail = data.subarray(keepFrom);
  return { found, carry: tail.length > 0 ? Buffer.from(tail) : null };
}
