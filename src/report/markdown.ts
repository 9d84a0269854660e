import { FAILURE_KINDS, isProberKind } from '../net/errors.js';
import { diagnoseResult } from '../probe/diagnose.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import type { RunRecord } from './runRecord.js';
import { formatDuration } from '../units.js';
import { renderChart } from './chart.js';
import { mermaidRoundsChart } from './mermaidChart.js';
import { describeGate, describeRamp, describeStop, formatRate, resultLine } from './explain.js';
import { failureList, minAvgMaxDev, ms } from './format.js';

/** Returns a run record as a Markdown page for a postmortem or a GitHub step summary. */
export function renderMarkdown(record: RunRecord): string {
  const r = record.result;
  const body = r.mode === 'ramp' ? rampSections(r) : fixedSections(r);
  return `${[...body, ...failureSection(r), ...environmentSection(record), ...reproduceSection(record, r)].join('\n')}\n`;
}

function rampSections(r: RampResult): string[] {
  const s = r.settings;
  const gate = describeGate(r);
  const chart = renderChart(
    r.rounds.map((x) => x.target),
    r.rounds.map((x) => x.held),
    { width: 80, color: false },
  );
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
    `| Breaking point | ${r.breakingPoint ? `round ${r.breakingPoint.round}, target ${r.breakingPoint.target}: ${failureList(r.breakingPoint.failures)}` : 'none reached'} |`,
    `| Held at the maximum | ${r.maximum}, at ${formatDuration(r.maximumAtMs)} |`,
    ...(r.firstPass
      ? [
          `| Refined | first pass at ${formatRate(r.firstPass.ratePerSec)}: ${r.firstPass.maximum}; second pass from ${s.from} at ${formatRate(s.ratePerSec)}: ${r.maximum} (${r.maximum === r.firstPass.maximum ? 'confirmed' : 'differs; the second pass is reported'}) |`,
        ]
      : []),
    `| Connect latency | ${r.connect ? `p50 ${ms(r.connect.p50)}, p90 ${ms(r.connect.p90)}, p99 ${ms(r.connect.p99)}, max ${ms(r.connect.max)}` : 'n/a'} |`,
    '',
    '## How "sustained" was defined',
    '',
    `- **Served:** ${s.expect === null ? 'an open connection counts as served (no `--expect`)' : `a reply contains ${code(JSON.stringify(s.expect))}${s.send === null ? ' (the server speaks first)' : ` after sending ${code(JSON.stringify(s.send))}`}`}.`,
    `- **Held:** served, then still open after ${formatDuration(s.settleMs)} (\`--settle\`). Connections the target accepts and then closes never count.`,
    `- **Round failure:** more than ${s.threshold} of a round's attempts failed (dial errors, drops of open connections, failed verification).`,
    `- **Ramp:** ${describeRamp(r)}; at most ${s.maxInflight} dials in flight; closed connections ${s.reopen ? 'reopened' : 'not reopened (--no-reopen)'}.`,
    '- **Maximum:** the most connections held at one moment, sampled at round ends and after a final settle: an exact count.',
    ...r.warnings.map((w) => `\n> **Warning:** ${escapeText(w)}`),
    '',
    '## Rounds',
    '',
    '| round | time | target | held | settling | unverified | dialing | failures | connect p50 | connect p99 |',
    '|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    ...r.rounds.map(
      (x) =>
        `| ${x.round}${x.failed ? ' ✗' : ''} | ${formatDuration(x.atMs)} | ${x.target} | ${x.held} | ${x.settling} | ${x.unverified} | ${x.dialing} | ${failureList(x.failures)} | ${x.connectP50Ms === null ? '-' : ms(x.connectP50Ms)} | ${x.connectP99Ms === null ? '-' : ms(x.connectP99Ms)} |`,
    ),
    ...(r.rounds.some((x) => x.failed) ? ['', '✗ marks a failed round.'] : []),
    '',
    '## Chart',
    '',
    ...(r.rounds.length > 0 ? [mermaidRoundsChart(r.rounds), ''] : []),
    'Without Mermaid: target (first line) and held (second line) connections per round.',
    '',
    '```text',
    chart || '(no rounds)',
    '```',
    '',
    ...diagnosisSection(r),
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
  const kinds = FAILURE_KINDS.filter((k) => (r.failures[k] ?? 0) > 0);
  if (kinds.length === 0) return ['', '## Failures', '', 'None.'];
  return [
    '',
    '## Failures',
    '',
    '| kind | count | side | first evidence |',
    '|---|---:|---|---|',
    ...kinds.map((k) => {
      const e = r.evidence[k] ?? {};
      const evidence = [
        e.message ? `error ${code(e.message)}` : '',
        e.bytes ? `server sent ${code(JSON.stringify(e.bytes))}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      return `| \`${k}\` | ${r.failures[k]} | ${isProberKind(k) ? 'prober' : 'target'} | ${evidence || '-'} |`;
    }),
  ];
}

function environmentSection(record: RunRecord): string[] {
  const e = record.environment;
  const fd = e.fdLimit ? `soft ${e.fdLimit.soft ?? 'unlimited'}, hard ${e.fdLimit.hard ?? 'unlimited'}` : 'unknown';
  const ports = e.ephemeralPorts
    ? `${e.ephemeralPorts.low}–${e.ephemeralPorts.high} (${e.ephemeralPorts.high - e.ephemeralPorts.low + 1} ports)`
    : 'unknown';
  return [
    '',
    '## Environment',
    '',
    '| Prober | Value |',
    '|---|---|',
    `| goon-probe | ${record.tool.version} |`,
    `| Node | ${e.node} |`,
    `| OS | ${escapeCell(e.os)}, ${e.cpus} CPUs |`,
    `| Open files | ${fd} |`,
    `| Ephemeral ports | ${ports} |`,
    `| Source addresses | ${e.sourceAddresses.length > 0 ? e.sourceAddresses.map(code).join(', ') : 'none seen'} |`,
    `| Run | ${record.startedAt} to ${record.endedAt} |`,
  ];
}

function reproduceSection(record: RunRecord, r: RampResult | FixedResult): string[] {
  return ['', '## Reproduce', '', '```sh', record.command.line, '```', '', resultLine(r)];
}

/** Returns text as an inline code span that survives a table cell. */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeCell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|');
}

function escapeText(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, '\\$1');
}
