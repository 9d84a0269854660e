import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectLatencyChart } from '../../src/report/svgCharts.js';
import type { RampResult } from '../../src/probe/result.js';
import { esc, PAGE_POLICY } from '../../src/report/htmlPage.js';
import { exitTone, renderHtml } from '../../src/report/htmlReport.js';
import type { RunRecord } from '../../src/record/runRecord.js';
import { fixture } from '../helpers/golden.js';

const load = (name: string): RunRecord => JSON.parse(readFileSync(fixture(name), 'utf8')) as RunRecord;
const count = (text: string, pattern: RegExp): number => (text.match(pattern) ?? []).length;

test('html: one self-contained page: no script, no link, nothing fetched, a policy that forbids it', () => {
  const page = renderHtml(load('records/ramp-limit-found.json'));
  assert.match(page, /^<!doctype html>\n<html lang="en">/);
  assert.ok(page.includes(`<meta http-equiv="Content-Security-Policy" content="${PAGE_POLICY}">`));
  assert.is(count(page, /<script/gi), 0, 'no script');
  assert.is(
    count(page, /<link|@import|url\((?!#)/gi),
    0,
    'no stylesheet, font or image fetched (url(#id) is within the page)',
  );
  assert.is(count(page, /\b(src|href)=/gi), 0, 'nothing refers elsewhere');
  assert.not.match(page, /https?:\/\/(?!www\.w3\.org\/)/, 'no address but the SVG namespace');
});

test('html: the parts a postmortem needs, the charts as SVG, the breaking point and maximum marked', () => {
  const record = load('records/ramp-limit-found.json');
  const page = renderHtml(record);
  for (const part of [
    '<h1>127.0.0.1:46213 sustains 300 concurrent connections</h1>',
    '<div class="value">300</div><div class="label">maximum sustainable concurrency</div>',
    '<div class="value verdict-ok">limit-found</div>',
    '<h2>How "sustained" was defined</h2>',
    '<dt>Held</dt><dd>served, then still open after 300ms (--settle).',
    '<h2>Held connections over time</h2>',
    '<h2>Failures per round</h2>',
    '<h2>Connect latency per round</h2>',
    '<h2>Rounds</h2>',
    '<tr class="failed"><td>2 ✗</td>',
    '<h2>Failures</h2>',
    '<td>verify-mismatch</td><td class="num">1739</td><td>target</td>',
    '<h2>Diagnosis</h2>',
    '<p><strong>The target&#39;s limit:</strong> past 300 connections',
    '<h2>Environment</h2>',
    '<h2>Reproduce</h2>',
    `<pre><code>${esc(record.command.line)}</code></pre>`,
  ]) {
    assert.ok(page.includes(part), part);
  }
  assert.is(
    count(page, /<figure class="chart"/g),
    3,
    'held over time, failures, connect latency (no traffic chart: none moved)',
  );
  assert.ok(page.includes('breaking point: round 2, target 400'), 'the breaking point is named on the chart');
  assert.ok(page.includes('maximum 300'), 'the maximum is named on the chart');
  const quiet = renderHtml(load('records/ramp-gate-met.json'));
  assert.not.ok(quiet.includes('<h2>Failures per round</h2>'), 'no failures chart without failures');
  assert.not.ok(quiet.includes('breaking point:'), 'no breaking point marked when none was reached');
});

test('html: traffic chart only when bytes moved; evidence and commands are escaped', () => {
  const record = load('records/ramp-limit-found.json');
  const r = record.result as RampResult;
  const page = renderHtml({
    ...record,
    command: { ...record.command, line: 'goon-probe x --send "<b>&"' },
    result: {
      ...r,
      rounds: r.rounds.map((x) => ({ ...x, bytesSent: 1000, bytesReceived: 2000 })),
      evidence: { 'verify-mismatch': { bytes: '<script>alert(1)</script>' } },
    },
  });
  assert.ok(page.includes('<h2>Traffic per round</h2>'));
  assert.is(count(page, /<script/gi), 0, 'the evidence is text, not markup');
  assert.ok(page.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.ok(page.includes('goon-probe x --send &#34;&#60;b&#62;&#38;&#34;'));
});

test('html: fixed mode has the status counts, no ramp charts; tones follow the exit code', () => {
  const page = renderHtml(load('records/fixed.json'));
  assert.match(
    page,
    /<th>Total<\/th><th>Dialing<\/th><th>Established<\/th><th>Closed<\/th><th>Error<\/th><th>NotInitiated<\/th>/,
  );
  assert.is(count(page, /<figure class="chart"/g), 0);
  assert.is(exitTone(0), 'ok');
  assert.is(exitTone(2), 'bad');
  assert.is(exitTone(3), 'unsure');
});

test("a chart of one round draws without the chart library's warning leaking to stderr (issue 24)", () => {
  const warn = console.warn;
  let warned = '';
  console.warn = (...args: unknown[]) => {
    warned += args.join(' ');
  };
  try {
    const round = {
      round: 1,
      atMs: 1000,
      target: 10,
      held: 10,
      settling: 0,
      unverified: 0,
      dialing: 0,
      attempts: 10,
      failures: {},
      failed: false,
      connectP50Ms: 1,
      connectP99Ms: 2,
    };
    assert.match(connectLatencyChart([round]), /<svg/);
  } finally {
    console.warn = warn;
  }
  assert.is(warned, '');
});

test.run();
