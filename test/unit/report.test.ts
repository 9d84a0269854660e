import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';
import * as assert from 'uvu/assert';
import { columnsOf, rampSeries, renderChart, tickLabel, tickStep } from '../../src/report/chart.js';
import { describeGate, resultLine } from '../../src/report/explain.js';
import { renderFixedReport } from '../../src/report/fixedText.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatProgressLine } from '../../src/report/progressLine.js';
import { renderRampReport } from '../../src/report/rampText.js';
import { formatRoundLine } from '../../src/report/roundLine.js';
import type { FixedResult, RampResult } from '../../src/probe/result.js';
import type { RunRecord } from '../../src/record/runRecord.js';

import { fixture, golden } from '../helpers/golden.js';

const load = <T>(name: string): T => JSON.parse(readFileSync(fixture(name), 'utf8')) as T;

test('golden: ramp text report', () => {
  const result = load<RampResult>('ramp-result.json');
  golden('ramp-report.golden.txt', renderRampReport(result, { width: 80, color: false }));
});

test('golden: fixed-mode final block', () => {
  golden('fixed-report.golden.txt', renderFixedReport(load<FixedResult>('fixed-result.json')));
});

test('ramp report: the warning, the stop descriptions and colour', () => {
  const base = load<RampResult>('ramp-result.json');
  const unverified = renderRampReport(
    { ...base, settings: { ...base.settings, expect: null, send: null }, warnings: ['W1'] },
    { width: 60, color: false },
  );
  assert.match(unverified, /Sustained means: open counts as served \(no --expect\)/);
  assert.match(unverified, /Warning: W1/);
  const reasons: Array<[RampResult['stopReason'], RegExp]> = [
    ['prober-limit', /inconclusive/],
    ['max-duration', /at least 250/],
    ['max-connections', /--max-connections held/],
    ['gate-met', /gate was held/],
    ['interrupted', /interrupted/],
  ];
  for (const [stopReason, pattern] of reasons)
    assert.match(renderRampReport({ ...base, stopReason }, { width: 60, color: false }), pattern);
  assert.match(renderRampReport(base, { width: 60, color: true }), /\u001b\[3[24]m/, 'colour on a TTY');
  assert.match(
    renderRampReport({ ...base, rounds: [], breakingPoint: null, connect: null }, { width: 60, color: false }),
    /Breaking point: none reached/,
  );
});

test('golden: Markdown pages of saved run records', () => {
  for (const name of ['ramp-limit-found', 'ramp-gate-met', 'ramp-slowed', 'fixed']) {
    golden(`records/${name}.golden.md`, renderMarkdown(load<RunRecord>(`records/${name}.json`)));
  }
});

test('a run that slowed down to its target (a real one: serve --accept-rate 50/s at --ramp 500/s): every format says so', () => {
  const record = load<RunRecord>('records/ramp-slowed.json');
  assert.is(makeRecordValidator()(record), null, 'a valid run record');
  const page = renderMarkdown(record);
  assert.match(page, /\| New connections served \| about 52\/s \(the ramp asked for 500\/s\) \|/);
  assert.match(page, /\| Pace \| ramp 500\/s -\\?> 41\/s at round 3: the target served 52\/s new connections/);
  assert.match(page, /\| Late answers \| 46 of 46 timed-out connections were answered late/);
  assert.match(page, /\| 3 \(outpaced\) \|/, 'the outpaced round, in the table');
  assert.match(page, /\| 4 \(held still\) \|/, 'the rounds the ramp held still');
  assert.match(page, /\| end \(settled\) \|/, 'the final sample the maximum came from');
  if (record.result.mode !== 'ramp') return;
  const text = renderRampReport(record.result, { width: 80, color: false });
  assert.match(text, /^New connections served: about 52\/s/m);
  assert.match(text, /^Pace: ramp 500\/s -> 41\/s at round 3/m);
});

test('markdown: the parts a postmortem needs, and cells that survive odd evidence', () => {
  const record = load<RunRecord>('records/ramp-limit-found.json');
  const page = renderMarkdown(record);
  for (const heading of [
    '# `',
    '## How "sustained" was defined',
    '## Rounds',
    '## Chart',
    '## Diagnosis',
    '## Failures',
    '## Environment',
    '## Reproduce',
  ]) {
    assert.ok(page.includes(heading), heading);
  }
  assert.ok(page.includes(`\`\`\`sh\n${record.command.line}\n\`\`\``), 'the exact command in a code block');
  assert.is(page.trimEnd().split('\n').at(-1), resultLine(record.result), 'ends with the verdict and exit code');
  const r = record.result as RampResult;
  const odd = renderMarkdown({
    ...record,
    result: { ...r, failures: { closed: 1 }, evidence: { closed: { bytes: 'a|b`c\n' } } },
  });
  assert.match(
    odd,
    /\| `closed` \| 1 \| target \| server sent ``"a\\\|b`c\\n"`` \|/,
    'pipes escaped, backticks fenced',
  );
  const unverified = renderMarkdown(load<RunRecord>('records/ramp-gate-met.json'));
  assert.match(unverified, /> \*\*Warning:\*\* no --expect/);
  assert.match(unverified, /an open connection counts as served \(no --expect\)/);
});

test('describeGate: passed, failed, inconclusive, undecided, none', () => {
  const base = load<RampResult>('ramp-result.json');
  const gate = (minConcurrency: number, met: boolean) => ({ minConcurrency, findMax: false, met });
  const cases: Array<[Partial<RampResult>, string | null]> = [
    [{ gate: null }, null], // no gate
    [{ gate: gate(200, true), maximum: 250 }, '--min-concurrency 200 passed (held 250)'],
    [{ gate: gate(300, false), maximum: 250 }, '--min-concurrency 300 FAILED: the maximum 250 is below it'],
    [
      { gate: gate(300, false), maximum: 60, verdict: 'prober-limited' },
      "--min-concurrency 300 inconclusive: the prober's own limit came first (held 60)",
    ],
    [
      { gate: gate(300, false), maximum: 60, verdict: 'interrupted' },
      '--min-concurrency 300 not decided: interrupted (held 60)',
    ],
  ];
  for (const [over, expected] of cases) assert.is(describeGate({ ...base, ...over }), expected);
});

test('progress line and fixed-mode result line', () => {
  assert.is(
    formatProgressLine({
      atMs: 12_340,
      round: 13,
      target: 1300,
      held: 1200,
      settling: 40,
      unverified: 10,
      dialing: 50,
      failures: 3,
    }),
    '12.34s  round 13  target 1300  held 1200  settling 40  unverified 10  dialing 50  failures 3',
  );
  assert.is(
    resultLine(load<FixedResult>('fixed-result.json')),
    'Result: established 7 of 10, not all established, exit 2',
  );
});

test('round line', () => {
  const [round] = load<RampResult>('ramp-result.json').rounds.slice(3);
  assert.is(
    formatRoundLine(round as RampResult['rounds'][number]),
    'round 4  target 400  held 250  settling 0  unverified 0  dialing 2  failures verify-mismatch 128  connect p50 0.30ms p99 2.5ms  FAILED',
  );
});

test('chart columns: each column keeps the most of its samples, holds the last value, ends at the last sample', () => {
  const points = [1, 5, 2, 8, 3, 1].map((value, i) => ({ atMs: (i + 1) * 1000, value }));
  // 6 s over 3 columns: [0,2s) [2s,4s) [4s,6s]; the last sample belongs to the last column.
  assert.equal(columnsOf(points, 3, 6000), [1, 5, 8]);
  assert.equal(
    columnsOf([{ atMs: 3000, value: 7 }], 6, 6000),
    [0, 0, 0, 7],
    '0 before the first sample, ends at the last',
  );
  assert.equal(
    columnsOf(
      [
        { atMs: 1000, value: 4 },
        { atMs: 5000, value: 2 },
      ],
      6,
      6000,
    ),
    [0, 4, 4, 4, 4, 2],
  );
});

test('chart: fits the width, a time axis and a legend, glyphs tell held from target, colour only on request', () => {
  const rounds = Array.from({ length: 500 }, (_, i) => ({
    atMs: (i + 1) * 200,
    target: i * 10,
    held: Math.min(i * 10, 3000),
  }));
  const chart = renderChart(rampSeries(rounds), { width: 72, color: false });
  const rows = chart.split('\n');
  assert.is(rows.length, 13 + 3, '12 rows of values plus the zero row, the axis, its labels, the legend');
  assert.ok(
    rows.every((r) => r.length <= 72),
    'fits the width',
  );
  assert.match(rows[13] as string, /^ +└─+┬─+┬/, 'a time axis with ticks');
  assert.match(rows[14] as string, /^ +0 +15s +30s +45s +1m +1m15s +1m30s$/, 'ticks labelled in seconds and minutes');
  assert.is((rows[15] as string).trim(), '─── held   ┄┄┄ target   across: time since the start');
  assert.ok(rows.slice(0, 13).some((r) => r.includes('┄')) && rows.slice(0, 13).some((r) => r.includes('─')));
  assert.not.match(chart, /\u001b/, 'no colour codes without a terminal');
  const coloured = renderChart(rampSeries(rounds), { width: 72, color: true });
  assert.match(coloured, /\u001b\[32m─/, 'held in green');
  assert.match(coloured, /\u001b\[34m┄/, 'target in blue');
  assert.is(renderChart(rampSeries([]), { width: 72, color: false }), '');
});

test('chart ticks: 1, 2 or 5 times a power of ten, or minutes, never more than asked; labels', () => {
  assert.equal([0, 500, 1500, 45_000, 60_000, 75_000, 600_000].map(tickLabel), [
    '0',
    '500ms',
    '1.5s',
    '45s',
    '1m',
    '1m15s',
    '10m',
  ]);
  assert.is(tickStep(2000, 6), 500);
  assert.is(tickStep(60_000, 6), 10_000);
  assert.is(tickStep(60_000, 4), 15_000);
  assert.is(tickStep(100_000, 5), 20_000);
  assert.is(tickStep(3_600_000, 6), 600_000);
  assert.is(tickStep(36_000_000, 6), 6_000_000);
});

test.run();
