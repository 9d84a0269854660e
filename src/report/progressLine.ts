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

/** Returns the live line while a run waits for its shared start: when, and a countdown in whole seconds. */
export function formatWaitingLine(startAtIso: string, msLeft: number, width = Number.POSITIVE_INFINITY): string {
  return fitLine(
    [
      { text: `waiting until ${startAtIso}`, giveWay: 1 },
      { text: `(in ${formatDuration(Math.ceil(msLeft / 1000) * 1000)})`, giveWay: 0 },
      { text: 'for the shared start (--start-at)', giveWay: 2 },
    ],
    width,
  );
}
