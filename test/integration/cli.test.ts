import { test } from 'uvu';
import { runCli } from '../../src/cli/runCli.js';
import { recordingIO } from '../helpers/recordingIO.js';
import * as assert from 'uvu/assert';
import { startCli } from '../helpers/cli.js';
import { runCliHere, startCliHere } from '../helpers/runCliHere.js';
import { closedPort, withServer } from '../helpers/servers.js';

test('fixed mode: 500 connections established, exit 0 (tcpgoon status lines)', async () => {
  await withServer({}, async (server) => {
    const run = await runCliHere([server.address, '-c', '500', '-s', '0', '-y', '-i', '200ms']);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Total: 500, Dialing: 0, Established: 0, Closed: 0, Error: 0, NotInitiated: 500$/m);
    assert.match(
      run.stdout,
      /--- 127\.0\.0\.1:\d+ tcp test statistics ---\nTotal: 500, Dialing: 0, Established: 500, Closed: 0, Error: 0, NotInitiated: 0/,
    );
    assert.match(run.stdout, /Established: 500 in total, 500 at most at once, 500 at closure/);
    assert.match(run.stdout, /Connect time min\/avg\/max\/dev = [\d.]+ms\/[\d.]+ms\/[\d.]+ms\/[\d.]+ms/);
    assert.match(run.stdout, /Errors: none/);
  });
});

test('fixed mode: a closed port exits 2 with refused counted', async () => {
  const port = await closedPort();
  const run = await runCliHere([`127.0.0.1:${port}`, '-c', '5', '-s', '0', '-y', '-i', '100ms']);
  assert.is(run.code, 2);
  assert.match(run.stdout, /Error: 5, NotInitiated: 0/);
  assert.match(run.stdout, /Errors: refused 5/);
  assert.match(run.stdout, /Time to error min\/avg\/max\/dev/);
});

test('fixed mode: host port form, IPv6, and connections the server closes are not "established"', async () => {
  await withServer({ host: '::1', maxConnections: 3, overLimit: 'close' }, async (server) => {
    const run = await runCliHere(['::1', String(server.port), '-c', '5', '-s', '1', '-y', '-i', '300ms']);
    assert.is(run.code, 2, 'not all 5 held');
    assert.match(run.stdout, /--- \[::1\]:\d+ tcp test statistics ---/);
    assert.match(run.stdout, /Established: 3, Closed: 2, Error: 0/);
    // The run waits out --settle, so the closes are counted however late they come; and the
    // diagnosis names the 3 held, not the 5 that were open for a moment.
    assert.match(run.stdout, /past 3 connections the target accepts, then closes without a word/);
  });
});

test('bad input: one line naming the problem and the fix, exit 1, no stack trace', async () => {
  const port = await closedPort();
  const target = `127.0.0.1:${port}`;
  const cases: Array<[string[], RegExp]> = [
    [[], /no target given/], // no target
    [['127.0.0.1:0'], /"0" is not a port/], // port 0
    [['127.0.0.1:70000'], /"70000" is not a port/], // port too big
    [['127.0.0.1:abc'], /"abc" is not a port/], // port not a number
    [[':80'], /host is empty/], // empty host
    [['nowhere.invalid:80'], /cannot resolve "nowhere.invalid"/], // unresolvable name (never queried)
    [[target, '-c', '0'], /--connections "0" is not a whole number/], // -c 0
    [[target, '-c', '-5'], /--connections "-5" is not a whole number/], // -c -5
    [[target, '-c', '1.5'], /--connections "1.5" is not a whole number/], // -c 1.5
    [[target, '-s', '10x'], /--sleep "10x" is not a duration/], // -s 10x
    [[target, '-t', '-1'], /--dial-timeout "-1" is not a duration/], // -t -1
    [[target, '--frobnicate'], /unknown option --frobnicate/], // unknown flag
    [[target, 'extra'], /target "extra" has no port/], // a second destination without a port
    [[target, '--ramp', 'fast'], /--ramp "fast" is not a rate/], // bad rate
    [['serve', '--over-limit', 'explode'], /--over-limit "explode" is unknown/], // serve validation
    [['0.0.0.0:1'], /not a loopback address; refusing without confirmation, pass -y/], // no TTY, no -y
  ];
  const runs = await Promise.all(cases.map(([args]) => runCliHere(args)));
  runs.forEach((run, i) => {
    const [args, pattern] = cases[i] as [string[], RegExp];
    const label = JSON.stringify(args);
    assert.is(run.code, 1, label);
    assert.match(run.stderr, pattern, label);
    assert.is(run.stderr.trim().split('\n').length, 1, `one line: ${label}\n${run.stderr}`);
    assert.not.match(run.stderr, /\n\s+at /, `no stack trace: ${label}`);
    assert.is(run.stdout, '', `nothing on stdout: ${label}`);
  });
});

test('serve: prints where it listens, serves, stops after --duration with a summary', async () => {
  const cli = startCli([
    'serve',
    '--max-connections',
    '5',
    '--over-limit',
    'reset',
    '--reply',
    'echo',
    '--duration',
    '1s',
  ]);
  await cli.waitFor(/listening on 127\.0\.0\.1:\d+\n/);
  const run = await cli.done;
  assert.is(run.code, 0);
  assert.match(run.stdout.split('\n')[0] ?? '', /^listening on 127\.0\.0\.1:\d+$/);
  assert.match(run.stderr, /served 0 connections/);
});

test('ramp via the CLI: report, chart, verdict line, exit 0', async () => {
  await withServer({ maxConnections: 150, overLimit: 'error-close', reply: 'echo' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '--ramp',
      '1200/s',
      '--round',
      '250ms',
      '--settle',
      '300ms',
      '--send',
      'hi\\n',
      '--expect',
      'hi',
    ]);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, /^round 1 {2}target 300 {2}held \d+/m);
    assert.match(run.stdout, /Maximum sustainable concurrency: 150 /);
    assert.match(run.stdout, /Verdict: limit-found/);
    assert.match(run.stdout, /verify-mismatch x\d+: server sent "-ERR max number of clients reached\\r\\n"/);
    assert.match(run.stdout, /┤/, 'an ASCII chart');
    assert.not.match(run.stdout, /\u001b\[/, 'no colour without a TTY');
    assert.match(
      run.stdout.trimEnd().split('\n').at(-1) ?? '',
      /^Result: maximum sustainable concurrency 150, verdict limit-found, exit 0$/,
    );
  });
});

test('ramp via the CLI: a queue target without --expect gets the warning', async () => {
  await withServer({ maxConnections: 20, overLimit: 'queue' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '--ramp',
      '100/s',
      '--round',
      '250ms',
      '--max-connections',
      '60',
      '--settle',
      '200ms',
    ]);
    assert.is(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /Warning: no --expect: an open connection counts as served, so connections waiting in the target's accept queue cannot be told from served ones/,
    );
  });
});

test('Ctrl-C mid-run prints the report of what was measured and exits 130', async () => {
  await withServer({}, async (server) => {
    const cli = startCli([server.address, '--ramp', '100/s', '--round', '300ms', '--settle', '100ms', '-i', '300ms']);
    await cli.waitFor(/^round 2 /m);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    assert.is(run.code, 130, run.stderr);
    assert.match(run.stderr, /interrupted: finishing the report/);
    assert.match(run.stdout, /Maximum sustainable concurrency: \d+/);
    assert.match(run.stdout, /Verdict: interrupted/);
    assert.match(run.stdout, /exit 130$/m);
  });
});

test('Ctrl-C in fixed mode prints the final block and exits 130', async () => {
  await withServer({}, async (server) => {
    // In this process: the signal's path to the run is the test above; here, what fixed mode does with it.
    const cli = startCliHere([server.address, '-c', '1000', '-s', '50', '-i', '100ms', '-y']);
    await cli.waitFor(/Established: [1-9]/);
    cli.interrupt();
    const run = await cli.done;
    assert.is(run.code, 130);
    assert.match(run.stdout, /tcp test statistics/);
    assert.match(run.stdout, /Interrupted: the counts cover what was measured before Ctrl-C/);
  });
});

test("demo: the embedded target's limit is found exactly", async () => {
  const run = await runCliHere(['demo', '--limit', '300', '--ramp', '1k/s']);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /Demo: the target's limit is 300; the probe found 300: exact match/);
});

test('--help and --version', async () => {
  const help = await runCliHere(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--ramp <rate>/);
  const version = await runCliHere(['--version']);
  assert.match(version.stdout, /goon-probe\/\d+\.\d+\.\d+/);
});

test('Ctrl-C on a terminal clears the live status line before it says so', async () => {
  await withServer({}, async (server) => {
    const base = recordingIO();
    let listening: () => void = () => {};
    const heard = new Promise<void>((resolve) => (listening = resolve));
    // The run listens for Ctrl-C once it starts: play it then, not before.
    const io = {
      ...base,
      stderrIsTTY: true,
      onInterrupt: (handler: (press: number) => boolean | undefined) => {
        const remove = base.onInterrupt(handler);
        listening();
        return remove;
      },
    };
    const done = runCli([server.address, '--ramp', '100/s', '--round', '200ms', '--settle', '100ms', '-q'], io);
    await heard;
    base.interrupt();
    assert.is(await done, 130);
    assert.ok(base.stderr().startsWith('\r\u001b[2Kinterrupted: finishing the report'), JSON.stringify(base.stderr()));
  });
});

test.run();
