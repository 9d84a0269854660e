import { diagnoseResult } from '../probe/diagnose.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import { formatDuration } from '../units.js';
import {
  describeBreaking,
  describeRecovery,
  latencyCells,
  latencyColumns,
  describeGate,
  describeStop,
  environmentFacts,
  failureRows,
  formatRate,
  paceFacts,
  roundLabel,
  resultLine,
  sustainedTerms,
} from './explain.js';
import { capitalise, failureList, minAvgMaxDev, ms } from './format.js';
import { esc, htmlChart, htmlPage, htmlStat, htmlTable } from './htmlPage.js';
import type { RunRecord } from '../record/runRecord.js';
import { rampSamples } from './rampSamples.js';
import { connectLatencyChart, failuresChart, heldOverTimeChart, objectivesChart, trafficChart } from './svgCharts.js';

/**
 * Returns a run record as one self-contained HTML page (`--html`, `report --format html`): the
 * headline, how "sustained" was defined, charts, the rounds, failures with evidence, the diagnosis,
 * the environment and the command that reproduces the run.
 */
export function renderHtml(record: RunRecord): string {
  const r = record.result;
  const body = r.mode === 'ramp' ? rampBody(r) : fixedBody(r);
  const title =
    r.mode === 'ramp'
      ? `${r.target}: maximum sustainable concurrency ${r.maximum}`
      : `${r.target}: ${r.status.established} of ${r.status.total} established`;
  return htmlPage(
    title,
    [
      ...body,
      ...failureSection(r),
      ...diagnosisSection(r),
      ...environmentSection(record),
      ...reproduce(record, r),
    ].join('\n'),
    `goon-probe ${record.tool.version} · run record schema ${record.schemaVersion} · rendered from the run's JSON record`,
  );
}

/** Returns how an exit code reads: 0 fine, 3 unsure (inconclusive), anything else bad. */
export function exitTone(exitCode: number): 'ok' | 'bad' | 'unsure' {
  return exitCode === 0 ? 'ok' : exitCode === 3 ? 'unsure' : 'bad';
}

function rampBody(r: RampResult): string[] {
  const gate = describeGate(r);
  const tone = exitTone(r.exitCode);
  const breaking = r.breakingPoint ? r.rounds.find((x) => x.round === r.breakingPoint?.round) : undefined;
  const roundMs = r.settings.roundMs;
  return [
    `<h1>${esc(r.target)} sustains ${esc(r.maximum)} concurrent connections</h1>`,
    `<p class="note">dialed ${esc(r.dialed)}</p>`,
    '<div class="headline">',
    htmlStat(r.maximum, 'maximum sustainable concurrency'),
    htmlStat(r.verdict, 'verdict', tone),
    htmlStat(r.exitCode, 'exit code', tone),
    htmlStat(r.breakingPoint ? `round ${r.breakingPoint.round}` : 'none', 'breaking point'),
    ...(r.objectives?.broke ? [htmlStat(r.objectives.broke.established, 'open when an objective broke', 'bad')] : []),
    '</div>',
    `<p>Breaking point: ${esc(describeBreaking(r))}.${describeRecovery(r) ? ` Recovered: ${esc(describeRecovery(r) as string)}.` : ''}</p>`,
    `<p><strong>${esc(capitalise(describeStop(r)))}.</strong>${gate ? ` ${esc(gate)}.` : ''}</p>`,
    ...paceFacts(r).map((f) => `<p>${esc(f.term)}: ${esc(f.text)}.</p>`),
    ...r.warnings.map((w) => `<p class="warning"><strong>Warning:</strong> ${esc(w)}</p>`),
    '<h2>How "sustained" was defined</h2>',
    `<dl>${sustainedTerms(r)
      .map((t) => `<dt>${esc(t.term)}</dt><dd>${esc(t.text)}.</dd>`)
      .join('')}</dl>`,
    '<h2>Held connections over time</h2>',
    r.rounds.length === 0
      ? '<p>No round ended: nothing to draw.</p>'
      : htmlChart(
          heldOverTimeChart({
            name: 'held',
            rounds: rampSamples(r),
            maximum: r.maximum,
            maximumAtMs: r.maximumAtMs,
            breakingAtMs: breaking ? breaking.atMs : null,
            breakingLabel: r.breakingPoint ? `breaking point: ${describeBreaking(r)}` : undefined,
            search: r.objectives?.search,
          }),
          `Held (solid) and the ramp's target (dashed) at the end of each ${formatDuration(roundMs)} round; the dot marks the maximum${breaking ? ', the red line the first failed round' : ''}${r.objectives?.search.length ? '; after it, the levels the search measured (× where an objective broke, • where every one was met)' : ''}.`,
        ),
    ...objectiveSections(r),
    ...chartSection('Failures per round', failuresChart(r.rounds, roundMs), 'Failures of each round, by kind.'),
    ...chartSection(
      'Connect latency per round',
      connectLatencyChart(r.rounds),
      'Time from dial to open, p50 and p99 of the connections each round opened.',
    ),
    ...chartSection(
      'Traffic per round',
      trafficChart(r.rounds, roundMs),
      'Bytes per second sent and received, averaged over each round.',
    ),
    ...(r.firstPass
      ? [
          `<p>Refined: the first pass at ${esc(formatRate(r.firstPass.ratePerSec))} found ${esc(r.firstPass.maximum)}; this pass, from ${esc(r.settings.from)} at ${esc(formatRate(r.settings.ratePerSec))}, found ${esc(r.maximum)} (${r.maximum === r.firstPass.maximum ? 'confirmed' : 'differs; the slower pass is reported'}).</p>`,
        ]
      : []),
    '<h2>Rounds</h2>',
    htmlTable(
      [
        'round',
        'time',
        'target',
        'held',
        'settling',
        'unverified',
        'dialing',
        'served',
        'failures',
        'connect p50',
        'connect p99',
      ],
      r.rounds
        .map((x) => ({
          failed: x.failed,
          cells: [
            roundLabel(x),
            formatDuration(x.atMs),
            x.target,
            x.held,
            x.settling,
            x.unverified,
            x.dialing,
            x.served ?? '-',
            failureList(x.failures),
            x.connectP50Ms === null ? '-' : ms(x.connectP50Ms),
            x.connectP99Ms === null ? '-' : ms(x.connectP99Ms),
            ...latencyCells(r, x),
          ],
        }))
        .concat(
          rampSamples(r)
            .filter((x) => x.round === null)
            .map((x) => ({
              failed: false,
              cells: [
                'end (settled)',
                formatDuration(x.atMs),
                x.target,
                x.held,
                '-',
                '-',
                '-',
                '-',
                '-',
                '-',
                '-',
                ...latencyColumns(r).map(() => '-'),
              ],
            })),
        ),
    ),
    `<p class="note">Connect latency over the run: ${esc(r.connect ? `p50 ${ms(r.connect.p50)}, p90 ${ms(r.connect.p90)}, p99 ${ms(r.connect.p99)}, max ${ms(r.connect.max)}` : 'n/a')}.${r.rounds.some((x) => x.failed) ? ' ✗ and red rows mark failed rounds.' : ''}</p>`,
  ];
}

/** Returns the objectives' chart (each round's value against its bound) and the search's levels, with --slo. */
function objectiveSections(r: RampResult): string[] {
  const o = r.objectives;
  if (!o) return [];
  return [
    ...chartSection(
      'Latency objectives per round',
      objectivesChart(r.rounds, o.objectives),
      "Each objective's percentile on the round's own samples (solid) against its bound (dashed); a round above a bound fails.",
    ),
    ...(o.search.length === 0
      ? []
      : [
          '<h3>Search for the exact count</h3>',
          `<p>An objective broke in round ${esc(o.broke?.round ?? '')} with ${esc(o.broke?.established ?? '')} open. Each level was set (shedding the newest connections, or opening more and waiting until they were held), left to steady, then measured.</p>`,
          htmlTable(
            ['level', 'held', 'time', ...o.objectives, 'failures', 'objectives'],
            o.search.map((step) => ({
              failed: !step.met,
              cells: [
                step.level,
                step.held,
                formatDuration(step.atMs),
                ...latencyCells(r, { objectives: step.readings }),
                failureList(step.failures),
                step.met ? 'met' : 'broke',
              ],
            })),
          ),
        ]),
  ];
}

function chartSection(heading: string, svg: string, caption: string): string[] {
  return svg ? [`<h2>${esc(heading)}</h2>`, htmlChart(svg, caption)] : [];
}

function fixedBody(r: FixedResult): string[] {
  const s = r.status;
  const tone = exitTone(r.exitCode);
  return [
    `<h1>${esc(r.target)}: ${esc(s.established)} of ${esc(s.total)} connections established</h1>`,
    `<p class="note">fixed mode · dialed ${esc(r.dialed)}</p>`,
    '<div class="headline">',
    htmlStat(`${s.established}/${s.total}`, 'established'),
    htmlStat(r.maxConcurrent, 'at most at once'),
    htmlStat(r.interrupted ? 'interrupted' : r.exitCode === 0 ? 'all established' : 'not all', 'outcome', tone),
    htmlStat(r.exitCode, 'exit code', tone),
    '</div>',
    htmlTable(
      ['Total', 'Dialing', 'Established', 'Closed', 'Error', 'NotInitiated'],
      [[s.total, s.dialing, s.established, s.closed, s.error, s.notInitiated]],
    ),
    htmlTable(
      ['Measure', 'Value'],
      [
        ['Established in total', String(r.totalEstablished)],
        ['Connect time', minAvgMaxDev(r.connect)],
        ['Time to error', minAvgMaxDev(r.timeToError)],
        ['Run time', formatDuration(r.elapsedMs)],
      ],
    ),
  ];
}

function failureSection(r: RampResult | FixedResult): string[] {
  const rows = failureRows(r);
  return [
    '<h2>Failures</h2>',
    rows.length === 0
      ? '<p>None.</p>'
      : htmlTable(
          ['kind', 'count', 'side', 'first evidence'],
          rows.map((f) => [
            f.kind,
            f.count,
            f.side,
            [f.message ? `error ${f.message}` : '', f.bytes ? `server sent ${JSON.stringify(f.bytes)}` : '']
              .filter(Boolean)
              .join('; ') || '-',
          ]),
        ),
  ];
}

function diagnosisSection(r: RampResult | FixedResult): string[] {
  const d = diagnoseResult(r);
  const side =
    d.side === 'prober' ? "The prober's own limit" : d.side === 'target' ? "The target's limit" : 'No limit reached';
  return [
    '<h2>Diagnosis</h2>',
    `<p><strong>${esc(side)}:</strong> ${esc(d.cause)}.</p>`,
    '<p>Look at:</p>',
    `<ul>${d.lookAt.map((k) => `<li>${esc(k)}</li>`).join('')}</ul>`,
  ];
}

function environmentSection(record: RunRecord): string[] {
  return ['<h2>Environment</h2>', htmlTable(['Prober', 'Value'], environmentFacts(record))];
}

function reproduce(record: RunRecord, r: RampResult | FixedResult): string[] {
  return ['<h2>Reproduce</h2>', `<pre><code>${esc(record.command.line)}</code></pre>`, `<p>${esc(resultLine(r))}</p>`];
}
