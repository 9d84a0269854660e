import type { FixedStatus } from '../probe/result.js';

/** Returns tcpgoon's status line: `Total: N, Dialing: a, Established: b, Closed: c, Error: d, NotInitiated: e`. */
export function formatStatusLine(s: FixedStatus): string {
  return `Total: ${s.total}, Dialing: ${s.dialing}, Established: ${s.established}, Closed: ${s.closed}, Error: ${s.error}, NotInitiated: ${s.notInitiated}`;
}
