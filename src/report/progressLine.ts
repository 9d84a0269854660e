import type { RampProgress } from '../result.js';
import { formatDuration } from '../units.js';

/** Returns the live status line of a ramp in progress. */
export function formatProgressLine(p: RampProgress): string {
  return [
    formatDuration(p.atMs).padStart(6),
    `round ${p.round}`,
    `target ${p.target}`,
    `held ${p.held}`,
    `settling ${p.settling}`,
    `unverified ${p.unverified}`,
    `dialing ${p.dialing}`,
    `failures ${p.failures}`,
  ].join('  ');
}
