import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCliHere } from '../helpers/runCliHere.js';
import { fixture, golden } from '../helpers/golden.js';
import { withDir } from '../helpers/tempDir.js';

test('report: re-renders a saved record as text, Markdown and JSON, with no network', async () => {
  const record = fixture('records/ramp-limit-found.json');
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
      [['report', newer], /has schemaVersion 7, newer than this goon-probe reads \(1\); upgrade goon-probe/],
      [
        ['report', fixture('records/fixed.json'), '--format', 'html'],
        /--format "html" is not a report format; use text, markdown or json/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const run = await runCliHere(args);
      assert.is(run.code, 1, args.join(' '));
      assert.match(run.stderr, pattern);
      assert.is(run.stderr.split('\n').length, 2, `one line: ${run.stderr}`);
    }
  });
});

test.run();
