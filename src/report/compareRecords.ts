import { LATENCY_NAMES, type LatencyReadings } from '../fleet/fleetReading.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import { formatDuration } from '../units.js';
import { DISTRIBUTION_PERCENTILES, distributionPercentiles } from '../stats/latencyDistribution.js';
import { renderChart, type ChartSeries } from './chart.js';
import { describeStop } from './explain.js';
import { capitalise, failureList, ms } from './format.js';
import { rampSamples } from './rampSamples.js';
import { code, escapeCell, fenced } from './markdownText.js';
import type { RunRecord } from '../record/runRecord.js';

/** One of the two runs compared: the record and the name it goes by (its file's name). */
export interface ComparedRun {
  readonly name: string;
  readonly record: RunRecord;
}

/** Two runs side by side (`report A.json B.json --compare`): before, after, and what differs. */
export interface Comparison {
  readonly before: ComparedRun;
  readonly after: ComparedRun;
  /** What the headline number is: the maximum sustainable concurrency, or (fixed mode) established. */
  readonly measure: string;
  readonly beforeValue: number;
  readonly afterValue: number;
  /** The two runs' results, row by row: label, before, after. */
  readonly rows: readonly (readonly [string, string, string])[];
  /** Settings of the runs that differ: setting, before, after. */
  readonly settingsDiffer: readonly (readonly [string, string, string])[];
}

/** Returns the comparison of two runs of the same mode, or a problem (one line) when they cannot be compared. */
export function compareRecords(
  before: ComparedRun,
  after: ComparedRun,
): { kind: 'compared'; comparison: Comparison } | { kind: 'refused'; problem: string } {
  const a = before.record.result;
  const b = after.record.result;
  if (a.mode !== b.mode)
    return {
      kind: 'refused',
      problem: `${before.name} is a ${a.mode === 'ramp' ? 'ramp' : 'fixed-mode'} run and ${after.name} a ${b.mode === 'ramp' ? 'ramp' : 'fixed-mode'} run; compare two runs of the same mode`,
    };
  return {
    kind: 'compared',
    comparison: {
      before,
      after,
      measure: a.mode === 'ramp' ? 'maximum sustainable concurrency' : 'connections established',
      beforeValue: headline(a),
      afterValue: headline(b),
      rows: [
        ['Target', a.target, b.target],
        ...(a.mode === 'ramp' && b.mode === 'ramp' ? rampRows(a, b) : fixedRows(a as FixedResult, b as FixedResult)),
        ...distributionRows(a, b),
        ['Failures', failureList(a.failures), failureList(b.failures)],
        ['Exit code', String(a.exitCode), String(b.exitCode)],
        ['Started', before.record.startedAt, after.record.startedAt],
      ],
      settingsDiffer: settingsThatDiffer(before.record, after.record),
    },
  };
}

/** Returns the headline change: `1000 → 4000 (+3000, ×4.00)`. */
export function describeChange(c: Comparison): string {
  const delta = c.afterValue - c.beforeValue;
  const ratio = c.beforeValue > 0 ? `, ×${(c.afterValue / c.beforeValue).toFixed(2)}` : '';
  return `${c.beforeValue} → ${c.afterValue} (${delta >= 0 ? '+' : ''}${delta}${ratio})`;
}

/**
 * Returns the series of the comparison's chart: held over time, before (dotted, drawn on top, so
 * that it shows where the two runs coincide, as ramps do up to the lower limit) and after (solid).
 */
export function compareSeries(c: Comparison): ChartSeries[] {
  const held = (run: ComparedRun): ChartSeries['points'] =>
    run.record.result.mode === 'ramp'
      ? rampSamples(run.record.result).map((r) => ({ atMs: r.atMs, value: r.held }))
      : [];
  return [
    { name: c.before.name, points: held(c.before), style: 'dotted' },
    { name: c.after.name, points: held(c.after), style: 'solid' },
  ];
}

/** Returns the comparison as terminal text: headline, chart, side-by-side rows, settings that differ. */
export function renderCompareText(c: Comparison, options: { width: number; color: boolean }): string {
  const chart = renderChart(compareSeries(c), options);
  // A value both runs share is written once, so that the columns stay narrow.
  const rows = [
    ['', c.before.name, c.after.name] as const,
    ...c.rows.map(([k, x, y]) => [k, x, x === y ? '(same)' : y] as const),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  // A long value (why a run stopped) does not widen the column: the other run's value goes under it.
  const w1 = Math.min(30, Math.max(...rows.map((r) => r[1].length)));
  const line = (r: readonly [string, string, string]): string =>
    r[1].length > w1
      ? `${r[0].padEnd(w0)}  ${r[1]}\n${' '.repeat(w0 + 2 + w1)}  ${r[2]}`
      : `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`;
  return `${[
    '',
    `--- ${c.before.name} → ${c.after.name} ---`,
    `${capitalise(c.measure)}: ${describeChange(c)}`,
    '',
    ...(chart ? [chart, ''] : []),
    ...rows.map(line),
    '',
    ...(c.settingsDiffer.length === 0
      ? ['Settings: the same in both runs']
      : ['Settings that differ:', ...c.settingsDiffer.map(([k, x, y]) => `  ${k}: ${x} → ${y}`)]),
  ].join('\n')}\n`;
}

/** Returns the comparison as a Markdown page, for a postmortem or a pull request. */
export function renderCompareMarkdown(c: Comparison): string {
  const chart = renderChart(compareSeries(c), { width: 80, color: false });
  const cell = escapeCell;
  return `${[
    `# ${cell(c.before.name)} → ${cell(c.after.name)}: ${c.measure} ${describeChange(c)}`,
    '',
    `| | ${cell(c.before.name)} | ${cell(c.after.name)} |`,
    '|---|---|---|',
    ...c.rows.map(([k, x, y]) => `| ${cell(k)} | ${cell(x)} | ${cell(y)} |`),
    '',
    '## Settings that differ',
    '',
    ...(c.settingsDiffer.length === 0
      ? ['None: both runs used the same settings.']
      : [
          `| setting | ${cell(c.before.name)} | ${cell(c.after.name)} |`,
          '|---|---|---|',
          ...c.settingsDiffer.map(([k, x, y]) => `| ${code(k)} | ${cell(x)} | ${cell(y)} |`),
        ]),
    ...(chart ? ['', '## Held connections over time', '', '```text', chart, '```'] : []),
    '',
    '## Commands',
    '',
    ...fenced('sh', [
      `# ${c.before.name.replace(/\r?\n/g, ' ')}`,
      c.before.record.command.line,
      `# ${c.after.name.replace(/\r?\n/g, ' ')}`,
      c.after.record.command.line,
    ]),
  ].join('\n')}\n`;
}

const LATENCY_LABELS: Readonly<Record<keyof LatencyReadings, string>> = {
  connect: 'Connect',
  firstByte: 'First byte',
  marker: 'Marker',
  heartbeat: 'Heartbeat',
};

/**
 * Returns the latency distributions of both runs side by side, percentile by percentile (p50 to
 * p99.9 and the ratio after/before), for every latency both records carry as a distribution.
 */
export function distributionRows(a: RampResult | FixedResult, b: RampResult | FixedResult): [string, string, string][] {
  const rows: [string, string, string][] = [];
  for (const name of LATENCY_NAMES) {
    const label = LATENCY_LABELS[name];
    const before = a.distributions?.[name];
    const after = b.distributions?.[name];
    if (!before || !after) continue;
    const x = distributionPercentiles(before, DISTRIBUTION_PERCENTILES);
    const y = distributionPercentiles(after, DISTRIBUTION_PERCENTILES);
    DISTRIBUTION_PERCENTILES.forEach((p, i) => {
      const [was, now] = [x[i] as number, y[i] as number];
      rows.push([`${label} p${p}`, ms(was), `${ms(now)}${was > 0 ? ` (×${(now / was).toFixed(2)})` : ''}`]);
    });
  }
  return rows;
}

function headline(r: RampResult | FixedResult): number {
  return r.mode === 'ramp' ? r.maximum : r.status.established;
}

function rampRows(a: RampResult, b: RampResult): [string, string, string][] {
  const breaking = (r: RampResult): string =>
    r.breakingPoint ? `round ${r.breakingPoint.round}, target ${r.breakingPoint.target}` : 'none reached';
  const latency = (r: RampResult): string => (r.connect ? `p50 ${ms(r.connect.p50)}, p99 ${ms(r.connect.p99)}` : 'n/a');
  return [
    ['Maximum', String(a.maximum), String(b.maximum)],
    ['Breaking point', breaking(a), breaking(b)],
    ['Verdict', a.verdict, b.verdict],
    ['Why it stopped', describeStop(a), describeStop(b)],
    ['Connect latency', latency(a), latency(b)],
    [
      'Duration',
      `${formatDuration(a.durationMs)}, ${a.rounds.length} rounds`,
      `${formatDuration(b.durationMs)}, ${b.rounds.length} rounds`,
    ],
  ];
}

function fixedRows(a: FixedResult, b: FixedResult): [string, string, string][] {
  const est = (r: FixedResult): string => `${r.status.established} of ${r.status.total}`;
  return [
    ['Established', est(a), est(b)],
    ['At most at once', String(a.maxConcurrent), String(b.maxConcurrent)],
    ['Duration', formatDuration(a.elapsedMs), formatDuration(b.elapsedMs)],
  ];
}

/** Returns the settings (record config, target, prober) whose values differ, as dotted names. */
export function settingsThatDiffer(a: RunRecord, b: RunRecord): [string, string, string][] {
  const flatA = flatten({ target: a.target.given, ...a.config, tool: a.tool.version });
  const flatB = flatten({ target: b.target.given, ...b.config, tool: b.tool.version });
  const keys = [...new Set([...Object.keys(flatA), ...Object.keys(flatB)])];
  return keys
    .filter((k) => flatA[k] !== flatB[k])
    .map((k) => [k === 'tool' ? 'goon-probe version' : k, flatA[k] ?? '(not set)', flatB[k] ?? '(not set)']);
}

/** Returns an object's leaves as `a.b.c` → JSON text; arrays stay whole. */
function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out[prefix] = JSON.stringify(value);
  return out;
}
