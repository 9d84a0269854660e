import type { RampResult } from '../probe/result.js';
import type { RecordSegment, RunRecord } from './runRecord.js';

/** A segment's record, with where it was read (a file, or `stdin line 3`). */
export interface NamedSegment {
  readonly record: RunRecord & { readonly segment: RecordSegment; readonly result: RampResult };
  readonly name: string;
}

/**
 * Returns why a set of segment records (one run id, one segment count) is not one run, naming the
 * field and the records; null when it is. Every segment must have an index in 0..N-1, and all must
 * share the target, the plan (rate, round, start, duration, caps, threshold) and the start: a stale
 * segment of an older run under the same --run-id would add its counts to a moment it never saw.
 */
export function whyNotOneRun(segments: readonly NamedSegment[]): string | null {
  const first = segments[0];
  if (!first) return null;
  for (const s of segments) {
    const { index, count } = s.record.segment;
    if (index === undefined || !Number.isInteger(index) || index < 0 || index >= count)
      return `${s.name} says it is segment ${index} of ${count}, outside 0..${count - 1}; merge the records --segment I/${count} wrote`;
  }
  const fields: Array<[string, (s: NamedSegment) => unknown]> = [
    ['the target', (s) => s.record.target.given],
    [
      'the ramp plan (--ramp, --round, --from, --max-duration, --max-connections, --error-threshold)',
      (s) => s.record.config.ramp,
    ],
    ['the start (--start-at)', (s) => s.record.segment.startAt ?? null],
    [
      'the verification (--send, --expect, --settle)',
      (s) => [s.record.config.send, s.record.config.expect, s.record.config.settleMs],
    ],
  ];
  for (const [field, pick] of fields) {
    const other = segments.find((s) => JSON.stringify(pick(s)) !== JSON.stringify(pick(first)));
    if (other)
      return `${other.name} and ${first.name} differ in ${field}: ${JSON.stringify(pick(other))} and ${JSON.stringify(pick(first))}; they are not one run, though they share the run id ${first.record.segment.runId}`;
  }
  return null;
}

/**
 * Returns why a segment's record cannot be trusted as a measurement, naming it; null when it can:
 * a number that is not a finite, safe count (a hand-edited 1e308), a round listed twice or out of
 * order, or a round that held more than its target.
 */
export function recordProblem(s: NamedSegment): string | null {
  const odd = oddNumber(s.record.result, 'result');
  if (odd) return `${s.name} holds ${odd}: not a measurement; give the record the run wrote`;
  let previous = 0;
  // Once a segment only holds (after its own stop rule), connections still settling then become
  // held above the count it holds to; before that, a round never holds more than it asked for.
  const holdingFrom = s.record.result.segment?.holdingFromRound ?? Number.POSITIVE_INFINITY;
  for (const r of s.record.result.rounds) {
    if (r.round <= previous)
      return `${s.name} lists round ${r.round} after round ${previous}: a round twice or out of order; give the record the run wrote`;
    previous = r.round;
    if (r.round < holdingFrom && r.held > r.target)
      return `${s.name} says round ${r.round} held ${r.held}, above its target ${r.target}: not a measurement; give the record the run wrote`;
  }
  return null;
}

/** Returns the path and value of the first number that is not finite or past a safe integer, or null. */
function oddNumber(value: unknown, path: string): string | null {
  if (typeof value === 'number')
    return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? null : `${path} = ${value}`;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, v] of Object.entries(value)) {
    const found = oddNumber(v, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

/** Returns, in words, what differs between the records of two runs (what their run ids are made of). */
export function whyRunsDiffer(a: NamedSegment['record'], b: NamedSegment['record']): string {
  const differs: string[] = [];
  if (a.target.given !== b.target.given)
    differs.push(`the segments dialed different targets (${a.target.given} and ${b.target.given})`);
  if (JSON.stringify(a.config.ramp) !== JSON.stringify(b.config.ramp))
    differs.push(
      'their ramp plans differ (--ramp, --round, --from, --max-duration, --max-connections or --error-threshold)',
    );
  if (a.segment.startAt !== b.segment.startAt)
    differs.push(
      `they started at different times (--start-at ${a.segment.startAt ?? 'none'} and ${b.segment.startAt ?? 'none'})`,
    );
  if (a.segment.count !== b.segment.count) differs.push('they split the run differently (--segment I/N)');
  return differs.length > 0 ? differs.join('; ') : 'each was given its own --run-id';
}
