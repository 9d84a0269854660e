// The library API as a JavaScript test suite uses it: serve() a target with a known limit,
// probe() it, assert on the record; Ctrl-C's counterpart (an AbortSignal); the CLI's usage errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probe, serve, UsageError } from '../../src/index.js';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';

test('probe() finds the limit serve() was given, and returns the run record --json writes', async () => {
  const target = await serve({ maxConnections: 40, banner: '+OK\r\n' });
  try {
    const rounds: number[] = [];
    const record = await probe({
      target: target.address,
      ramp: '100/s',
      round: '500ms',
      expect: '+OK',
      maxDuration: '10s',
      onRound: (round) => rounds.push(round.round),
    });
    assert.is(record.result.mode, 'ramp');
    if (record.result.mode !== 'ramp') return;
    assert.is(record.result.maximum, 40);
    assert.is(record.result.verdict, 'limit-found');
    assert.is(record.result.exitCode, 0);
    assert.equal(
      rounds,
      record.result.rounds.map((r) => r.round),
      'onRound saw every round',
    );
    assert.is(record.tool.name, 'goon-probe');
    assert.equal(record.config.engine, {
      name: 'native',
      why: 'auto: the C engine on epoll (local build)',
    });
    assert.is(
      record.command.line,
      `goon-probe ${target.address} --ramp 100/s --round 500ms --expect +OK --max-duration 10s`,
      'the record names the command line that runs the same probe',
    );
    assert.ok((await target.stats()).served >= 40);
    // The record carries its latencies encoded to add up across records, never the raw histograms.
    assert.match(record.result.distributions?.connect ?? '', /^HISTF/);
    assert.not.ok('latencyWindow' in record.result);
    assert.is(makeRecordValidator()(record), null, 'a valid run record');
  } finally {
    await target.close();
  }
});

test('an AbortSignal ends the run with what was measured (exit 130, as Ctrl-C)', async () => {
  const target = await serve();
  const controller = new AbortController();
  try {
    const record = await probe({
      target: target.address,
      ramp: '50/s',
      round: '200ms',
      maxDuration: '30s',
      signal: controller.signal,
      onRound: (round) => {
        if (round.round === 2) controller.abort();
      },
    });
    assert.is(record.result.mode, 'ramp');
    if (record.result.mode !== 'ramp') return;
    assert.is(record.result.stopReason, 'interrupted');
    assert.is(record.result.exitCode, 130);
    assert.ok(record.result.rounds.length >= 2 && record.result.rounds.length <= 3, `${record.result.rounds.length}`);
  } finally {
    await target.close();
  }
});

test('fixed mode: probe() with connections and no ramp, as tcpgoon', async () => {
  const target = await serve({ maxConnections: 100 });
  try {
    const record = await probe({ target: target.address, connections: 20, sleep: 0 });
    assert.is(record.result.mode, 'fixed');
    if (record.result.mode === 'fixed') assert.is(record.result.status.established, 20);
  } finally {
    await target.close();
  }
});

test("bad options are the CLI's one-line UsageErrors, thrown before any traffic", async () => {
  const refused = async (options: Parameters<typeof probe>[0], pattern: RegExp): Promise<void> => {
    try {
      await probe(options);
      assert.unreachable(`${JSON.stringify(options)} was accepted`);
    } catch (err) {
      assert.instance(err, UsageError);
      assert.match((err as Error).message, pattern);
      assert.not.match((err as Error).message, /\n/);
    }
  };
  await refused({ target: '127.0.0.1:1', rampp: '1/s' }, /probe\(\): "rampp" is no option/);
  await refused(
    { target: '127.0.0.1:1', json: 'out.json' },
    /"json" option is the CLI's; probe\(\) returns the run record/,
  );
  await refused({ target: '127.0.0.1:1', ramp: 'fast' }, /--ramp/);
  await refused({ target: [] }, /give a target/);
  // Outside loopback without assumeYes: refused before a packet is sent (198.18.0.0/15 is a test range).
  await refused({ target: '198.18.0.1:9', ramp: '1/s' }, /not a loopback address; pass assumeYes: true/);
  try {
    await serve({ host: '198.18.0.1' });
    assert.unreachable('serve() listened outside loopback');
  } catch (err) {
    assert.match((err as Error).message, /serve\(\): host 198\.18\.0\.1 is not a loopback address/);
  }
});

test.run();
