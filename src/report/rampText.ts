import type { RampResult } from '../result.js';
import { formatDuration } from '../units.js';
import { renderChart } from './chart.js';
import { evidenceLines, failureList, ms } from './format.js';

/** Returns the end-of-run text report of a ramp: chart, maximum, breaking point, verdict. */
export function renderRampReport(r: RampResult, options: { width: number; color: boolean }): string {
  const s = r.settings;
  const chart = renderChart(r.rounds.map((x) => x.target), r.rounds.map((x) => x.held), options);
  const verification = s.expect === null ? 'open counts as served (no --expect)' : `reply contains ${JSON.stringify(s.expect)}${s.send === null ? ' (server speaks first)' : ` after sending ${JSON.stringify(s.send)}`}`;
  const lines = [
    '',
    `--- ${r.target} capacity probe (dialed ${r.dialed}) ---`,
    ...(chart ? [chart, `  target (${options.color ? 'blue' : 'first line'}) and held (${options.color ? 'green' : 'second line'}) per round`] : []),
    '',
    `Maximum sustainable concurrency: ${r.maximum} (held at once, at ${formatDuration(r.maximumAtMs)})`,
    `Verdict: ${r.verdict} (${describeStop(r)})`,
    r.breakingPoint
      ? `Breaking point: round ${r.breakingPoint.round}, target ${r.breakingPoint.target}, failures ${failureList(r.breakingPoint.failures)}`
      : 'Breaking point: none reached',
    `Ramp: requested ${rate(s.ratePerSec)}, achieved ${rate(r.achievedRatePerSec)} in ${r.rounds.length} rounds of ${formatDuration(s.roundMs)} over ${formatDuration(r.durationMs)}`,
    `Sustained means: ${verification}, then open for ${formatDuration(s.settleMs)}; a round fails above ${s.threshold} failures`,
    `Connect latency: ${r.connect ? `p50 ${ms(r.connect.p50)}, p90 ${ms(r.connect.p90)}, p99 ${ms(r.connect.p99)}, max ${ms(r.connect.max)}` : 'n/a'}`,
    `Failures in all: ${failureList(r.failures)}${r.droppedHeld > 0 ? `; ${r.droppedHeld} held connections dropped` : ''}`,
    ...evidenceLines(r.failures, r.evidence),
    ...r.warnings.map((w) => `Warning: ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}

function rate(perSec: number): string {
  return `${Number(perSec.toFixed(1))}/s`;
}

function describeStop(r: RampResult): string {
  switch (r.stopReason) {
    case 'round-failed':
      return 'a round failed on the target\'s side; the maximum is the target\'s';
    case 'prober-limit':
      return 'the prober hit its own limit first; the result is inconclusive';
    case 'max-duration':
      return `--max-duration reached; the target sustains at least ${r.maximum}`;
    case 'max-connections':
      return `--max-connections held; the target sustains at least ${r.maximum}`;
    case 'gate-met':
      return 'the --min-concurrency gate was held';
    case 'interrupted':
      return 'interrupted; the report covers what was measured';
  }
}
