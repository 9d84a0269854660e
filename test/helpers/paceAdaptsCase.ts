// The slow-target ramp of paceAdapts.test.ts and paceAdaptsNative.test.ts: a target that takes on
// new connections slower than the ramp asks is not full: a built-in target with --accept-rate,
// probed five times faster than it serves. The answer is the limit exactly, whatever the ramp, on
// either engine (two files, so that the two slow runs wait side by side). docs/ARCHITECTURE.md "Pace".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst } from './ramp.js';
import { withServeProcess } from './serveProcess.js';
import { fasterThanSlowTarget as fast, slowTarget } from './slowTarget.js';

/** Registers the slow-target ramp on one engine. */
export function paceAdaptsTest(engine: 'native' | 'js'): void {
  const LIMIT = 120;

  test(`${engine}: serve --accept-rate 40/s, limit ${LIMIT}, at --ramp 200/s: exactly ${LIMIT}; the ramp slowed and says so`, async () => {
    await withServeProcess(slowTarget(LIMIT), async (address) => {
      const r = await rampAgainst(address, { ...fast, engine });
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
}
