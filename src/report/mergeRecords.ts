import type { RampPlan } from '../config/rampPlan.js';
import type { Evidence } from '../fleet/fleetReading.js';
import type { FailureKind } from '../net/errors.js';
import { diagnoseResult } from '../probe/diagnose.js';
import { proberKinds, roundFailed, verdictFor, type StopReason, type Verdict } from '../probe/rampRules.js';
import type { FailureCounts, RampResult, RoundRecord } from '../probe/result.js';
import { parseThreshold } from '../units.js';
import type { RecordSegment, RunRecord } from './runRecord.js';

/** What `merge` makes of a set of segment records. */
export type MergeOutcome =
  | { readonly kind: 'merged'; readonly record: RunRecord; readonly problems: readonly string[] }
  /** Records that cannot be merged at all (different runs, not segments): a usage error. */
  | { readonly kind: 'refused'; readonly problem: string };

/** What merging needs besides the records. */
export interface MergeOptions {
  /** `merge --min-concurrency N`: the gate on the global maximum (overrides the segments' own). */
  readonly minConcurrency?: number | undefined;
  readonly argv: readonly string[];
}

type SegmentRecord = RunRecord & { readonly segment: RecordSegment; readonly result: RampResult };

/**
 * Returns the exact global result of a run split into segments (`--segment I/N`): the rounds
 * summed by round number (the rounds start at the same moments on every host), the first round
 * that fails under the threshold applied to the summed attempts and failures, and the largest
 * summed held count up to and including it. A missing or duplicated segment, or one that was
 * interrupted or hit the prober's own limit, makes the result inconclusive or prober-limited
 * (exit 3) and is named.
 */
export function mergeRecords(records: readonly RunRecord[], options: MergeOptions): MergeOutcome {
  if (records.length === 0) return { kind: 'refused', problem: 'no run records found in the input' };
  const loose = records.find((r) => r.segment?.index === undefined || r.result.mode !== 'ramp');
  if (loose)
    return {
      kind: 'refused',
      problem: `a record of ${loose.target.given} started ${loose.startedAt} is not a segment of a split ramp (run with --segment I/N)`,
    };
  const segments = records as readonly SegmentRecord[];
  const runs = [...new Set(segments.map((r) => r.segment.runId))];
  if (runs.length > 1)
    return {
      kind: 'refused',
      problem: `the records come from ${runs.length} different runs (run ids ${runs.join(', ')}); merge the segments of one run`,
    };
  const count = segments[0]?.segment.count as number;
  if (segments.some((r) => r.segment.count !== count))
    return {
      kind: 'refused',
      problem: 'the records disagree on the number of segments; merge the segments of one run',
    };

  const problems: string[] = [];
  const byIndex = new Map<number, SegmentRecord>();
  for (const r of segments) {
    const index = r.segment.index as number;
    if (byIndex.has(index)) problems.push(`segment ${index}/${count} is there twice; only its first record was used`);
    else byIndex.set(index, r);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  for (const i of missing) problems.push(`segment ${i}/${count} is missing, so the sums are short`);
  const parts = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
  const first = parts[0] as SegmentRecord;
  const plan = wholePlan(first);

  const rounds = sumRounds(parts, plan);
  const failing = rounds.find((r) => r.failed) ?? null;
  const counted = failing ? rounds.filter((r) => r.round <= failing.round) : rounds;
  let maximum = 0;
  let maximumAtMs = 0;
  for (const r of counted) if (r.held > maximum) [maximum, maximumAtMs] = [r.held, r.atMs];
  const finalHeld = parts.reduce((n, r) => n + r.result.finalHeld, 0);
  const interrupted = parts.filter((r) => r.result.verdict === 'interrupted');
  // Without a failing round every segment held until the plan's end: the final samples are one moment.
  if (!failing && interrupted.length === 0 && finalHeld > maximum)
    [maximum, maximumAtMs] = [finalHeld, Math.max(...parts.map((r) => r.result.durationMs))];

  const proberLimited = parts.filter((r) =>
    r.result.rounds.some((x) => (!failing || x.round <= failing.round) && proberKinds(x.failures).length > 0),
  );
  for (const r of proberLimited)
    problems.push(
      `segment ${r.segment.index}/${count} (host ${r.segment.host ?? 'unknown'}) hit the prober's own limit: ${proberKinds(r.result.failures).join(', ')}`,
    );
  for (const r of interrupted) problems.push(`segment ${r.segment.index}/${count} was interrupted`);

  const gate = options.minConcurrency ?? first.result.gate?.minConcurrency;
  const reason: StopReason = failing
    ? 'round-failed'
    : plan.maxConnections !== undefined && maximum >= plan.maxConnections
      ? 'max-connections'
      : 'max-duration';
  let { verdict, exitCode } = verdictFor(reason, maximum, gate);
  if (!failing && gate !== undefined && maximum >= gate && first.result.gate && !first.result.gate.findMax)
    ({ verdict, exitCode } = verdictFor('gate-met', maximum, gate));
  if (proberLimited.length > 0) [verdict, exitCode] = ['prober-limited' as Verdict, 3];
  else if (missing.length > 0 || problems.length > 0) [verdict, exitCode] = ['inconclusive' as Verdict, 3];

  // Traffic percentiles and a refine pass are per host; the merged result leaves them out.
  const { traffic: _traffic, segment: _segment, firstPass: _firstPass, ...base } = first.result;
  const result: RampResult = {
    ...base,
    rounds,
    finalHeld,
    maximum,
    maximumAtMs,
    durationMs: Math.max(...parts.map((r) => r.result.durationMs)),
    breakingPoint: failing ? { round: failing.round, target: failing.target, failures: failing.failures } : null,
    failures: sumCounts(parts.map((r) => r.result.failures)),
    evidence: firstEvidence(parts.map((r) => r.result.evidence)),
    droppedHeld: parts.reduce((n, r) => n + r.result.droppedHeld, 0),
    droppedOldest: parts.reduce((n, r) => n + (r.result.droppedOldest ?? 0), 0),
    achievedRatePerSec: parts.reduce((n, r) => n + r.result.achievedRatePerSec, 0),
    // Percentiles of different hosts cannot be added up exactly; each segment's record keeps its own.
    connect: null,
    stopReason: reason,
    verdict,
    exitCode,
    warnings: [...new Set([...parts.flatMap((r) => r.result.warnings), ...problems])],
    gate:
      gate === undefined
        ? null
        : { minConcurrency: gate, findMax: first.result.gate?.findMax ?? false, met: maximum >= gate },
    sourceAddresses: [...new Set(parts.flatMap((r) => r.result.sourceAddresses))],
    sourceRejection: null,
    servedBytes: parts.map((r) => r.result.servedBytes ?? null).find((b) => b !== null) ?? null,
  };
  const merged: RunRecord = {
    ...first,
    command: { argv: [...options.argv], line: ['goon-probe', ...options.argv].join(' ') },
    startedAt: parts.map((r) => r.startedAt).sort()[0] as string,
    endedAt: parts
      .map((r) => r.endedAt)
      .sort()
      .at(-1) as string,
    config: { ...first.config, minConcurrency: gate ?? null },
    result,
    diagnosis: diagnoseResult(result),
    segment: {
      runId: first.segment.runId,
      count,
      ...(first.segment.startAt === undefined ? {} : { startAt: first.segment.startAt }),
      segments: parts.map((r) => ({
        index: r.segment.index as number,
        host: r.segment.host ?? 'unknown',
        verdict: r.result.verdict,
        stopReason: r.result.stopReason,
        maximum: r.result.maximum,
        joinedAtRound: r.segment.joinedAtRound ?? 1,
      })),
    },
  };
  const { preflight: _preflight, ...withoutPreflight } = merged;
  return { kind: 'merged', record: withoutPreflight, problems };
}

/** Returns the plan of the whole run, from a segment's record (its config holds the whole plan). */
function wholePlan(r: SegmentRecord): RampPlan {
  const ramp = r.config.ramp;
  if (!ramp) throw new Error('a segment record without a ramp plan');
  return {
    ratePerSec: ramp.ratePerSec,
    roundMs: ramp.roundMs,
    from: ramp.from,
    maxDurationMs: ramp.maxDurationMs,
    maxConnections: ramp.maxConnections ?? undefined,
    threshold: parseThreshold(ramp.errorThreshold, '--error-threshold'),
  };
}

/** Returns the rounds of all segments summed by round number; a round is judged on the sums. */
function sumRounds(parts: readonly SegmentRecord[], plan: RampPlan): RoundRecord[] {
  const byRound = new Map<number, RoundRecord[]>();
  for (const r of parts) for (const x of r.result.rounds) byRound.set(x.round, [...(byRound.get(x.round) ?? []), x]);
  return [...byRound.keys()]
    .sort((a, b) => a - b)
    .map((round) => {
      const xs = byRound.get(round) as RoundRecord[];
      const sum = (pick: (x: RoundRecord) => number): number => xs.reduce((n, x) => n + pick(x), 0);
      const failures = sumCounts(xs.map((x) => x.failures));
      const attempts = sum((x) => x.attempts);
      return {
        round,
        atMs: Math.max(...xs.map((x) => x.atMs)),
        target: sum((x) => x.target),
        held: sum((x) => x.held),
        settling: sum((x) => x.settling),
        unverified: sum((x) => x.unverified),
        dialing: sum((x) => x.dialing),
        attempts,
        failures,
        failed: proberKinds(failures).length > 0 || roundFailed(plan, { attempts, failures }),
        connectP50Ms: null,
        connectP99Ms: null,
        bytesSent: sum((x) => x.bytesSent ?? 0),
        bytesReceived: sum((x) => x.bytesReceived ?? 0),
      };
    });
}

function sumCounts(counts: readonly FailureCounts[]): FailureCounts {
  const out: Partial<Record<FailureKind, number>> = {};
  for (const c of counts)
    for (const [kind, n] of Object.entries(c) as [FailureKind, number][]) out[kind] = (out[kind] ?? 0) + n;
  return out;
}

function firstEvidence(all: readonly Partial<Record<FailureKind, Evidence>>[]): Partial<Record<FailureKind, Evidence>> {
  const out: Partial<Record<FailureKind, Evidence>> = {};
  for (const e of all) for (const [kind, ev] of Object.entries(e) as [FailureKind, Evidence][]) out[kind] ??= ev;
  return out;
}
