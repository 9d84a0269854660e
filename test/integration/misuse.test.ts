// Issue 14: the usual mistakes of a new user get a true answer, or one line naming the fix.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/runCli.js';
import { runCliProcess, startCli } from '../helpers/cli.js';
import { startCliHere } from '../helpers/runCliHere.js';
import { recordingIO } from '../helpers/recordingIO.js';
import { withServer } from '../helpers/servers.js';
import { withDir } from '../helpers/tempDir.js';
import { repoPath } from '../helpers/repoPath.js';

/** Runs the CLI in this process; returns its exit code and what it wrote. */
async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = recordingIO(env);
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const SHORT_RAMP = ['--ramp', '20/s', '--max-duration', '1s', '--settle', '0', '-q'];

test('bad input in process: one line naming the problem and the fix, exit 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const cases: Array<[string[], RegExp]> = [
      [['127.0.0.1', '6379', '99'], /"99" after the target 127.0.0.1 6379 is an extra argument/], // tcpgoon form plus a stray
      [['127.0.0.1:1', '--send', 'PING\\xZZ'], /--send "PING\\\\xZZ" has \\xZZ, which is not an escape/],
      [['127.0.0.1:1', '--message', 'x\\'], /has a trailing \\, which is not an escape/],
      [['127.0.0.1:1', '--ramp', '10/s', '--find-max'], /--find-max .* add --min-concurrency N/],
      [['127.0.0.1:1', '--json', 'same.out', '--markdown', 'same.out'], /--json and --markdown both name "same.out"/],
      [['127.0.0.1:1', '--tls', '--ca', 'package.json'], /--ca "package.json" holds no PEM certificate/],
      [
        ['127.0.0.1:1', '--statsd-host', 'statsd.invalid', '-c', '1'],
        /--statsd-host statsd.invalid is not a loopback address; refusing without confirmation, pass -y/,
      ],
      [
        ['serve', '--port', String(port), '--duration', '1s'],
        new RegExp(`serve --port ${port} is in use \\(EADDRINUSE\\); choose another port, or 0`),
      ],
      [
        ['serve', '--host', '0.0.0.0', '--duration', '1s'],
        /--host 0.0.0.0 is not a loopback address, so other machines could reach the server; refusing without confirmation, pass -y/,
      ],
      [
        ['127.0.0.1:1', '--json', '/proc/nope.json', '-c', '1'],
        /--json "\/proc\/nope.json" cannot be written \(E[A-Z]+\)/,
      ],
      [
        ['127.0.0.1:1', '--markdown', '/nonexistent-dir/x.md', '-c', '1'],
        /--markdown "\/nonexistent-dir\/x.md" cannot be written \(ENOENT\)/,
      ],
    ];
    for (const [argv, pattern] of cases) {
      const r = await run(argv);
      const label = argv.join(' ');
      assert.is(r.code, 1, label);
      assert.match(r.stderr, pattern, label);
      assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${label}\n${r.stderr}`);
      assert.is(r.stdout, '', label);
    }
  } finally {
    taken.close();
  }
});

test('an unwritable GITHUB_STEP_SUMMARY is found before the first dial', async () => {
  await withServer({}, async (server) => {
    const r = await run([server.address, ...SHORT_RAMP], { GITHUB_STEP_SUMMARY: '/proc/nope-summary.md' });
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /GITHUB_STEP_SUMMARY "\/proc\/nope-summary.md" cannot be written/);
    assert.is(server.stats().served, 0, 'nothing dialed');
  });
});

test('an output that fails at the end: exit 1, and the last line says exit 1', async () => {
  await withServer({}, async (server) => {
    // /dev/full takes the open and fails every write with ENOSPC, as a full disk does.
    const r = await run([server.address, ...SHORT_RAMP, '--markdown', '/dev/full']);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /--markdown "\/dev\/full" could not be written \(ENOSPC\)/);
    assert.match(r.stdout.trim().split('\n').at(-1) as string, /verdict limit-not-reached, exit 1$/);
  });
});

test('a full disk leaves no half-written record: the old file or nothing', async () => {
  if (process.getuid?.() !== 0) return void console.log('  (skipped: mounting a small tmpfs needs root)');
  await withDir(async (dir) => {
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', disk], { stdio: 'ignore' });
    } catch {
      return void console.log('  (skipped: cannot mount a tmpfs here)');
    }
    try {
      writeFileSync(join(disk, 'run.json'), 'old\n');
      try {
        writeFileSync(join(disk, 'filler'), Buffer.alloc(4096));
      } catch {
        // filled to the last block: as intended
      }
      await withServer({}, async (server) => {
        const r = await run([server.address, ...SHORT_RAMP, '--json', join(disk, 'run.json')]);
        assert.is(r.code, 1, r.stderr);
        assert.match(r.stderr, /--json ".*run.json" could not be written \(ENOSPC\)/);
        assert.match(r.stdout.trim().split('\n').at(-1) as string, /exit 1$/);
      });
      assert.is(readFileSync(join(disk, 'run.json'), 'utf8'), 'old\n', 'the old record is whole');
      assert.equal(
        readdirSync(disk).filter((f) => f.endsWith('.tmp')),
        [],
        'no scratch file left',
      );
    } finally {
      execFileSync('umount', [disk]);
    }
  });
});

test('a directory removed during the run: exit 1 stated on the last line, no half file', async () => {
  await withServer({}, async (server) => {
    await withDir(async (dir) => {
      const out = join(dir, 'gone');
      mkdirSync(out);
      const cli = startCliHere([
        server.address,
        '--ramp',
        '20/s',
        '--round',
        '200ms',
        '--max-duration',
        '1s',
        '--settle',
        '0',
        '-i',
        '200ms',
        '--json',
        join(out, 'run.json'),
      ]);
      await cli.waitFor(/^round 1 /m);
      rmSync(out, { recursive: true });
      const r = await cli.done;
      assert.is(r.code, 1, r.stderr);
      assert.match(r.stderr, /could not be written \(ENOENT\)/);
      assert.match(r.stdout.trim().split('\n').at(-1) as string, /exit 1$/);
      assert.not.ok(existsSync(out));
    });
  });
});

/** A ramp slow enough to interrupt by its second round, with a status line every round. */
const SLOW_RAMP = ['--ramp', '50/s', '--round', '200ms', '--settle', '0', '-i', '200ms'];

// On both engines (issue 27): the signals are the CLI's, and the native engine stops with the run.
for (const engine of ['native', 'js'] as const) {
  test(`${engine}: SIGHUP (a closed terminal) keeps the report and the record, like Ctrl-C`, async () => {
    await withServer({}, async (server) => {
      await withDir(async (dir) => {
        const json = join(dir, 'run.json');
        const cli = startCli([server.address, ...SLOW_RAMP, '--engine', engine, '--json', json]);
        await cli.waitFor(/^round 2 /m);
        cli.child.kill('SIGHUP');
        const r = await cli.done;
        assert.is(r.code, 130, r.stderr);
        assert.match(r.stdout, /Verdict: interrupted/);
        const record = JSON.parse(readFileSync(json, 'utf8')) as { result: { verdict: string; maximum: number } };
        assert.is(record.result.verdict, 'interrupted');
        assert.ok(record.result.maximum > 0);
      });
    });
  });

  test(`${engine}: a double Ctrl-C: the second, while the report files are written, does not cut them short`, async () => {
    await withServer({}, async (server) => {
      await withDir(async (dir) => {
        // The record goes to a FIFO, so the run waits in its write until this test reads it: the
        // second Ctrl-C comes while the files are being written, every time.
        const fifo = join(dir, 'record.fifo');
        const html = join(dir, 'run.html');
        execFileSync('mkfifo', [fifo]);
        const cli = startCli([server.address, ...SLOW_RAMP, '--engine', engine, '--json', fifo, '--html', html]);
        await cli.waitFor(/^round 2 /m);
        cli.child.kill('SIGINT');
        // The text report is printed once measuring ends, before the files are written.
        await cli.waitFor(/Verdict: interrupted/);
        cli.child.kill('SIGINT');
        const record = new Promise<string>((resolve) => {
          let text = '';
          const reader = createReadStream(fifo, 'utf8');
          reader.on('data', (d) => {
            text += d;
          });
          reader.on('end', () => resolve(text));
          reader.on('error', () => resolve(text));
        });
        const r = await cli.done;
        // A run killed before it opened the FIFO would leave the reader waiting: a writer of our own releases it.
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {}
        assert.is(r.code, 130, r.stderr);
        assert.match(r.stderr, /writing the report files; nearly done \(Ctrl-C again to exit without them\)/);
        assert.is(JSON.parse(await record).result.verdict, 'interrupted');
        assert.match(readFileSync(html, 'utf8'), /<\/html>\s*$/);
      });
    });
  });
}

test('report - reads a record from stdin', async () => {
  const record = readFileSync(repoPath('fixtures', 'records', 'fixed.json'), 'utf8');
  const r = await runCliProcess(['report', '-'], { input: record });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Result: established \d+ of \d+/m);
});

test('ulimit -n 30: one line with the fix, not a stack trace from the module loader', async () => {
  // --version loads no command, so it runs at this limit; a probe loads its command and cannot.
  const version = await runCliProcess(['--version'], { fdLimit: 30 });
  assert.is(version.code, 0, version.stderr);
  const r = await runCliProcess(['127.0.0.1:9', '-c', '1'], { fdLimit: 30 });
  assert.is(r.code, 1);
  assert.is(
    r.stderr,
    'goon-probe: too few open files to load (EMFILE); raise the limit (ulimit -n 4096) and run again\n',
  );
});

test.run();
