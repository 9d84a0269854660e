import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downsample, renderChart } from '../../src/report/chart.js';
import { describeGate, resultLine } from '../../src/report/explain.js';
import { renderFixedReport } from '../../src/report/fixedText.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatProgressLine } from '../../src/report/progressLine.js';
import { renderRampReport } from '../../src/report/rampText.js';
import { formatRoundLine } from '../../src/report/roundLine.js';
import type { FixedResult, RampResult } from '../../src/probe/result.js';
import type { RunRecord } from '../../src/report/runRecord.js';

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
  for (const name of ['ramp-limit-found', 'ramp-gate-met', 'fixed']) {
    golden(`records/${name}.golden.md`, renderMarkdown(load<RunRecord>(`records/${name}.json`)));
  }
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
  assert.match(unverified, /an open connection counts as served \(no `--expect`\)/);
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

test('chart: downsampled to the width, about 12 rows, empty for no rounds', () => {
  assert.equal(downsample([1, 5, 2, 8, 3, 1], 3), [5, 8, 3], 'each point keeps its maximum');
  assert.equal(downsample([1, 2], 10), [1, 2]);
  const long = Array.from({ length: 500 }, (_, i) => i);
  const chart = renderChart(long, long, { width: 72, color: false });
  const rows = chart.split('\n');
  assert.is(rows.length, 13);
  assert.ok(
    rows.every((r) => r.length <= 72),
    'fits the width',
  );
  assert.is(renderChart([], [], { width: 72, color: false }), '');
});

test.run();
