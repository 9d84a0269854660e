import type { LineCounts } from '../probe/result.js';
import type { LineField } from './fitLine.js';

/**
 * Returns `round N`, `target N`, `held N`, … as the fields of a progress or round line; on a
 * narrow terminal the in-between states give way first, the round and held never.
 */
export function countFields(c: LineCounts): LineField[] {
  return [
    { text: `round ${c.round}`, giveWay: 0 },
    { text: `target ${c.target}`, giveWay: 2 },
    { text: `held ${c.held}`, giveWay: 0 },
    { text: `settling ${c.settling}`, giveWay: 4 },
    { text: `unverified ${c.unverified}`, giveWay: 4 },
    { text: `dialing ${c.dialing}`, giveWay: 3 },
  ];
}
