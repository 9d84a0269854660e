import { objectiveParts } from '../config/objectives.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import { FAILURE_KINDS, isProberKind, type FailureKind } from '../net/errors.js';
import { formatDuration } from '../units.js';
import { failureList as failureText, ms as formatMs } from './format.js';
import type { RunRecord } from '../record/runRecord.js';

/** Returns why a ramp run stopped and what its maximum means, in one clause. */
export function describeStop(r: RampResult): string {
  if (r.verdict === 'not-served')
    return r.heartbeatsAnswered === 0
      ? 'no heartbeat was ever answered with its expected reply, so no held connection was shown to be served: there is no capacity to report'
      : 'no connection was ever held as served, so there is no capacity to report';
  if (r.verdict === 'inconclusive' && r.hold?.brokeAtRound) return describeBrokenHold(r);
  if (r.verdict === 'inconclusive' && r.targetGone)
    return `the target went away: all ${r.targetGone.held} held connections dropped at once${r.targetGone.refused ? ' and new ones were refused' : ''} (it died or restarted), which is no limit it enforces; inconclusive`;
  // A merge of segments can be inconclusive or prober-limited whatever round failed: say why.
  if (r.verdict === 'inconclusive' && !r.sourceRejection)
    return `the segments do not add up to one whole run (${r.warnings.at(-1) ?? 'see the warnings'}); inconclusive`;
  if (r.verdict === 'inconclusive')
    return "some source addresses were turned away while others were served: the prober's setup, not the target's capacity; inconclusive";
  if (r.verdict === 'prober-limited' && r.stopReason !== 'prober-limit')
    return "a segment hit the prober's own limit (named in the warnings), so the sum is not the target's; inconclusive";
  switch (r.stopReason) {
    case 'round-failed':
      return r.objectives?.broke
        ? "a round broke a latency objective on the target's side; the maximum is the most held while every objective was met"
        : "a round failed on the target's side; the maximum is the target's";
    case 'prober-limit':
      return 'the prober hit its own limit first; the result is inconclusive';
    case 'outpaced':
      return describeOutpaced(r);
    case 'max-duration':
      return `--max-duration reached; the target sustains at least ${r.maximum}${describeRest(r)}`;
    case 'max-connections':
      return r.hold
        ? `--max-connections held, and kept for the ${formatDuration(r.hold.ms)} --hold; the target sustains at least ${r.maximum} for that long`
        : `--max-connections held; the target sustains at least ${r.maximum}`;
    case 'gate-met':
      return 'the --min-concurrency gate was held';
    case 'interrupted':
      return 'interrupted; the report covers what was measured';
  }
}

/** Returns the verdict clause of a --hold that a failing round ended. */
function describeBrokenHold(r: RampResult): string {
  const hold = r.hold as NonNullable<RampResult['hold']>;
  const heldMs = ((hold.brokeAtRound ?? hold.fromRound) - hold.fromRound) * r.settings.roundMs;
  return `${r.maximum} were held for ${formatDuration(heldMs)} of the ${formatDuration(hold.ms)} --hold, then round ${hold.brokeAtRound} failed: ${r.maximum} is not sustained that long, and how many would be was not measured; inconclusive`;
}

/** Returns the verdict clause of a run that the target's pace stopped (--no-adapt). */
function describeOutpaced(r: RampResult): string {
  const rate = r.servedRate?.perSec ?? 0;
  const slower = Math.max(1, Math.floor(rate * 0.8));
  return `the target serves about ${formatRate(rate)} new connections, slower than --ramp ${formatRate(r.settings.ratePerSec)}; ${r.maximum} were held and its concurrency limit was not reached; rerun with --ramp ${formatRate(slower)} (or without --no-adapt); inconclusive`;
}

/**
 * Returns, for a run that had to slow down and ran out of time, how far the rest would take at the
 * target's pace; empty otherwise.
 */
function describeRest(r: RampResult): string {
  const last = r.paceChanges?.at(-1);
  if (!last) return '';
  const per = last.toPerSec;
  const most = r.settings.maxConnections;
  const rest =
    most !== null && most > r.maximum
      ? `reaching --max-connections ${most} would take about ${formatDuration(Math.ceil(((most - r.maximum) / per) * 1000))} more`
      : `each further 1000 connections take about ${formatDuration(Math.ceil((1000 / per) * 1000))}`;
  const served = r.servedRate ? ` (it serves about ${formatRate(r.servedRate.perSec)} new connections)` : '';
  return `; the ramp slowed to ${formatRate(per)} to keep pace with the target${served}: at that pace ${rest}; give it a longer --max-duration`;
}

/** Returns the target's rate of new connections served, against the ramp's, or null when not measured. */
export function describeServed(r: RampResult): string | null {
  const rate = r.servedRate;
  if (!rate) return null;
  const asked = formatRate(r.settings.ratePerSec);
  if (!rate.keptUp) return `about ${formatRate(rate.perSec)} (the ramp asked for ${asked})`;
  return rate.perSec >= 0.9 * r.settings.ratePerSec
    ? `up to ${formatRate(rate.perSec)}, as fast as the ramp asked (${asked}): it kept up`
    : `up to ${formatRate(rate.perSec)} in a round (the ramp asked for ${asked}); none timed out waiting for its turn, so it kept up`;
}

/** Returns every change of the ramp's pace in words, or null when it never slowed down. */
export function describePaceChanges(r: RampResult): string | null {
  const changes = r.paceChanges ?? [];
  if (changes.length === 0) return null;
  return changes
    .map(
      (c) =>
        `ramp ${formatRate(c.fromPerSec)} -> ${formatRate(c.toPerSec)} at round ${c.round}: the target served ${formatRate(c.servedPerSec)} new connections with ${c.held} held, so that round was no limit`,
    )
    .join('; ');
}

/**
 * Returns how fast the target took on new connections, where the ramp slowed down to it, and what
 * the timed-out connections kept listening saw, as terms every report format states alike.
 */
export function paceFacts(r: RampResult): { term: string; text: string }[] {
  const served = describeServed(r);
  const changes = describePaceChanges(r);
  const late = describeLateAnswers(r);
  return [
    ...(served ? [{ term: 'New connections served', text: served }] : []),
    ...(changes ? [{ term: 'Pace', text: changes }] : []),
    ...(late ? [{ term: 'Late answers', text: late }] : []),
  ];
}

/** Returns what became of timed-out connections kept listening, or null when none was. */
export function describeLateAnswers(r: Pick<RampResult, 'lateAnswers'>): string | null {
  const late = r.lateAnswers;
  if (!late || late.watched === 0) return null;
  const sorted = [...late.delaysMs].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return late.answered === 0
    ? `none of ${late.watched} timed-out connections kept listening was answered later: the target was not merely slow`
    : `${late.answered} of ${late.watched} timed-out connections were answered late${median === undefined ? '' : `, median ${formatDuration(median)} after the timeout`}: the target was slow, not (only) full`;
}

/** Returns a round's label in a table: its number, ✗ when it failed, and how the pace treated it. */
export function roundLabel(x: { round: number; failed: boolean; outpaced?: boolean; draining?: boolean }): string {
  return `${x.round}${x.failed ? ' ✗' : ''}${x.outpaced ? ' (outpaced)' : x.draining ? ' (held still)' : ''}`;
}

/** Returns how a connection was verified as served in this run. */
export function describeVerification(r: RampResult): string {
  const { expect, send } = r.settings;
  if (expect === null) return 'open counts as served (no --expect)';
  // A URL target's expect is the protocol's own words: `Redis: PING answered +PONG, …`.
  if (r.settings.protocol) return `the protocol says served (${expect.replace(/`/g, '')})`;
  return `reply contains ${JSON.stringify(expect)}${send === null ? ' (server speaks first)' : ` after sending ${JSON.stringify(send)}`}`;
}

/** Returns the gate's outcome, or null without a gate. */
export function describeGate(r: RampResult): string | null {
  if (!r.gate) return null;
  const { minConcurrency, met } = r.gate;
  if (r.verdict === 'prober-limited')
    return `--min-concurrency ${minConcurrency} inconclusive: the prober's own limit came first (held ${r.maximum})`;
  if (r.verdict === 'inconclusive' && r.hold?.brokeAtRound)
    return `--min-concurrency ${minConcurrency} inconclusive: ${r.maximum} were not held for the whole --hold`;
  if (r.verdict === 'inconclusive')
    return `--min-concurrency ${minConcurrency} inconclusive: some source addresses were turned away (held ${r.maximum})`;
  if (r.verdict === 'not-served') return `--min-concurrency ${minConcurrency} FAILED: nothing was served`;
  if (r.verdict === 'interrupted')
    return `--min-concurrency ${minConcurrency} not decided: interrupted (held ${r.maximum})`;
  return met
    ? `--min-concurrency ${minConcurrency} passed (held ${r.maximum})`
    : `--min-concurrency ${minConcurrency} FAILED: the maximum ${r.maximum} is below it`;
}

/**
 * Returns the breaking point in words: the first failing round, its target, and what failed there
 * (the objective and its value, or the failures), or `none reached`.
 */
export function describeBreaking(r: RampResult): string {
  if (!r.breakingPoint) return 'none reached';
  const at = `round ${r.breakingPoint.round}, target ${r.breakingPoint.target}`;
  const broke = r.objectives?.broke;
  if (broke && broke.round === r.breakingPoint.round && broke.reading.valueMs !== null) {
    const [name, bound] = objectiveParts(broke.reading.objective);
    return `${at}, ${name} ${formatMs(broke.reading.valueMs)} > ${bound} with ${broke.established} open`;
  }
  return `${at}, failures ${failureText(r.breakingPoint.failures)}`;
}

/** Returns where every objective held again after one broke (the search's answer), or null without one. */
export function describeRecovery(r: RampResult): string | null {
  const o = r.objectives;
  if (!o?.broke || o.recoveredAt === null) return null;
  const met = o.search.filter((step) => step.met).length;
  return `every objective met again at ${o.recoveredAt} held (a search of ${o.search.length} levels, ${met} met; the maximum is this count, not a multiple of the ramp step)`;
}

/** Returns a rate as `100/s`. */
export function formatRate(perSec: number): string {
  return `${Number(perSec.toFixed(1))}/s`;
}

/** Returns the ramp's plan and pace in one line. */
export function describeRamp(r: RampResult): string {
  const s = r.settings;
  return `requested ${formatRate(s.ratePerSec)}, achieved ${formatRate(r.achievedRatePerSec)} in ${r.rounds.length} rounds of ${formatDuration(s.roundMs)} over ${formatDuration(r.durationMs)}`;
}

/**
 * Returns the last line of any run: the number, the verdict and the exit code, which is the
 * result's own unless the process exits with another (an output that could not be written).
 */
export function resultLine(result: RampResult | FixedResult, exitCode = result.exitCode): string {
  if (result.mode === 'fixed') {
    const verdict = result.interrupted
      ? 'interrupted'
      : result.exitCode === 3
        ? "inconclusive (the prober's own limit or setup)"
        : result.exitCode === 0
          ? 'all established'
          : 'not all established';
    const never = result.neverOpened ? `, ${result.neverOpened} never opened` : '';
    return `Result: established ${result.status.established} of ${result.status.total}${never}, ${verdict}, exit ${exitCode}`;
  }
  return `Result: maximum sustainable concurrency ${result.maximum}, verdict ${result.verdict}, exit ${exitCode}`;
}

/** Returns what "sustained" meant in a ramp run, term by term, as plain text for every report format. */
export function sustainedTerms(r: RampResult): { term: string; text: string }[] {
  const s = r.settings;
  return [
    {
      term: 'Served',
      text:
        s.expect === null
          ? 'an open connection counts as served (no --expect)'
          : s.protocol
            ? `${s.expect.replace(/`/g, '')}`
            : `a reply contains ${JSON.stringify(s.expect)}${s.send === null ? ' (the server speaks first)' : ` after sending ${JSON.stringify(s.send)}`}`,
    },
    {
      term: 'Held',
      text: `served, then still open after ${formatDuration(s.settleMs)} (--settle). Connections the target accepts and then closes never count`,
    },
    {
      term: 'Round failure',
      text: `more than ${s.threshold} of a round's attempts failed (dial errors, drops of open connections, failed verification)`,
    },
    {
      term: 'Ramp',
      text: `${describeRamp(r)}; at most ${s.maxInflight} dials in flight; closed connections ${s.reopen ? 'reopened' : 'not reopened (--no-reopen)'}`,
    },
    ...(s.heartbeatMs
      ? [
          {
            term: 'Heartbeat',
            text: `every held connection sends ${s.send === null ? 'its heartbeat' : JSON.stringify(s.send)} again every ${formatDuration(s.heartbeatMs)}, spread over the fleet, and must see its reply within --expect-timeout, or it is stale (a failure)`,
          },
        ]
      : []),
    ...(r.objectives
      ? [
          {
            term: 'Latency objectives',
            text: `${r.objectives.objectives.join(', ')}, on each round's own samples; a round that breaks one fails, and a search down from there finds the exact count at which every objective holds again`,
          },
        ]
      : []),
    {
      term: 'Maximum',
      text: r.objectives
        ? 'the most connections held at one moment while every objective was met: an exact count'
        : 'the most connections held at one moment, sampled at round ends and after a final settle: an exact count',
    },
  ];
}

/** Returns the prober's environment of a run as label and value pairs, plain text. */
export function environmentFacts(record: RunRecord): [string, string][] {
  const e = record.environment;
  const fd = e.fdLimit ? `soft ${e.fdLimit.soft ?? 'unlimited'}, hard ${e.fdLimit.hard ?? 'unlimited'}` : 'unknown';
  const ports = e.ephemeralPorts
    ? `${e.ephemeralPorts.low}–${e.ephemeralPorts.high} (${e.ephemeralPorts.high - e.ephemeralPorts.low + 1} ports)`
    : 'unknown';
  return [
    ['goon-probe', record.tool.version],
    ['Node', e.node],
    ['OS', `${e.os}, ${e.cpus} CPUs`],
    ['Open files', fd],
    ['Ephemeral ports', ports],
    ['Source addresses', e.sourceAddresses.length > 0 ? e.sourceAddresses.join(', ') : 'none seen'],
    ...(record.config.engine
      ? [
          [
            'Engine',
            `${record.config.engine.name === 'native' ? 'native' : 'TypeScript'} (${record.config.engine.why})`,
          ] as [string, string],
        ]
      : []),
    ['Run', `${record.startedAt} to ${record.endedAt}`],
  ];
}

/** One failure kind of a run: how many, whose side, and the first evidence. */
export interface FailureRow {
  readonly kind: FailureKind;
  readonly count: number;
  readonly side: 'prober' | 'target';
  readonly message?: string;
  readonly bytes?: string;
}

/** Returns the failure kinds a run met, in report order, with their first evidence. */
export function failureRows(r: RampResult | FixedResult): FailureRow[] {
  return FAILURE_KINDS.filter((k) => (r.failures[k] ?? 0) > 0).map((kind) => {
    const e = r.evidence[kind] ?? {};
    return {
      kind,
      count: r.failures[kind] ?? 0,
      side: isProberKind(kind) ? 'prober' : 'target',
      ...(e.message ? { message: e.message } : {}),
      ...(e.bytes ? { bytes: e.bytes } : {}),
    };
  });
}

/** Returns the table headers of a run's objectives (`heartbeat p99 < 100ms`), or of its heartbeat percentiles; empty without either. */
export function latencyColumns(r: RampResult): string[] {
  if (r.objectives) return [...r.objectives.objectives];
  return r.settings.heartbeatMs ? ['heartbeat p50', 'heartbeat p99'] : [];
}

/** Returns a round's cells under `latencyColumns`: each objective's value (✗ when it broke), or the heartbeat percentiles. */
export function latencyCells(
  r: RampResult,
  x: {
    objectives?: readonly { valueMs: number | null; met: boolean }[];
    heartbeatP50Ms?: number | null;
    heartbeatP99Ms?: number | null;
  },
): string[] {
  const cell = (v: number | null | undefined, met = true): string =>
    v === null || v === undefined ? '-' : `${formatMs(v)}${met ? '' : ' ✗'}`;
  if (r.objectives) return (x.objectives ?? []).map((o) => cell(o.valueMs, o.met));
  return r.settings.heartbeatMs ? [cell(x.heartbeatP50Ms), cell(x.heartbeatP99Ms)] : [];
}
