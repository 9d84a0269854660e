import type { RoundRecord } from '../probe/result.js';
import { countFields } from './countFields.js';
import { formatBytes } from '../units.js';
import { failureList, ms } from './format.js';

/** Returns the progress line of one ramp round. */
export function formatRoundLine(r: RoundRecord): string {
  const latency =
    r.connectP50Ms === null ? 'connect -' : `connect p50 ${ms(r.connectP50Ms)} p99 ${ms(r.connectP99Ms ?? 0)}`;
  // Bytes moved in the round, when any did (--send, --message, a talking server).
  const traffic =
    (r.bytesSent ?? 0) + (r.bytesReceived ?? 0) > 0
      ? `sent ${formatBytes(r.bytesSent ?? 0)} received ${formatBytes(r.bytesReceived ?? 0)}`
      : '';
  return [...countFields(r), `failures ${failureList(r.failures)}`, latency, traffic, r.failed ? 'FAILED' : '']
    .filter(Boolean)
    .join('  ');
}
