import type { RoundRecord } from '../result.js';
import { countFields } from './countFields.js';
import { failureList, ms } from './format.js';

/** Returns the progress line of one ramp round. */
export function formatRoundLine(r: RoundRecord): string {
  const latency = r.connectP50Ms === null ? 'connect -' : `connect p50 ${ms(r.connectP50Ms)} p99 ${ms(r.connectP99Ms ?? 0)}`;
  return [...countFields(r), `failures ${failureList(r.failures)}`, latency, r.failed ? 'FAILED' : ''].filter(Boolean).join('  ');
}
