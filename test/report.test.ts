import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downsample, renderChart } from '../src/report/chart.js';
import { renderFixedReport } from '../src/report/fixedText.js';
import { renderRampReport } from '../src/report/rampText.js';
import { formatRoundLine } from '../src/report/roundLine.js';
import type { FixedResult, RampResult } from '../src/result.js';

const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;
const load = <T>(name: string): T => JSON.parse(readFileSync(fixture(name), 'utf8')) as T;

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it on purpose. */
function golden(name: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(fixture(name), actual);
  assert.fixture(actual, readFileSync(fixture(name), 'utf8'));
}

test('golden: ramp text report', () => {
  const result = load<RampResult>('ramp-result.json');
  golden('ramp-report.golden.txt', renderRampReport(result, { width: 80, color: false }));
});

test('golden: fixed-mode final block', () => {
  golden('fixed-report.golden.txt', renderFixedReport(load<FixedResult>('fixed-result.json')));
});

test('ramp report: the warning, the stop descriptions and colour', () => {
  const base = load<RampResult>('ramp-result.json');
  const unverified = renderRampReport({ ...base, settings: { ...base.settings, expect: null, send: null }, warnings: ['W1'] }, { width: 60, color: false });
  assert.match(unverified, /Sustained means: open counts as served \(no --expect\)/);
  assert.match(unverified, /Warning: W1/);
  const reasons: Array<[RampResult['stopReason'], RegExp]> = [
    ['prober-limit', /inconclusive/], ['max-duration', /at least 250/], ['max-connections', /--max-connections held/],
    ['gate-met', /gate was held/], ['interrupted', /interrupted/],
  ];
  for (const [stopReason, pattern] of reasons) assert.match(renderRampReport({ ...base, stopReason }, { width: 60, color: false }), pattern);
  assert.match(renderRampReport(base, { width: 60, color: true }), /\u001b\[3[24]m/, 'colour on a TTY');
  assert.match(renderRampReport({ ...base, rounds: [], breakingPoint: null, connect: null }, { width: 60, color: false }), /Breaking point: none reached/);
});

test('round line', () => {
  const [round] = load<RampResult>('ramp-result.json').rounds.slice(3);
  assert.is(formatRoundLine(round as RampResult['rounds'][number]), 'round 4  target 400  held 250  settling 0  unverified 0  dialing 2  failures verify-mismatch 128  connect p50 0.30ms p99 2.5ms  FAILED');
});

test('chart: downsampled to the width, about 12 rows, empty for no rounds', () => {
  assert.equal(downsample([1, 5, 2, 8, 3, 1], 3), [5, 8, 3], 'each point keeps its maximum');
  assert.equal(downsample([1, 2], 10), [1, 2]);
  const long = Array.from({ length: 500 }, (_, i) => i);
  const chart = renderChart(long, long, { width: 72, color: false });
  const rows = chart.split('\n');
  assert.is(rows.length, 13);
  assert.ok(rows.every((r) => r.length <= 72), 'fits the width');
  assert.is(renderChart([], [], { width: 72, color: false }), '');
});

test.run();
