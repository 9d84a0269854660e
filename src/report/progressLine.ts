import type { RampProgress } from '../probe/result.js';
import { formatDuration } from '../units.js';
import { countFields } from './countFields.js';

/** Returns the live status line of a ramp in progress. */
export function formatProgressLine(p: RampProgress): string {
  return [formatDuration(p.atMs).padStart(6), ...countFields(p), `failures ${p.failures}`].join('  ');
}
