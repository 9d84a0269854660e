import type { RampResult } from '../probe/result.js';
import { diagnoseResult } from '../probe/diagnose.js';
import { formatDuration } from '../units.js';
import { rampSeries, renderChart } from './chart.js';
import { rampSamples } from './rampSamples.js';
import {
  latencyCells,
  latencyColumns,
  describeBreaking,
  describeGate,
  describeRamp,
  describeRecovery,
  describeStop,
  describeVerification,
  formatRate,
  paceFacts,
} from './explain.js';
import { diagnosisLines, evidenceLines, failureList, ms } from './format.js';
import { trafficLines } from './trafficText.js';

/** Returns the end-of-run text report of a ramp: chart, maximum, breaking point, verdict. */
export function renderRampReport(r: RampResult, options: { width: number; color: boolean }): string {
  const s = r.settings;
  const chart = renderChart(rampSeries(rampSamples(r)), options);
  const gate = describeGate(r);
  const recovery = describeRecovery(r);
  const lines = [
    '',
    `--- ${r.target} capacity probe (dialed ${r.dialed}) ---`,
    ...(chart ? [chart] : []),
    '',
    `Maximum sustainable concurrency: ${r.maximum} (held at once, at ${formatDuration(r.maximumAtMs)})`,
    `Verdict: ${r.verdict} (${describeStop(r)})`,
    ...(gate ? [`Gate: ${gate}`] : []),
    `Breaking point: ${describeBreaking(r)}`,
    ...(recovery ? [`Recovered: ${recovery}`] : []),
    `Ramp: ${describeRamp(r)}`,
    ...paceFacts(r).map((f) => `${f.term}: ${f.text}`),
    ...(r.firstPass
      ? [
          `Refined: first pass at ${formatRate(r.firstPass.ratePerSec)} found ${r.firstPass.maximum}; this pass, from ${s.from} at ${formatRate(s.ratePerSec)}, found ${r.maximum}: ${r.maximum === r.firstPass.maximum ? 'confirmed' : 'differs; the slower pass is reported'}`,
        ]
      : []),
    `Sustained means: ${describeVerification(r)}, then open for ${formatDuration(s.settleMs)}; a round fails above ${s.threshold} failures${r.objectives ? ` or when it breaks ${r.objectives.objectives.join(', ')}` : ''}${s.heartbeatMs ? `; held connections heartbeat every ${formatDuration(s.heartbeatMs)}` : ''}`,
    ...objectiveLines(r),
    `Connect latency: ${r.connect ? `p50 ${ms(r.connect.p50)}, p90 ${ms(r.connect.p90)}, p99 ${ms(r.connect.p99)}, max ${ms(r.connect.max)}` : 'n/a'}`,
    ...trafficLines(r.traffic, { connect: false }),
    `Failures in all: ${failureList(r.failures)}${r.droppedHeld > 0 ? `; ${r.droppedHeld} held connections dropped` : ''}`,
    ...evidenceLines(r.failures, r.evidence),
    ...diagnosisLines(diagnoseResult(r)),
    ...r.warnings.map((w) => `Warning: ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Returns, with --slo, each round's objective values (✗ where one broke) and the search's levels. */
function objectiveLines(r: RampResult): string[] {
  const o = r.objectives;
  if (!o) return [];
  const head = ['round', 'held', ...latencyColumns(r)];
  const rows = r.rounds.map((x) => [String(x.round), String(x.held), ...latencyCells(r, x)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [
    'Objectives per round:',
    line(head),
    ...rows.map(line),
    ...(o.search.length > 0
      ? [
          `Search: ${o.search
            .map(
              (step) =>
                `${step.level} ${step.met ? 'met' : 'broke'} (${latencyCells(r, { objectives: step.readings }).join(', ')})`,
            )
            .join(' · ')}`,
        ]
      : []),
  ];
}
