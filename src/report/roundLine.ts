import { objectiveParts } from '../config/objectives.js';
import type { RoundRecord } from '../probe/result.js';
import type { ObjectiveReading } from '../probe/objectiveReadings.js';
import type { SearchStep } from '../probe/objectiveSearch.js';
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
      ...(r.objectives ?? []).map((o) => ({ text: objectiveField(o), giveWay: o.met ? 2 : 0 })),
      ...(r.heartbeatP99Ms !== undefined && !r.objectives?.some((o) => o.objective.startsWith('heartbeat'))
        ? [{ text: heartbeatField(r), giveWay: 5 }]
        : []),
      { text: latency, giveWay: 5 },
      { text: traffic, giveWay: 6 },
      { text: r.failed ? 'FAILED' : '', giveWay: 0 },
    ].filter((f) => f.text !== ''),
    width,
  );
}

/** Returns an objective's reading as a field: `heartbeat p99 4.1ms`, or `heartbeat p99 212ms > 100ms` when it broke. */
export function objectiveField(o: ObjectiveReading): string {
  const [name, bound] = objectiveParts(o.objective);
  if (o.valueMs === null) return `${name} -`;
  return o.met ? `${name} ${ms(o.valueMs)}` : `${name} ${ms(o.valueMs)} > ${bound}`;
}

function heartbeatField(r: RoundRecord): string {
  if (r.heartbeatP50Ms === null || r.heartbeatP50Ms === undefined) return 'heartbeat -';
  return `heartbeat p50 ${ms(r.heartbeatP50Ms)} p99 ${ms(r.heartbeatP99Ms ?? 0)}`;
}

/** Returns the line of one level an --slo search measured. */
export function formatSearchLine(step: SearchStep): string {
  return [
    `search: ${step.level} asked, held ${step.held}`,
    ...step.readings.map(objectiveField),
    `failures ${failureList(step.failures)}`,
    step.met ? 'objectives met' : 'BROKE',
  ].join('  ');
}
