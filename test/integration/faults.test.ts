// Issue 24: no capacity from connections never shown to be served, and no limit from a target that
// went away. Real sockets, built-in targets as processes of their own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { describeStop } from '../../src/report/explain.js';
import { startCli } from '../helpers/cli.js';
import { rampAgainst } from '../helpers/ramp.js';
import { withServeProcess } from '../helpers/serveProcess.js';

test('heartbeats never answered with the expected reply: not-served, exit 2, with what came back', async () => {
  // It greets, so --expect passes, and echoes: a heartbeat "ping" comes back "ping", never "pong".
  await withServeProcess(['--banner', 'HELLO\\r\\n', '--reply', 'echo'], async (address) => {
    const r = await rampAgainst(address, {
      ramp: '100/s',
      round: '500ms',
      settle: '200ms',
      expect: 'HELLO',
      expectTimeout: '300ms',
      heartbeat: '200ms',
      heartbeatSend: 'ping',
      heartbeatExpect: 'pong',
      maxDuration: '3s',
    });
    assert.equal([r.maximum, r.verdict, r.exitCode], [0, 'not-served', 2]);
    assert.is(r.heartbeatsAnswered, 0);
    assert.match(describeStop(r), /no heartbeat was ever answered/);
    assert.match(
      diagnoseResult(r).cause,
      /no heartbeat was ever answered with its expected reply; the target sent "ping"/,
    );
  });
});

/** Starts `serve` as a process; returns it and its address once it listens. */
async function startServe(args: readonly string[]) {
  const serve = startCli(['serve', ...args]);
  await serve.waitFor(/listening on \S+/);
  return { serve, address: /listening on (\S+)/.exec(serve.output())?.[1] as string };
}

for (const restart of [false, true]) {
  test(`a target that ${restart ? 'is killed and restarted on its port' : 'dies'} mid-ramp: inconclusive, exit 3, not a limit`, async () => {
    let { serve, address } = await startServe([]);
    const controller = new AbortController();
    const run = rampAgainst(
      address,
      { ramp: '100/s', round: '500ms', settle: '200ms', maxDuration: '20s' },
      controller.signal,
    );
    try {
      // Once it holds a good number, the target goes away (and, for a restart, comes back at once).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      serve.child.kill('SIGKILL');
      await serve.done;
      if (restart) ({ serve } = await startServe(['--port', address.split(':').at(-1) as string]));
      const r = await run;
      assert.equal(
        [r.verdict, r.exitCode],
        ['inconclusive', 3],
        JSON.stringify({
          rounds: r.rounds.map((x) => [x.held, x.settling, x.unverified, x.failures]),
          finalHeld: r.finalHeld,
          droppedHeld: r.droppedHeld,
          failures: r.failures,
        }),
      );
      assert.ok(r.targetGone !== null && r.targetGone !== undefined && r.targetGone.held > 0);
      assert.match(describeStop(r), /the target went away: all \d+ held connections dropped at once/);
      assert.match(diagnoseResult(r).cause, /not a limit it enforces/);
    } finally {
      controller.abort();
      serve.child.kill('SIGKILL');
      await serve.done;
    }
  });
}

test.run();
