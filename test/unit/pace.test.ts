// The pace rules (probe/pace.ts) on plain numbers: outpaced or full, the slower pace, the served rate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RampPlan } from '../../src/config/rampPlan.js';
import {
  confirmOutpaced,
  failedByWaitingOnly,
  isOutpaced,
  servedRate,
  slowerPace,
  type PacedRound,
} from '../../src/probe/pace.js';
import { roundDialBudget, roundTarget } from '../../src/probe/rampRules.js';
import { parseThreshold } from '../../src/units.js';

const plan: RampPlan = {
  ratePerSec: 500,
  roundMs: 1000,
  from: 0,
  maxDurationMs: 60_000,
  threshold: parseThreshold('1%', '--error-threshold'),
};
const round = (over: Partial<PacedRound>): PacedRound => ({
  attempts: 500,
  failures: {},
  served: 50,
  level: 150,
  waitedWhileServed: 0,
  ...over,
});
// The round before (only the last one is read).
const before = round({ level: 100 });

const rows: Array<[string, PacedRound, boolean]> = [
  // sshd at 500/s: the queued ones time out while it serves 50 a second
  [
    'timeouts while others were served, level rising: outpaced',
    round({ failures: { 'verify-timeout': 300 }, waitedWhileServed: 290 }),
    true,
  ],
  // a server that stopped accepting: those that time out saw nobody served
  [
    'timeouts while nobody was served: full',
    round({ failures: { 'verify-timeout': 300 }, waitedWhileServed: 10, level: 100 }),
    false,
  ],
  // connect timeouts count as waiting too (the accept queue is full)
  [
    'connect timeouts while others were served: outpaced',
    round({ failures: { timeout: 80 }, waitedWhileServed: 80 }),
    true,
  ],
  // past the limit it closes them: no waiting at all
  ['closes past the limit: full', round({ failures: { closed: 200 }, waitedWhileServed: 0 }), false],
  // closes past the limit as well as timeouts: the closes alone fail the round
  [
    'closes above the threshold besides timeouts: full',
    round({ failures: { closed: 20, timeout: 50 }, waitedWhileServed: 50 }),
    false,
  ],
  // the prober's own limit is never the target's pace
  ['fd-limit: never outpaced', round({ failures: { 'fd-limit': 5, timeout: 50 }, waitedWhileServed: 50 }), false],
  // held connections dropped while new ones wait: the level fell
  ['level falling: not outpaced', round({ failures: { timeout: 50 }, waitedWhileServed: 50, level: 90 }), false],
];
for (const [name, r, expected] of rows)
  test(`isOutpaced: ${name}`, () => assert.is(isOutpaced(plan, r, before), expected));

test('slowerPace: 80% of what it served, never faster than before, at least 1/s, rising from the level', () => {
  const pace = { ratePerSec: 500, fromRound: 0, base: 0, adapted: false };
  assert.equal(slowerPace(pace, 50, 3, 150), { ratePerSec: 40, fromRound: 3, base: 150, adapted: true });
  assert.equal(slowerPace({ ...pace, ratePerSec: 10 }, 50, 3, 150).ratePerSec, 8);
  assert.equal(slowerPace(pace, 0.5, 3, 150).ratePerSec, 1);
  assert.equal(slowerPace(pace, 7, 3, 150).ratePerSec, 5.6);
});

test('an adapted pace: the target rises from the level, and fractions of a dial carry over', () => {
  const pace = { ratePerSec: 2.5, fromRound: 3, base: 150, adapted: true };
  assert.equal(
    [3, 4, 5, 6].map((r) => roundTarget(plan, r, pace)),
    [152, 155, 157, 160],
  );
  assert.equal(
    [3, 4, 5, 6].map((r) => roundDialBudget(plan, r, pace)),
    [2, 3, 2, 3],
  );
  assert.is(roundTarget({ ...plan, maxConnections: 153 }, 4, pace), 153, '--max-connections still caps it');
});

test('servedRate: when pushed, the best of the outpaced round and the two before; else the best round', () => {
  const pushed = [{ served: 50 }, { served: 48 }, { served: 50 }, { served: 12, outpaced: true }];
  assert.equal(servedRate(pushed, 1000), { perSec: 50, keptUp: false });
  assert.equal(servedRate([{ served: 100 }, { served: 100 }], 500), { perSec: 200, keptUp: true });
  assert.is(servedRate([{}], 1000), null, 'older records have no served counts');
});

test('confirmOutpaced: more served or a late answer after the stop; nothing more is full', () => {
  const atStop = { verified: 100, lateAnswered: 0 };
  assert.ok(confirmOutpaced(atStop, { verified: 101, lateAnswered: 0 }));
  assert.ok(confirmOutpaced(atStop, { verified: 100, lateAnswered: 3 }));
  assert.not.ok(confirmOutpaced(atStop, { verified: 100, lateAnswered: 0 }));
});

test('failedByWaitingOnly: timeouts, with the other kinds within the threshold and none of the prober', () => {
  assert.is(failedByWaitingOnly(plan, round({ failures: { 'verify-timeout': 60 } })), true);
  assert.is(failedByWaitingOnly(plan, round({ failures: { 'verify-timeout': 60, closed: 26 } })), false);
  assert.is(failedByWaitingOnly(plan, round({ failures: { timeout: 5, 'fd-limit': 1 } })), false);
  assert.is(failedByWaitingOnly(plan, round({ failures: { closed: 3 } })), false);
});

test.run();
