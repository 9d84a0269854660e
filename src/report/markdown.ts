import { diagnoseResult } from '../probe/diagnose.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import type { RunRecord } from '../record/runRecord.js';
import { formatDuration } from '../units.js';
import { rampSeries, renderChart } from './chart.js';
import { rampSamples } from './rampSamples.js';
import { mermaidRoundsChart } from './mermaidChart.js';
import {
  latencyCells,
  latencyColumns,
  describeBreaking,
  describeGate,
  describeRecovery,
  describeStop,
  environmentFacts,
  failureRows,
  formatRate,
  paceFacts,
  roundLabel,
  resultLine,
  sustainedTerms,
} from './explain.js';
import { code, escapeCell, escapeText, fenced } from './markdownText.js';
import { capitalise, failureList, minAvgMaxDev, ms } from './format.js';

/** Returns a run record as a Markdown page for a postmortem or a GitHub step summary. */
export function renderMarkdown(record: RunRecord): string {
  const r = record.result;
  const body = r.mode === 'ramp' ? rampSections(r) : fixedSections(r);
  return `${[...body, ...failureSection(r), ...environmentSection(record), ...reproduceSection(record, r)].join('\n')}\n`;
}

function rampSections(r: RampResult): string[] {
  const s = r.settings;
  const gate = describeGate(r);
  const samples = rampSamples(r);
  const settled = samples.at(-1)?.round === null ? samples.at(-1) : undefined;
  const chart = renderChart(rampSeries(samples), { width: 80, color: false });
  return [
    `# ${code(r.target)} sustains ${r.maximum} concurrent connections`,
    '',
    `**Maximum sustainable concurrency: ${r.maximum}** · verdict \`${r.verdict}\` · exit ${r.exitCode}`,
    '',
    '| Result | Value |',
    '|---|---|',
    `| Target | ${code(r.target)} (dialed ${code(r.dialed)}) |`,
    `| Verdict | \`${r.verdict}\`: ${escapeCell(describeStop(r))} |`,
    ...(gate ? [`| Gate | ${escapeCell(gate)} |`] : []),
    `| Breaking point | ${escapeCell(describeBreaking(r))} |`,
    ...(describeRecovery(r) ? [`| Recovered | ${escapeCell(describeRecovery(r) as string)} |`] : []),
    `| Held at the maximum | ${r.maximum}, at ${formatDuration(r.maximumAtMs)} |`,
    ...paceFacts(r).map((f) => `| ${f.term} | ${escapeCell(f.text)} |`),
    ...(r.firstPass
      ? [
          `| Refined | first pass at ${formatRate(r.firstPass.ratePerSec)}: ${r.firstPass.maximum}; second pass from ${s.from} at ${formatRate(s.ratePerSec)}: ${r.maximum} (${r.maximum === r.firstPass.maximum ? 'confirmed' : 'differs; the second pass is reported'}) |`,
        ]
      : []),
    `| Connect latency | ${r.connect ? `p50 ${ms(r.connect.p50)}, p90 ${ms(r.connect.p90)}, p99 ${ms(r.connect.p99)}, max ${ms(r.connect.max)}` : 'n/a'} |`,
    '',
    '## How "sustained" was defined',
    '',
    ...sustainedTerms(r).map((t) => `- **${t.term}:** ${escapeText(t.text)}.`),
    ...r.warnings.map((w) => `\n> **Warning:** ${escapeText(w)}`),
    '',
    '## Rounds',
    '',
    `| round | time | target | held | settling | unverified | dialing | served | failures | connect p50 | connect p99 |${latencyColumns(
      r,
    )
      .map((c) => ` ${escapeCell(c)} |`)
      .join('')}`,
    `|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|${latencyColumns(r)
      .map(() => '---:|')
      .join('')}`,
    ...r.rounds.map(
      (x) =>
        `| ${roundLabel(x)} | ${formatDuration(x.atMs)} | ${x.target} | ${x.held} | ${x.settling} | ${x.unverified} | ${x.dialing} | ${x.served ?? '-'} | ${failureList(x.failures)} | ${x.connectP50Ms === null ? '-' : ms(x.connectP50Ms)} | ${x.connectP99Ms === null ? '-' : ms(x.connectP99Ms)} |${latencyCells(
          r,
          x,
        )
          .map((c) => ` ${c} |`)
          .join('')}`,
    ),
    ...(settled
      ? [
          `| end (settled) | ${formatDuration(settled.atMs)} | ${settled.target} | ${settled.held} | - | - | - | - | - | - | - |${latencyColumns(
            r,
          )
            .map(() => ' - |')
            .join('')}`,
        ]
      : []),
    ...searchSection(r),
    ...(r.rounds.some((x) => x.failed) ? ['', '✗ marks a failed round.'] : []),
    '',
    '## Chart',
    '',
    ...(r.rounds.length > 0 ? [mermaidRoundsChart(samples), ''] : []),
    'Without Mermaid: held (solid) and target (dotted) connections over time.',
    '',
    '```text',
    chart || '(no rounds)',
    '```',
    '',
    ...diagnosisSection(r),
  ];
}

function searchSection(r: RampResult): string[] {
  const o = r.objectives;
  if (!o || o.search.length === 0) return [];
  return [
    '',
    '### Search for the exact count',
    '',
    `An objective broke in round ${o.broke?.round} with ${o.broke?.established} open. Each level below was set (shedding the newest connections, or opening more and waiting until they were held), left to steady, then measured.`,
    '',
    `| level | held | time | ${o.objectives.map(escapeCell).join(' | ')} | failures | objectives |`,
    `|---:|---:|---:|${o.objectives.map(() => '---:|').join('')}---|---|`,
    ...o.search.map(
      (step) =>
        `| ${step.level} | ${step.held} | ${formatDuration(step.atMs)} | ${latencyCells(r, { objectives: step.readings }).join(' | ')} | ${failureList(step.failures)} | ${step.met ? 'met' : 'broke'} |`,
    ),
  ];
}

function diagnosisSection(r: RampResult | FixedResult): string[] {
  const d = diagnoseResult(r);
  const side =
    d.side === 'prober' ? "the prober's own limit" : d.side === 'target' ? "the target's limit" : 'no limit reached';
  return [
    '## Diagnosis',
    '',
    ...(r.mode === 'ramp' ? [`${capitalise(escapeText(describeStop(r)))}.`, ''] : []),
    `**${capitalise(side)}:** ${escapeText(d.cause)}.`,
    '',
    'Look at:',
    '',
    ...d.lookAt.map((knob) => `- ${escapeText(knob)}`),
  ];
}

function fixedSections(r: FixedResult): string[] {
  const s = r.status;
  return [
    `# ${code(r.target)}: ${s.established} of ${s.total} connections established`,
    '',
    `**${r.interrupted ? 'Interrupted' : r.exitCode === 0 ? 'All established' : 'Not all established'}** · fixed mode · exit ${r.exitCode}`,
    '',
    '| Total | Dialing | Established | Closed | Error | NotInitiated |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${s.total} | ${s.dialing} | ${s.established} | ${s.closed} | ${s.error} | ${s.notInitiated} |`,
    '',
    `- Target ${code(r.target)}, dialed ${code(r.dialed)}`,
    `- Established ${r.totalEstablished} in total, ${r.maxConcurrent} at most at once`,
    `- Connect time ${minAvgMaxDev(r.connect)}`,
    `- Time to error ${minAvgMaxDev(r.timeToError)}`,
    ...(r.exitCode === 0 ? [] : ['', ...diagnosisSection(r)]),
  ];
}

function failureSection(r: RampResult | FixedResult): string[] {
  const rows = failureRows(r);
  if (rows.length === 0) return ['', '## Failures', '', 'None.'];
  return [
    '',
    '## Failures',
    '',
    '| kind | count | side | first evidence |',
    '|---|---:|---|---|',
    ...rows.map((f) => {
      const evidence = [
        f.message ? `error ${code(f.message)}` : '',
        f.bytes ? `server sent ${code(JSON.stringify(f.bytes))}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      return `| \`${f.kind}\` | ${f.count} | ${f.side} | ${evidence || '-'} |`;
    }),
  ];
}

function environmentSection(record: RunRecord): string[] {
  return [
    '',
    '## Environment',
    '',
    '| Prober | Value |',
    '|---|---|',
    ...environmentFacts(record).map(([label, value]) => `| ${label} | ${escapeCell(value)} |`),
  ];
}

function reproduceSection(record: RunRecord, r: RampResult | FixedResult): string[] {
  return ['', '## Reproduce', '', ...fenced('sh', [record.command.line]), '', resultLine(r)];
}
