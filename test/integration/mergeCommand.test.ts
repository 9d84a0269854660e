// goon-probe merge in this process: records from files and from logs (one record a line among
// other lines, as kubectl logs prints them), the outputs, and the exit codes.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';
import { fixture } from '../helpers/golden.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { builtBin, withoutCoverage } from '../helpers/cli.js';
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
    assert.match(readFileSync(html as string, 'utf8'), /^<!doctype html>[\s\S]*sustains 300 concurrent connections/);
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

// Issue 24: `merge -` reads a pipe to its end, large or slow, as `kubectl logs … | goon-probe merge -`
// gives it, with kubectl's --prefix and --timestamps before each record, and other JSON among them.
test('merge - through a shell pipe: over 64 KB of logs, a slow writer, kubectl prefixes and timestamps', async () => {
  await withDir(async (dir) => {
    const records = files.map((f) => readFileSync(f, 'utf8').trim());
    const noise = Array.from(
      { length: 3000 },
      (_, i) => `round ${i} target 100 held 99 settling 1 dialing 0 failures none`,
    );
    const log = [
      ...noise,
      `[pod/goon-probe-0-abcde/probe] ${records[0]}`,
      `2026-11-27T16:54:17.011000000Z ${records[1]}`,
      '{"schemaVersion": 3, "kind": "another tool\'s JSON line"}',
      records[2],
    ].join('\n');
    const big = join(dir, 'big.log');
    writeFileSync(big, `${log}\n`);
    assert.ok(log.length > 64 * 1024, 'larger than a pipe buffer');
    const cli = `"${process.execPath}" "${builtBin()}" merge - --format json`;
    for (const [how, shell] of [
      ['a large pipe', `cat "${big}" | ${cli}`],
      ['a slow writer', `(sleep 1; cat "${big}") | ${cli}`],
    ] as const) {
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('/bin/sh', ['-c', shell], { stdio: ['ignore', 'pipe', 'pipe'], env: withoutCoverage() });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      assert.is(run.code, 0, `${how}: ${run.stderr}`);
      assert.is(JSON.parse(run.stdout).result.maximum, 300, how);
    }
  });
});

test('merge names a record that is cut short, never "segment 1/3 is missing"', async () => {
  await withDir(async (dir) => {
    const cut = join(dir, 'cut.log');
    const whole = readFileSync(files[1] as string, 'utf8').trim();
    writeFileSync(cut, `progress line\n${whole.slice(0, Math.floor(whole.length / 2))}\n`);
    const run = await runCliHere(['merge', files[0] as string, cut, files[2] as string]);
    assert.is(run.code, 1);
    assert.match(run.stderr, /cut\.log line 2 holds a goon-probe run record that is cut short or malformed/);
    assert.not.match(run.stdout + run.stderr, /is missing/);
  });
});

test('merge checks every output before it reads any input, as a run does (issue 24)', async () => {
  await withDir(async (dir) => {
    const same = join(dir, 'same.out');
    const run = (args: string[]) => runCliHere(['merge', ...args]);
    const twice = await run([...files, '--json', same, '--markdown', same]);
    assert.is(twice.code, 1);
    assert.match(twice.stderr, /--json and --markdown both name/);
    const bothOut = await run([...files, '--json', '-', '--markdown', '-']);
    assert.match(bothOut.stderr, /both want stdout/);
    const formatToo = await run([...files, '--format', 'json', '--json', '-']);
    assert.match(formatToo.stderr, /two documents on stdout/);
    // An unwritable output is named before the inputs are read (this input does not exist) ...
    const unwritable = await run([join(dir, 'no-such-record.json'), '--html', join(dir, 'no-such-dir', 'r.html')]);
    assert.is(unwritable.code, 1);
    assert.match(unwritable.stderr, /--html .* cannot be written \(ENOENT\)/);
    // ... and a good file written earlier is left as it was.
    const good = join(dir, 'good.json');
    writeFileSync(good, 'an earlier good file\n');
    const failed = await run([...files, '--json', good, '--html', join(dir, 'no-such-dir', 'r.html')]);
    assert.is(failed.code, 1);
    assert.is(readFileSync(good, 'utf8'), 'an earlier good file\n');
  });
});

test.run();
