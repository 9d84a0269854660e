import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCliHere } from '../helpers/runCliHere.js';
import { fixture, golden } from '../helpers/golden.js';
import { withDir } from '../helpers/tempDir.js';

test('report: re-renders a saved record as text, Markdown and JSON, with no network', async () => {
  const record = fixture('records/ramp-limit-found.json');
  assert.is(JSON.parse(readFileSync(record, 'utf8')).schemaVersion, 1, 'a record of schema 1 still renders');
  const text = await runCliHere(['report', record]);
  assert.is(text.code, 0, text.stderr);
  golden('records/ramp-limit-found.golden.txt', text.stdout);
  const markdown = await runCliHere(['report', record, '--format', 'markdown']);
  assert.is(
    markdown.stdout,
    readFileSync(fixture('records/ramp-limit-found.golden.md'), 'utf8'),
    'the same page --markdown wrote',
  );
  const json = await runCliHere(['report', record, '--format', 'json']);
  assert.equal(JSON.parse(json.stdout), JSON.parse(readFileSync(record, 'utf8')), 'JSON round-trips');
  const fixed = await runCliHere(['report', fixture('records/fixed.json')]);
  golden('records/fixed.golden.txt', fixed.stdout);
});

test('report: bad input gets one line naming the problem and the fix, exit 1', async () => {
  await withDir(async (dir) => {
    const notJson = join(dir, 'a.txt');
    writeFileSync(notJson, 'hello');
    const notRecord = join(dir, 'b.json');
    writeFileSync(notRecord, JSON.stringify({ schemaVersion: 1, tool: { name: 'goon-probe', version: '1' } }));
    const newer = join(dir, 'c.json');
    writeFileSync(newer, JSON.stringify({ schemaVersion: 7 }));
    const cases: Array<[string[], RegExp]> = [
      [['report', join(dir, 'none.json')], /cannot read ".*none\.json" \(ENOENT\); give the file a --json run wrote/],
      [['report', notJson], /is not JSON; give the file a --json run wrote/],
      [['report', notRecord], /is not a goon-probe run record: the record must have required property 'command'/],
      [['report', newer], /has schemaVersion 7, newer than this goon-probe reads \(2\); upgrade goon-probe/],
      [
        ['report', fixture('records/fixed.json'), '--format', 'pdf'],
        /--format "pdf" is not a report format; use text, markdown, html or json/,
      ],
      [
        ['report', fixture('records/fixed.json'), fixture('records/ramp-gate-met.json')],
        /report needs one run record: .*; to set two side by side, add --compare/,
      ],
      [
        ['report', fixture('records/fixed.json'), '--compare'],
        /--compare needs two run records, before and after \(got 1\)/,
      ],
      [
        ['report', notJson, notJson, notJson, '--compare'],
        /--compare needs two run records, before and after \(got 3\)/,
      ],
      [
        ['report', fixture('records/fixed.json'), fixture('records/ramp-gate-met.json'), '--compare'],
        /fixed\.json is a fixed-mode run and ramp-gate-met\.json a ramp run; compare two runs of the same mode/,
      ],
      [
        [
          'report',
          fixture('records/ramp-gate-met.json'),
          fixture('records/ramp-limit-found.json'),
          '--compare',
          '--format',
          'json',
        ],
        /--compare renders text, markdown or html, not json; drop --format json/,
      ],
      [['report', '-', '-', '--compare'], /only one of the two records can be read from stdin/],
    ];
    for (const [args, pattern] of cases) {
      const run = await runCliHere(args);
      assert.is(run.code, 1, args.join(' '));
      assert.match(run.stderr, pattern);
      assert.is(run.stderr.split('\n').length, 2, `one line: ${run.stderr}`);
    }
  });
});

test('report --compare: two records side by side in text, Markdown and HTML, with what changed', async () => {
  const before = fixture('records/ramp-gate-met.json');
  const after = fixture('records/ramp-limit-found.json');
  const text = await runCliHere(['report', before, after, '--compare']);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /--- ramp-gate-met\.json → ramp-limit-found\.json ---/);
  assert.match(text.stdout, /Maximum sustainable concurrency: 250 → 300 \(\+50, ×1\.20\)/);
  assert.match(text.stdout, /Breaking point +none reached +round 2, target 400/);
  assert.match(text.stdout, /Settings that differ:\n {2}send: null → "ping\\n"\n {2}expect: null → "ping"/);
  assert.match(
    text.stdout,
    /┄┄┄ ramp-gate-met\.json {3}─── ramp-limit-found\.json/,
    'both curves on one chart, told apart',
  );
  assert.match(text.stdout, /Exit code +0 +\(same\)/, 'a value both runs share is written once');
  const markdown = await runCliHere(['report', before, after, '--compare', '--format', 'markdown']);
  assert.match(
    markdown.stdout,
    /^# ramp-gate-met\.json → ramp-limit-found\.json: maximum sustainable concurrency 250 → 300/,
  );
  assert.match(markdown.stdout, /\| Verdict \| gate-met \| limit-found \|/);
  assert.match(markdown.stdout, /\| `findMax` \| false \| true \|/);
  const html = await runCliHere(['report', before, after, '--compare', '--format', 'html']);
  assert.match(html.stdout, /^<!doctype html>/);
  assert.match(html.stdout, /<title>ramp-gate-met\.json → ramp-limit-found\.json: 250 → 300 \(\+50, ×1\.20\)<\/title>/);
  assert.is((html.stdout.match(/<svg/g) ?? []).length >= 1, true, 'a chart');
  // The same file twice reads as the same run: no settings differ, no change.
  const same = await runCliHere(['report', before, before, '--compare']);
  assert.match(same.stdout, /250 → 250 \(\+0, ×1\.00\)/);
  assert.match(same.stdout, /Settings: the same in both runs/);
});

test('report --format html: a whole page from a saved record, no network', async () => {
  const page = await runCliHere(['report', fixture('records/ramp-limit-found.json'), '--format', 'html']);
  assert.is(page.code, 0, page.stderr);
  assert.match(page.stdout, /^<!doctype html>/);
  assert.match(page.stdout, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(page.stdout, /sustains 300 concurrent connections/);
});

test.run();
