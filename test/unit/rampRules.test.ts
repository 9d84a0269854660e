import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  allowedFailures,
  dialsDue,
  roundCount,
  roundFailed,
  roundTarget,
  stopAfterRound,
  verdictFor,
  type StopReason,
} from '../../src/probe/rampRules.js';
import type { RampPlan } from '../../src/config/rampPlan.js';

const plan = (over: Partial<RampPlan> = {}): RampPlan => ({
  ratePerSec: 100,
  roundMs: 1000,
  from: 0,
  maxDurationMs: 60_000,
  threshold: { fraction: 0.01 },
  ...over,
});

test('roundTarget: rises by the rate per round, from --from, capped', () => {
  const cases: Array<[Partial<RampPlan>, number, number]> = [
    [{}, 0, 100], // first round ends at R
    [{}, 9, 1000], // tenth round
    [{ from: 500 }, 0, 600], // starts from --from
    [{ roundMs: 500 }, 3, 200], // half-second rounds: R/2 each
    [{ ratePerSec: 5000 }, 1, 10_000], // fast ramp
    [{ maxConnections: 250 }, 5, 250], // capped at --max-connections
    [{ stopAtGate: 300 }, 5, 300], // a gate that stops the run caps the ramp at the gate
    [{ stopAtGate: 300, maxConnections: 250 }, 5, 250], // the lower cap wins
    [{ ratePerSec: 30, roundMs: 100 }, 2, 9], // 3 per round, no float drift
  ];
  for (const [over, round, expected] of cases)
    assert.is(roundTarget(plan(over), round), expected, JSON.stringify(over));
});

test('roundCount: rounds that fit in --max-duration', () => {
  assert.is(roundCount(plan({ maxDurationMs: 60_000 })), 60);
  assert.is(roundCount(plan({ maxDurationMs: 2500 })), 2);
  assert.is(roundCount(plan({ maxDurationMs: 100 })), 1, 'at least one');
});

test('dialsDue: paced evenly across the round', () => {
  const cases: Array<[number, number, number, number]> = [
    [0, 1000, 100, 1], // the first dial at once
    [500, 1000, 100, 51], // half the round: half the dials (plus the first)
    [990, 1000, 100, 100], // the last one step before the end
    [1000, 1000, 100, 100], // all by the end
    [5000, 1000, 100, 100], // never more than asked
    [100, 1000, 0, 0], // nothing to dial
    [-5, 1000, 10, 1], // clock before the round: just the first
  ];
  for (const [elapsed, roundMs, count, expected] of cases)
    assert.is(dialsDue(elapsed, roundMs, count), expected, `${elapsed}/${roundMs} of ${count}`);
});

test('round pass/fail against the threshold', () => {
  const cases: Array<[RampPlan['threshold'], number, Record<string, number>, boolean]> = [
    [{ fraction: 0.01 }, 100, {}, false], // no failures
    [{ fraction: 0.01 }, 100, { refused: 1 }, false], // exactly 1% is allowed
    [{ fraction: 0.01 }, 100, { refused: 2 }, true], // above 1%
    [{ fraction: 0.01 }, 0, { closed: 1 }, true], // a drop with no attempts fails
    [{ count: 5 }, 10, { timeout: 5 }, false], // absolute count: at the limit
    [{ count: 5 }, 10, { timeout: 3, reset: 3 }, true], // kinds add up
  ];
  for (const [threshold, attempts, failures, expected] of cases) {
    assert.is(
      roundFailed(plan({ threshold }), { attempts, failures }),
      expected,
      JSON.stringify([threshold, attempts, failures]),
    );
  }
  assert.is(allowedFailures({ fraction: 0.5 }, 10), 5);
});

test('stopAfterRound: which rule fires', () => {
  const base = { index: 3, target: 400, held: 400, attempts: 100, failures: {} };
  const cases: Array<[Partial<RampPlan>, Partial<typeof base>, StopReason | null]> = [
    [{}, {}, null], // healthy round: go on
    [{}, { failures: { closed: 50 } }, 'round-failed'], // target-side failures
    [{}, { failures: { 'fd-limit': 1 } }, 'prober-limit'], // any prober limit stops the run
    [{}, { failures: { 'fd-limit': 1, refused: 90 } }, 'prober-limit'], // prober limits win: inconclusive
    [{ maxConnections: 400 }, {}, 'max-connections'], // capped and held
    [{ maxConnections: 400 }, { held: 399 }, null], // capped but not all held yet
    [{ maxDurationMs: 4000 }, {}, 'max-duration'], // the last round that fits
    [{ stopAtGate: 300 }, {}, 'gate-met'], // gate held
    [{ stopAtGate: 500 }, {}, null], // gate not yet held
    [{ stopAtGate: 300 }, { failures: { closed: 50 } }, 'round-failed'], // a failing round is not a pass, even above the gate
  ];
  for (const [over, round, expected] of cases)
    assert.is(stopAfterRound(plan(over), { ...base, ...round }), expected, JSON.stringify([over, round]));
});

test('verdictFor: verdicts and exit codes of docs/ARCHITECTURE.md', () => {
  const cases: Array<[StopReason, number, number | undefined, string, number]> = [
    ['round-failed', 1000, undefined, 'limit-found', 0], // the target's limit
    ['max-duration', 1000, undefined, 'limit-not-reached', 0], // ran out of time first
    ['max-connections', 1000, undefined, 'limit-not-reached', 0], // cap reached
    ['round-failed', 100, 500, 'limit-found', 2], // below a gate
    ['round-failed', 800, 500, 'limit-found', 0], // --find-max: the limit is above the gate
    ['max-duration', 100, 500, 'limit-not-reached', 2], // time ran out below the gate
    ['gate-met', 500, 500, 'gate-met', 0], // gate held
    ['prober-limit', 100, undefined, 'prober-limited', 3], // inconclusive, never 0
    ['interrupted', 100, undefined, 'interrupted', 130], // Ctrl-C
  ];
  for (const [reason, max, gate, verdict, exitCode] of cases)
    assert.equal(verdictFor(reason, max, gate), { verdict, exitCode }, reason);
});

test.run();
