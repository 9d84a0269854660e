import type { RampProgress } from '../probe/result.js';
import { formatDuration } from '../units.js';
import { countFields } from './countFields.js';
import { fitLine } from './fitLine.js';

/** Returns the live status line of a ramp in progress, fitted to `width` columns (failures stay). */
export function formatProgressLine(p: RampProgress, width = Number.POSITIVE_INFINITY): string {
  return fitLine(
    [
      { text: formatDuration(p.atMs).padStart(6), giveWay: 3 },
      ...countFields(p),
      { text: `failures ${p.failures}`, giveWay: 0 },
    ],
    width,
  );
}
