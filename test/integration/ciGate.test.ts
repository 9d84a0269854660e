import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';
import { runCliProcess, startCli } from '../helpers/cli.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { closedPort, withServer } from '../helpers/servers.js';
import { withDir } from '../helpers/tempDir.js';

const validate = makeRecordValidator();
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

test('gate met: stops once N are held, exit 0, without ramping past the gate', async () => {
  await withServer({ maxConnections: 400, overLimit: 'close' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '--ramp',
      '500/s',
      '--round',
      '250ms',
      '--settle',
      '300ms',
      '--min-concurrency',
      '150',
    ]);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, /Verdict: gate-met/);
    assert.match(run.stdout, /Gate: --min-concurrency 150 passed \(held 150\)/);
    assert.is(server.stats().peakActive, 150, 'the ramp stopped at the gate');
    assert.is(lastLine(run.stdout), 'Result: maximum sustainable concurrency 150, verdict gate-met, exit 0');
  });
});

test('gate missed: the target holds fewer than N, exit 2; --find-max above the gate exits 0', async () => {
  await withServer({ maxConnections: 80, overLimit: 'error-close', reply: 'echo' }, async (server) => {
    const args = [
      server.address,
      '--ramp',
      '200/s',
      '--round',
      '250ms',
      '--settle',
      '200ms',
      '--send',
      'x\\n',
      '--expect',
      'x',
    ];
    const missed = await runCliHere([...args, '--min-concurrency', '100']);
    assert.is(missed.code, 2, missed.stderr);
    assert.match(missed.stdout, /Gate: --min-concurrency 100 FAILED: the maximum 80 is below it/);
    assert.is(lastLine(missed.stdout), 'Result: maximum sustainable concurrency 80, verdict limit-found, exit 2');
    await server.idle(); // the first run's connections are gone from the server too
    const findMax = await runCliHere([...args, '--min-concurrency', '50', '--find-max']);
    assert.is(findMax.code, 0, findMax.stderr);
    assert.match(findMax.stdout, /Maximum sustainable concurrency: 80 /, 'kept ramping to the real maximum');
    assert.match(findMax.stdout, /Gate: --min-concurrency 50 passed \(held 80\)/);
  });
});

test('gate against an unreachable target exits 2', async () => {
  const port = await closedPort();
  const run = await runCliHere([
    `127.0.0.1:${port}`,
    '--ramp',
    '100/s',
    '--round',
    '250ms',
    '--min-concurrency',
    '10',
    '--settle',
    '100ms',
  ]);
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stdout, /Failures in all: refused \d+/);
  assert.is(lastLine(run.stdout), 'Result: maximum sustainable concurrency 0, verdict not-served, exit 2');
});

test('prober-limited under a tiny fd limit: exit 3, never 0, the record says so', async () => {
  await withServer({}, async (server) => {
    await withDir(async (dir) => {
      const json = join(dir, 'run.json');
      const run = await runCliProcess(
        [
          server.address,
          '--ramp',
          '300/s',
          '--round',
          '250ms',
          '--settle',
          '100ms',
          '--min-concurrency',
          '1000',
          '--json',
          json,
        ],
        { fdLimit: 80 },
      );
      assert.is(run.code, 3, run.stderr);
      assert.match(run.stdout, /Verdict: prober-limited/);
      assert.match(run.stdout, /fd-limit \d+ \(prober limit\)/);
      assert.match(
        run.stdout,
        /Diagnosis \(the prober's limit\): the prober ran out of file descriptors \(EMFILE\/ENFILE\) with \d+ held: this machine's limit, not the target's/,
      );
      assert.match(lastLine(run.stdout), /verdict prober-limited, exit 3$/);
      const record = JSON.parse(readFileSync(json, 'utf8'));
      assert.is(validate(record), null);
      assert.equal(
        [record.result.verdict, record.result.exitCode, record.environment.fdLimit.soft],
        ['prober-limited', 3, 80],
      );
      assert.equal(record.diagnosis.side, 'prober');
    });
  });
});

test('--json FILE and --markdown FILE: a valid record and a page from one real run; GitHub step summary appended', async () => {
  await withServer({ maxConnections: 120, overLimit: 'close' }, async (server) => {
    await withDir(async (dir) => {
      const [json, md, summary] = [join(dir, 'run.json'), join(dir, 'run.md'), join(dir, 'summary.md')];
      writeFileSync(summary, '# earlier step\n');
      const args = [
        server.address,
        '--ramp',
        '300/s',
        '--round',
        '250ms',
        '--settle',
        '300ms',
        '--json',
        json,
        '--markdown',
        md,
      ];
      const run = await runCliHere(args, { GITHUB_STEP_SUMMARY: summary });
      assert.is(run.code, 0, run.stderr);
      const record = JSON.parse(readFileSync(json, 'utf8'));
      assert.is(validate(record), null);
      assert.equal(record.command.argv, args);
      assert.equal(
        [record.target.resolved, record.result.maximum, record.result.verdict],
        [server.address, 120, 'limit-found'],
      );
      assert.ok(record.result.rounds.length >= 1 && record.environment.sourceAddresses.includes('127.0.0.1'));
      const page = readFileSync(md, 'utf8');
      assert.match(page, /^# `127\.0\.0\.1:\d+` sustains 120 concurrent connections$/m);
      assert.is(readFileSync(summary, 'utf8'), `# earlier step\n${page}\n`, 'appended, earlier steps kept');
    });
  });
});

test('--json -: stdout is the record alone; the report and result line go to stderr; --quiet prints only the result', async () => {
  await withServer({ maxConnections: 50, overLimit: 'reset' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '--ramp',
      '200/s',
      '--round',
      '250ms',
      '--settle',
      '300ms',
      '--json',
      '-',
    ]);
    assert.is(run.code, 0, run.stderr);
    assert.is(validate(JSON.parse(run.stdout)), null, 'stdout parses as one record');
    assert.match(run.stderr, /Maximum sustainable concurrency: 50 /);
    assert.match(lastLine(run.stderr), /^Result: maximum sustainable concurrency 50, verdict limit-found, exit 0$/);
    await server.idle();
    const quiet = await runCliHere([server.address, '--ramp', '200/s', '--round', '250ms', '--settle', '300ms', '-q']);
    assert.is(quiet.code, 0);
    assert.is(quiet.stdout, 'Result: maximum sustainable concurrency 50, verdict limit-found, exit 0\n');
    assert.is(quiet.stderr, '', 'no progress');
  });
});

test('without a TTY: plain round lines at most every --interval', async () => {
  await withServer({ maxConnections: 1000 }, async (server) => {
    const args = [server.address, '--ramp', '100/s', '--round', '100ms', '--max-duration', '1s', '--settle', '50ms'];
    const every = await runCliHere([...args, '-i', '100ms']);
    await server.idle();
    const sparse = await runCliHere([...args, '-i', '500ms']);
    const count = (text: string): number => (text.match(/^round \d+ /gm) ?? []).length;
    assert.is(count(every.stderr), 10, every.stderr);
    assert.is(count(sparse.stderr), 2, sparse.stderr);
    assert.not.match(sparse.stderr, /\r|\u001b/, 'no in-place rewriting without a TTY');
  });
});

test('Ctrl-C: the JSON record and the Markdown page are still written, exit 130', async () => {
  await withServer({}, async (server) => {
    await withDir(async (dir) => {
      const [json, md] = [join(dir, 'run.json'), join(dir, 'run.md')];
      const cli = startCli([
        server.address,
        '--ramp',
        '100/s',
        '--round',
        '200ms',
        '--settle',
        '50ms',
        '-i',
        '100ms',
        '--json',
        json,
        '--markdown',
        md,
      ]);
      await cli.waitFor(/^round 2 /m);
      cli.child.kill('SIGINT');
      const run = await cli.done;
      assert.is(run.code, 130, run.stderr);
      const record = JSON.parse(readFileSync(json, 'utf8'));
      assert.is(validate(record), null);
      assert.equal([record.result.verdict, record.result.exitCode], ['interrupted', 130]);
      assert.ok(record.result.rounds.length >= 2);
      assert.match(readFileSync(md, 'utf8'), /verdict `interrupted` · exit 130/);
    });
  });
});

test('bad output paths fail before any dial, in one line', async () => {
  await withDir(async (dir) => {
    const run = await runCliHere(['127.0.0.1:9', '--ramp', '10/s', '--json', join(dir, 'missing', 'run.json')]);
    assert.is(run.code, 1);
    assert.match(
      run.stderr,
      /^goon-probe: --json ".*run\.json" cannot be written \(ENOENT\); give a file in a writable directory, or - for stdout\n$/,
    );
  });
});

test.run();
