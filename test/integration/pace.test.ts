// A target that takes on new connections slower than the ramp asks is not full: real sockets, a
// built-in target with --accept-rate and Debian's sshd (a fork per connection), each probed far
// faster than it serves. The answer is the limit exactly, whatever the ramp; under --no-adapt an
// honest rate-limited (exit 3). docs/ARCHITECTURE.md "Pace".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst } from '../helpers/ramp.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withServeProcess } from '../helpers/serveProcess.js';

// 40 new connections a second at most, 120 at once (the first timeouts come well before that), and
// an accept queue of 64 (past it, SYNs are dropped); a greeting is its service. A process of its
// own, so that its pace is its own, not the prober's event loop's. Ramped five times faster than it
// takes connections on: on a machine busy with other work it serves slower still, and the run has
// time to get there at that pace.
const LIMIT = 120;
const slowTarget = (limit: number): string[] => [
  '--max-connections',
  String(limit),
  '--over-limit',
  'close',
  '--banner',
  'HELLO\\r\\n',
  '--accept-rate',
  '40/s',
  '--backlog',
  '64',
];
const slow = slowTarget(LIMIT);
const fast = {
  ramp: '200/s',
  settle: '300ms',
  expect: 'HELLO',
  expectTimeout: '1s',
  dialTimeout: '2s',
  maxDuration: '150s',
};

test(`serve --accept-rate 40/s, limit ${LIMIT}, at --ramp 200/s: exactly ${LIMIT}; the ramp slowed and says so`, async () => {
  await withServeProcess(slow, async (address) => {
    const r = await rampAgainst(address, fast);
    assert.equal([r.maximum, r.verdict, r.exitCode], [LIMIT, 'limit-found', 0]);
    assert.ok((r.paceChanges ?? []).length >= 1, 'the ramp slowed down');
    const change = r.paceChanges?.[0];
    assert.ok(change !== undefined && change.toPerSec < 200 && change.fromPerSec === 200);
    assert.ok(
      r.rounds.some((x) => x.outpaced && !x.failed),
      'the outpaced round is marked, and is no limit',
    );
    assert.equal(r.servedRate?.keptUp, false);
    // The timed-out connections kept listening were answered late: the target was slow, not full.
    assert.ok((r.lateAnswers?.answered ?? 0) > 0, JSON.stringify(r.lateAnswers));
    // Its breaking point is the limit's: the target closes what it cannot take.
    assert.match(diagnoseResult(r).cause, new RegExp(`past ${LIMIT} connections the target accepts, then closes`));
  });
});

test('serve --accept-rate 40/s at --ramp 200/s --no-adapt: rate-limited, exit 3, and the rerun pace named', async () => {
  // A limit far above what it serves before the first timeouts: the run stops outpaced, not full.
  await withServeProcess(slowTarget(1000), async (address) => {
    const r = await rampAgainst(address, { ...fast, adapt: false });
    assert.equal([r.verdict, r.exitCode, r.stopReason], ['rate-limited', 3, 'outpaced']);
    assert.ok(r.maximum < 1000, `the limit was not reached: ${r.maximum}`);
    const d = diagnoseResult(r);
    assert.match(d.cause, /the target takes on about \d+\/s new connections, slower than the ramp's 200\/s/);
    assert.not.match(d.cause, /stopped accepting/);
    assert.ok(d.lookAt.some((l) => /rerun with --ramp \d+\/s/.test(l)));
  });
});

test('fixed mode against the slow target: the connections that timed out, and the rate it served at', async () => {
  await withServeProcess(slow, async (address) => {
    const run = await runCliHere([
      address,
      '-c',
      '100',
      '-s',
      '0',
      '--expect',
      'HELLO',
      '--expect-timeout',
      '1s',
      '-y',
    ]);
    assert.is(run.code, 2, 'not all established');
    const rate = /New connections served: about (\d+)\/s \((\d+) served in/.exec(run.stdout);
    assert.ok(rate, run.stdout);
    // It serves at most 40 a second; how many fewer depends on the machine, so only the bound is asserted.
    assert.ok(Number(rate?.[1]) > 0 && Number(rate?.[1]) <= 45, rate?.[0]);
  });
});

test('a target that keeps up: no slowdown, and the served rate is the ramp', async () => {
  await withServeProcess(['--max-connections', '100', '--over-limit', 'close'], async (address) => {
    const r = await rampAgainst(address, { ramp: '50/s', settle: '500ms', round: '500ms' });
    assert.equal([r.maximum, r.verdict], [100, 'limit-found']);
    assert.equal(r.paceChanges, []);
    assert.equal(r.servedRate?.keptUp, true);
  });
});

test.run();
