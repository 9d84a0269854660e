import { describeChange, type Comparison } from './compareRecords.js';
import { esc, htmlChart, htmlPage, htmlStat, htmlTable } from './htmlPage.js';
import { exitTone } from './htmlReport.js';
import { rampSamples } from './rampSamples.js';
import { heldCompareChart, type HeldCurve } from './svgCharts.js';

/** Returns the comparison of two runs as one self-contained HTML page, both held curves on one chart. */
export function renderCompareHtml(c: Comparison): string {
  const curves: HeldCurve[] = [c.before, c.after].flatMap((run) => {
    const r = run.record.result;
    if (r.mode !== 'ramp') return [];
    const breaking = r.breakingPoint ? r.rounds.find((x) => x.round === r.breakingPoint?.round) : undefined;
    return [
      {
        name: run.name,
        rounds: rampSamples(r),
        maximum: r.maximum,
        maximumAtMs: r.maximumAtMs,
        breakingAtMs: breaking ? breaking.atMs : null,
      },
    ];
  });
  const delta = c.afterValue - c.beforeValue;
  const body = [
    `<h1>${esc(c.before.name)} → ${esc(c.after.name)}</h1>`,
    `<p>${esc(c.measure)}: <strong>${esc(describeChange(c))}</strong></p>`,
    '<div class="headline">',
    htmlStat(c.beforeValue, `before: ${c.before.name}`),
    htmlStat(c.afterValue, `after: ${c.after.name}`),
    htmlStat(`${delta >= 0 ? '+' : ''}${delta}`, 'change', delta > 0 ? 'ok' : delta < 0 ? 'bad' : ''),
    htmlStat(
      `${c.before.record.result.exitCode} → ${c.after.record.result.exitCode}`,
      'exit codes',
      exitTone(c.after.record.result.exitCode),
    ),
    '</div>',
    ...(curves.length > 0
      ? [
          '<h2>Held connections over time</h2>',
          htmlChart(
            heldCompareChart(curves),
            'Held connections at the end of each round of both runs, on one time axis; each dot and dashed line marks a maximum.',
          ),
        ]
      : []),
    '<h2>Side by side</h2>',
    htmlTable(['', c.before.name, c.after.name], c.rows),
    '<h2>Settings that differ</h2>',
    c.settingsDiffer.length === 0
      ? '<p>None: both runs used the same settings.</p>'
      : htmlTable(['setting', c.before.name, c.after.name], c.settingsDiffer),
    '<h2>Commands</h2>',
    `<pre><code># ${esc(c.before.name)}\n${esc(c.before.record.command.line)}\n# ${esc(c.after.name)}\n${esc(c.after.record.command.line)}</code></pre>`,
  ];
  return htmlPage(
    `${c.before.name} → ${c.after.name}: ${describeChange(c)}`,
    body.join('\n'),
    `goon-probe ${c.after.record.tool.version} · rendered from two run records`,
  );
}
