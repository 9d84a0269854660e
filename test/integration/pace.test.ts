// A target that takes on new connections slower than the ramp asks is not full: real sockets, a
// built-in target with --accept-rate (sshd: sshd.test.ts), probed far faster than it serves. The
// adapting ramp's exact answer: paceAdapts.test.ts; here --no-adapt's honest rate-limited (exit 3),
// fixed mode, and a target that keeps up. docs/ARCHITECTURE.md "Pace".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst } from '../helpers/ramp.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withServeProcess } from '../helpers/serveProcess.js';
import { fasterThanSlowTarget as fast, slowTarget } from '../helpers/slowTarget.js';

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
  await withServeProcess(slowTarget(120), async (address) => {
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
