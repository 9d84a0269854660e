// goon-probe merge in this process: records from files and from logs (one record a line among
// other lines, as kubectl logs prints them), the outputs, and the exit codes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRecordValidator } from '../../src/report/validateRunRecord.js';
import { fixture } from '../helpers/golden.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withDir } from '../helpers/tempDir.js';

const files = [0, 1, 2].map((i) => fixture(`records/segments/segment-${i}.json`));

test('merge from files: the text report, the gate, the record and the page', async () => {
  await withDir(async (dir) => {
    const [json, md, html, summary] = ['merged.json', 'merged.md', 'merged.html', 'summary.md'].map((f) =>
      join(dir, f),
    );
    writeFileSync(summary as string, '');
    const run = await runCliHere(
      ['merge', ...files, '--min-concurrency', '250', '--json', json, '--markdown', md, '--html', html] as string[],
      { GITHUB_STEP_SUMMARY: summary as string },
    );
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Merged run \w+: 3 of 3 segments \(0 on \S+, 1 on \S+, 2 on \S+\)$/m);
    assert.match(run.stdout, /Maximum sustainable concurrency: 300 /);
    assert.match(run.stdout, /Gate: --min-concurrency 250 passed \(held 300\)/);
    assert.match(
      run.stdout.trimEnd().split('\n').at(-1) ?? '',
      /^Result: maximum sustainable concurrency 300, verdict limit-found, exit 0$/,
    );
    const record = JSON.parse(readFileSync(json as string, 'utf8'));
    assert.is(makeRecordValidator()(record), null);
    assert.equal([record.result.maximum, record.segment.count, record.segment.segments.length], [300, 3, 3]);
    assert.match(readFileSync(md as string, 'utf8'), /sustains 300 concurrent connections/);
    assert.match(readFileSync(html as string, 'utf8'), /^<!doctype html>[^]*sustains 300 concurrent connections/);
    assert.match(
      readFileSync(summary as string, 'utf8'),
      /sustains 300 concurrent connections/,
      'and the step summary',
    );
  });
});

test('merge from logs: records among other lines, as kubectl logs prints them; --format json', async () => {
  await withDir(async (dir) => {
    const log = join(dir, 'pods.log');
    const lines = files.flatMap((f, i) => [
      `pod ${i} starting`,
      'warning: something a pod said',
      JSON.stringify(JSON.parse(readFileSync(f, 'utf8'))),
      '{"not": "a record"}',
    ]);
    writeFileSync(log, `${lines.join('\n')}\n`);
    const run = await runCliHere(['merge', log, '--format', 'json', '--min-concurrency', '301']);
    assert.is(run.code, 2, run.stderr);
    assert.is(JSON.parse(run.stdout).result.maximum, 300, 'stdout is the record alone');
    assert.match(run.stderr, /verdict limit-found, exit 2$/m);
  });
});

test('merge: bad input gets one line and exit 1; a missing segment exit 3', async () => {
  const none = await runCliHere(['merge']);
  assert.equal([none.code, none.stderr.trim().split('\n').length], [1, 1]);
  assert.match(none.stderr, /merge needs the segments' run records/);
  const notThere = await runCliHere(['merge', '/nonexistent/seg.json']);
  assert.match(notThere.stderr, /cannot read "\/nonexistent\/seg\.json" \(ENOENT\)/);
  const single = await runCliHere(['merge', fixture('records/fixed.json')]);
  assert.equal([single.code], [1]);
  assert.match(single.stderr, /is not a segment of a split ramp/);
  const short = await runCliHere(['merge', files[0] as string, files[2] as string, '--format', 'markdown']);
  assert.is(short.code, 3);
  assert.match(short.stdout, /inconclusive/i);
});

test('a segment started after its plan would have ended refuses before any dial: exit 3', async () => {
  const past = new Date(Date.now() - 120_000).toISOString();
  const run = await runCliHere([
    '127.0.0.1:9',
    '--ramp',
    '10/s',
    '--max-duration',
    '60s',
    '--segment',
    '0/2',
    '--start-at',
    past,
  ]);
  assert.is(run.code, 3);
  assert.match(
    run.stderr,
    /was 12\ds ago, past the plan's end \(--max-duration 60s\); start every segment again with a later --start-at/,
  );
  assert.is(run.stdout, '');
});

test.run();
