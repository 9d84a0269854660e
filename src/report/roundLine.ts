import type { RoundRecord } from '../probe/result.js';
import { countFields } from './countFields.js';
import { formatBytes } from '../units.js';
import { fitLine } from './fitLine.js';
import { failureList, ms } from './format.js';

/** Returns the progress line of one ramp round, fitted to `width` columns: failures and FAILED stay. */
export function formatRoundLine(r: RoundRecord, width = Number.POSITIVE_INFINITY): string {
  const latency =
    r.connectP50Ms === null ? 'connect -' : `connect p50 ${ms(r.connectP50Ms)} p99 ${ms(r.connectP99Ms ?? 0)}`;
  // Bytes moved in the round, when any did (--send, --message, a talking server).
  const traffic =
    (r.bytesSent ?? 0) + (r.bytesReceived ?? 0) > 0
      ? `sent ${formatBytes(r.bytesSent ?? 0)} received ${formatBytes(r.bytesReceived ?? 0)}`
      : '';
  return fitLine(
    [
      ...countFields(r),
      { text: `failures ${failureList(r.failures)}`, giveWay: 0 },
      { text: latency, giveWay: 5 },
      { text: traffic, giveWay: 6 },
      { text: r.failed ? 'FAILED' : '', giveWay: 0 },
    ].filter((f) => f.text !== ''),
    width,
  );
}
