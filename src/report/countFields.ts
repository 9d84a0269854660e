import type { LineCounts } from '../probe/result.js';

/** Returns `round N`, `target N`, `held N`, … as the fields of a progress or round line. */
export function countFields(c: LineCounts): string[] {
  return [
    `round ${c.round}`,
    `target ${c.target}`,
    `held ${c.held}`,
    `settling ${c.settling}`,
    `unverified ${c.unverified}`,
    `dialing ${c.dialing}`,
  ];
}
