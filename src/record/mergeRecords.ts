import type { RampPlan } from '../config/rampPlan.js';
import { LATENCY_NAMES, type Evidence } from '../fleet/fleetReading.js';
import type { FailureKind } from '../net/errors.js';
import { diagnoseResult } from '../probe/diagnose.js';
import { servedRate } from '../probe/pace.js';
import { proberKinds, verdictFor, type StopReason, type Verdict } from '../probe/rampRules.js';
import type { RampResult } from '../probe/result.js';
import { sumCounts, sumSegments } from './sumSegments.js';
import type { LatencyDistributions } from '../probe/latencyDistributions.js';
import { distributionSummary, mergeDistributions } from '../stats/latencyDistribution.js';
import { recordProblem, whyNotOneRun, whyRunsDiffer, type NamedSegment } from './segmentChecks.js';
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
  /** Where each record was read (a file, or `stdin line 3`), in the order of the records; default: `record N`. */
  readonly names?: readonly string[];
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
  if (runs.length > 1) {
    const [a, b] = runs.map((id) => segments.find((r) => r.segment.runId === id) as SegmentRecord);
    return {
      kind: 'refused',
      problem: `the records come from ${runs.length} different runs (run ids ${runs.join(', ')}): ${whyRunsDiffer(a as SegmentRecord, b as SegmentRecord)}; merge the segments of one run, and if these are one server, give every segment the same --run-id`,
    };
  }
  const count = segments[0]?.segment.count as number;
  if (segments.some((r) => r.segment.count !== count))
    return {
      kind: 'refused',
      problem: 'the records disagree on the number of segments; merge the segments of one run',
    };
  const named: NamedSegment[] = segments.map((record, i) => ({
    record,
    name: options.names?.[i] ?? `record ${i + 1}`,
  }));
  const notOne = whyNotOneRun(named);
  if (notOne) return { kind: 'refused', problem: notOne };
  for (const s of named) {
    const problem = recordProblem(s);
    if (problem) return { kind: 'refused', problem };
  }

  const problems: string[] = [];
  const byIndex = new Map<number, SegmentRecord>();
  for (const r of segments) {
    const index = r.segment.index as number;
    if (byIndex.has(index)) problems.push(`segment ${index}/${count} is there twice; only its first record was used`);
    else byIndex.set(index, r);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  for (const i of missing) problems.push(`segment ${i}/${count} is missing, so the sums are short`);
  for (const [index, r] of byIndex)
    if (r.result.rounds.length === 0)
      problems.push(`segment ${index}/${count} has no round (it ended before its first round), so the sums are short`);
  const parts = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
  const first = parts[0] as SegmentRecord;
  const plan = wholePlan(first);

  const interrupted = parts.filter((r) => r.result.verdict === 'interrupted');
  const settleWaitMs = first.config.settleMs + (first.config.expect === null ? 0 : first.config.expectTimeoutMs);
  const sums = sumSegments(
    parts.map((r) => r.result),
    plan,
    settleWaitMs,
    interrupted.length > 0,
  );
  const { rounds, failing, maximum, maximumAtMs, finalHeld } = sums;

  const proberLimited = parts.filter((r) =>
    r.result.rounds.some((x) => (!failing || x.round <= failing.round) && proberKinds(x.failures).length > 0),
  );
  for (const r of proberLimited)
    problems.push(
      `segment ${r.segment.index}/${count} (host ${r.segment.host ?? 'unknown'}) hit the prober's own limit: ${proberKinds(r.result.failures).join(', ')}`,
    );
  for (const r of interrupted) problems.push(`segment ${r.segment.index}/${count} was interrupted`);

  // A segment that started after the shared --start-at joined at a later round: the rounds before
  // lack its share, and it never catches up (a round dials at most its step). Only a limit found in
  // a round every segment ran stands; anything else is a plan the prober did not run whole.
  const lastJoin = Math.max(...parts.map((r) => r.result.segment?.joinedAtRound ?? 1));
  if (lastJoin > 1 && !(failing && failing.round >= lastJoin))
    for (const r of parts.filter((p) => (p.result.segment?.joinedAtRound ?? 1) > 1))
      problems.push(
        `segment ${r.segment.index}/${count} (host ${r.segment.host ?? 'unknown'}) started after the shared start and joined at round ${r.result.segment?.joinedAtRound}: the rounds before lack its share, so the plan was not run whole; start every segment before --start-at`,
      );

  const gate = options.minConcurrency ?? first.result.gate?.minConcurrency;
  const reason: StopReason = sums.outpaced
    ? 'outpaced'
    : failing
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
    paceChanges: sums.paceChanges,
    servedRate: servedRate(rounds, plan.roundMs),
    lateAnswers: {
      watched: parts.reduce((n, r) => n + (r.result.lateAnswers?.watched ?? 0), 0),
      answered: parts.reduce((n, r) => n + (r.result.lateAnswers?.answered ?? 0), 0),
      delaysMs: parts.flatMap((r) => r.result.lateAnswers?.delaysMs ?? []).slice(0, 200),
    },
    // Percentiles do not add up; distributions do: the segments' HdrHistograms are summed.
    ...mergedLatency(parts.map((r) => r.result.distributions)),
    stopReason: reason,
    verdict,
    exitCode,
    warnings: [...new Set([...parts.flatMap((r) => r.result.warnings), ...problems, ...versionNote(parts)])],
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

/** Returns the run's connect summary and distributions from its segments' distributions (none from older records). */
function mergedLatency(
  all: readonly (LatencyDistributions | undefined)[],
): Pick<RampResult, 'connect' | 'distributions'> {
  const distributions: LatencyDistributions = {};
  for (const name of LATENCY_NAMES) {
    const merged = mergeDistributions(all.map((d) => d?.[name]));
    if (merged) distributions[name] = merged;
  }
  return { connect: distributionSummary(distributions.connect), distributions };
}

/** Returns a note when the segments were measured by different goon-probe versions (they still add up). */
function versionNote(parts: readonly SegmentRecord[]): string[] {
  const versions = [...new Set(parts.map((r) => r.tool.version))];
  return versions.length > 1
    ? [`the segments were measured by different goon-probe versions (${versions.join(', ')}); compare their settings`]
    : [];
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

function firstEvidence(all: readonly Partial<Record<FailureKind, Evidence>>[]): Partial<Record<FailureKind, Evidence>> {
  const out: Partial<Record<FailureKind, Evidence>> = {};
  for (const e of all) for (const [kind, ev] of Object.entries(e) as [FailureKind, Evidence][]) out[kind] ??= ev;
  return out;
}
