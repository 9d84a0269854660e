// The ramp loop (runRamp) on a fake clock with a simulated fleet: every number is exact, and no
// test waits for real time. The same rules against real sockets are in probe.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig, rampConfig, type RawOptions } from '../../src/config/probeConfig.js';
import type { RampProgress, RampResult } from '../../src/probe/result.js';
import { roundDialBudget, roundTarget } from '../../src/probe/rampRules.js';
import type { RampPlan } from '../../src/config/rampPlan.js';
import { segmentShare } from '../../src/config/segmentPlan.js';
import { runRamp, UNVERIFIED_WARNING } from '../../src/probe/runRamp.js';
import { describeStop } from '../../src/report/explain.js';
import {
  fakeClock,
  simulatedFleet,
  simulatedServer,
  type SimulatedFleet,
  type SimulatedTarget,
} from '../helpers/simulatedFleet.js';
import { shapeComparer } from '../helpers/objectShapes.js';

interface Ramped {
  readonly result: RampResult;
  readonly fleet: SimulatedFleet;
  readonly progress: RampProgress[];
}

/** Runs a ramp with these flags against a simulated target; `abortAtMs` plays Ctrl-C at that fake time. */
async function ramp(raw: RawOptions, target: Omit<SimulatedTarget, 'settleMs'>, abortAtMs?: number): Promise<Ramped> {
  const config = rampConfig(buildProbeConfig({ settle: '100ms', ...raw }, ['127.0.0.1:9'], () => Buffer.alloc(0)));
  const clock = fakeClock();
  const fleet = simulatedFleet({ settleMs: config.settleMs, ...target }, clock);
  const controller = new AbortController();
  if (abortAtMs !== undefined) clock.at(abortAtMs, () => controller.abort());
  const progress: RampProgress[] = [];
  const result = await runRamp(config, {
    fleet,
    clock,
    signal: controller.signal,
    dialed: '127.0.0.1:9',
    onProgress: (p) => progress.push(p),
    progressEveryMs: 250,
  });
  return { result, fleet, progress };
}

/** Returns how many connections were asked for between two fake times. */
const askedBetween = (fleet: SimulatedFleet, fromMs: number, toMs: number): number =>
  fleet.requests.filter(([t]) => t >= fromMs && t < toMs).reduce((n, [, c]) => n + c, 0);

// The maximum is the limit exactly, whatever the over-limit behaviour and the step; the round that
// breaks is the first whose target passes the limit.
const exact: Array<{ name: string; raw: RawOptions; target: Omit<SimulatedTarget, 'settleMs'>; targets: number[] }> = [
  {
    name: 'refused past 200, two steps per limit',
    raw: { ramp: '100/s' },
    target: { limit: 200, overLimit: 'refuse' },
    targets: [100, 200, 300],
  },
  {
    name: 'closed past 200, the whole limit in one round',
    raw: { ramp: '2k/s', round: '250ms' },
    target: { limit: 200, overLimit: 'close' },
    targets: [500],
  },
  {
    name: 'queued past 150, verified by --expect',
    raw: { ramp: '50/s', send: 'hi', expect: 'hi', expectTimeout: '300ms' },
    target: { limit: 150, overLimit: 'queue', expectTimeoutMs: 300 },
    targets: [50, 100, 150, 200],
  },
  {
    name: '--from 100: the first round starts a step above it',
    raw: { ramp: '100/s', from: '100' },
    target: { limit: 250, overLimit: 'refuse' },
    targets: [200, 300],
  },
];
for (const c of exact) {
  test(`maximum is the limit exactly: ${c.name}`, async () => {
    const { result } = await ramp(c.raw, c.target);
    assert.is(result.maximum, c.target.limit);
    assert.equal(
      result.rounds.map((r) => r.target),
      c.targets,
    );
    assert.is(result.stopReason, 'round-failed');
    assert.equal([result.verdict, result.exitCode], ['limit-found', 0]);
    assert.is(result.breakingPoint?.target, c.targets.at(-1));
  });
}

test('dials are paced evenly through the round: 100 in 1 s is one every 10 ms', async () => {
  const { fleet } = await ramp({ ramp: '100/s', maxConnections: '100' }, { limit: 1000, overLimit: 'refuse' });
  assert.is(askedBetween(fleet, 0, 1000), 100);
  // Every quarter of the round asks for a quarter of the step, give or take the one due at its edge.
  for (let q = 0; q < 4; q++) {
    const n = askedBetween(fleet, q * 250, (q + 1) * 250);
    assert.ok(n >= 24 && n <= 26, `quarter ${q + 1}: ${n}`);
  }
});

test('--max-duration: exactly the rounds that fit, then limit-not-reached', async () => {
  const { result } = await ramp(
    { ramp: '50/s', round: '200ms', maxDuration: '1s' },
    { limit: 1000, overLimit: 'refuse' },
  );
  assert.is(result.rounds.length, 5);
  assert.equal(
    result.rounds.map((r) => r.target),
    [10, 20, 30, 40, 50],
  );
  assert.equal(
    [result.stopReason, result.maximum, result.verdict, result.exitCode],
    ['max-duration', 50, 'limit-not-reached', 0],
  );
});

test('--max-connections: held for a round, never more asked than that', async () => {
  const { result, fleet } = await ramp({ ramp: '1k/s', maxConnections: '300' }, { limit: 1000, overLimit: 'refuse' });
  assert.equal(
    [result.stopReason, result.maximum, result.verdict, result.breakingPoint],
    ['max-connections', 300, 'limit-not-reached', null],
  );
  assert.is(askedBetween(fleet, 0, Number.POSITIVE_INFINITY), 300);
});

/** Runs a ramp with --hold against a simulated server; `closeAt` makes the server lose held connections at a fake time. */
async function holdRun(raw: RawOptions, closeAt?: { atMs: number; count: number }) {
  const config = rampConfig(buildProbeConfig({ settle: '100ms', ...raw }, ['127.0.0.1:9'], () => Buffer.alloc(0)));
  const clock = fakeClock();
  const server = simulatedServer({ limit: 1000, overLimit: 'refuse', settleMs: config.settleMs }, clock);
  const fleet = server.fleet();
  if (closeAt) clock.at(closeAt.atMs, () => server.closeHeld(closeAt.count));
  const result = await runRamp(config, { fleet, clock, signal: new AbortController().signal, dialed: 'x' });
  return { result, fleet };
}

test('--hold: --max-connections kept held for the hold, every round judged, nothing raised (issue 28)', async () => {
  const { result, fleet } = await holdRun({ ramp: '100/s', maxConnections: '300', hold: '5s', maxDuration: '60s' });
  // Rounds 1-3 ramp to 300, round 4 holds it (settled): the stop rule; rounds 5-9 are the hold,
  // and the run ends there, long before --max-duration.
  assert.equal(result.hold, { ms: 5000, fromRound: 5, toRound: 9, brokeAtRound: null });
  assert.is(result.rounds.length, 9);
  assert.ok(
    result.rounds.slice(4).every((r) => r.target === 300 && r.held === 300 && !r.failed),
    'held at 300, not raised',
  );
  assert.equal(
    [result.stopReason, result.maximum, result.verdict, result.exitCode],
    ['max-connections', 300, 'limit-not-reached', 0],
  );
  assert.is(askedBetween(fleet, 0, Number.POSITIVE_INFINITY), 300, 'nothing was lost, so nothing reopened');
  assert.match(describeStop(result), /kept for the 5s --hold; the target sustains at least 300 for that long/);
});

test('--hold: a long hold keeps its rounds in one shape, and nothing else per round (issue 28)', async () => {
  // 600 rounds of hold on the fake clock. Every round record must share one hidden class: a record
  // built as `{ ...round, served }` got a shape of its own, about 1 KB a round, which a heap snapshot
  // of an hour's hold showed as its growth.
  const { result } = await holdRun({ ramp: '100/s', maxConnections: '300', hold: '600s', maxDuration: '900s' });
  assert.is(result.rounds.length, 604);
  const sameShape = shapeComparer();
  const hold = result.rounds.slice(4);
  const odd = hold.filter((r) => !sameShape(r, hold[0] as object)).length;
  assert.is(odd, 0, `${odd} of ${hold.length} hold rounds have a shape of their own`);
});

test('--hold: a round in the hold that fails makes the run inconclusive (exit 3), naming how long it held', async () => {
  // The hold starts with round 5 (at 4 s); at 5.5 s the server loses 100 of the 300: round 6 fails.
  const { result } = await holdRun(
    { ramp: '100/s', maxConnections: '300', hold: '10s', maxDuration: '60s' },
    { atMs: 5500, count: 100 },
  );
  assert.equal(result.hold, { ms: 10_000, fromRound: 5, toRound: 6, brokeAtRound: 6 });
  assert.equal(
    [result.stopReason, result.maximum, result.verdict, result.exitCode],
    ['max-connections', 300, 'inconclusive', 3],
  );
  assert.is(result.rounds.at(-1)?.failures.closed, 100);
  assert.match(
    describeStop(result),
    /^300 were held for 1s of the 10s --hold, then round 6 failed: 300 is not sustained that long/,
  );
});

test('reopens share the round budget: a target that closes what it cannot serve gets at most a step per round', async () => {
  const { result, fleet } = await ramp(
    { ramp: '50/s', errorThreshold: '100%', maxDuration: '4s' },
    { limit: 100, overLimit: 'close' },
  );
  assert.is(result.maximum, 100);
  for (let i = 0; i < result.rounds.length; i++) {
    const asked = askedBetween(fleet, i * 1000, (i + 1) * 1000);
    assert.ok(asked <= roundDialBudget(result.settings as never, i), `round ${i + 1} asked ${asked}`);
  }
  assert.ok(askedBetween(fleet, 0, Number.POSITIVE_INFINITY) <= 200, 'at most 4 steps of 50 in 4 s');
});

test('--no-reopen: one dial per new slot, however many close', async () => {
  const { result, fleet } = await ramp({ ramp: '100/s', reopen: false }, { limit: 20, overLimit: 'close' });
  assert.is(result.maximum, 20);
  assert.is(askedBetween(fleet, 0, Number.POSITIVE_INFINITY), result.rounds.at(-1)?.target);
});

test("the prober's own limit stops the run as prober-limited (exit 3), not as the target's", async () => {
  const { result } = await ramp({ ramp: '100/s' }, { limit: 1000, overLimit: 'refuse', proberLimit: 150 });
  assert.equal([result.stopReason, result.verdict, result.exitCode], ['prober-limit', 'prober-limited', 3]);
  assert.ok((result.failures['fd-limit'] ?? 0) > 0);
});

test('a queue without --expect looks served: more than the limit, and the warning says why', async () => {
  const { result } = await ramp({ ramp: '100/s', maxConnections: '150' }, { limit: 50, overLimit: 'queue' });
  assert.is(result.maximum, 150);
  assert.equal(result.warnings, [UNVERIFIED_WARNING]);
});

test('refused from the first dial: maximum 0, not-served (exit 2)', async () => {
  const { result } = await ramp({ ramp: '50/s' }, { limit: 0, overLimit: 'refuse' });
  assert.equal([result.maximum, result.verdict, result.exitCode, result.rounds.length], [0, 'not-served', 2, 1]);
  assert.ok((result.failures.refused ?? 0) > 0);
});

test('a target that never answers: not-served at --max-duration, not after the late answers it never sends', async () => {
  // Every connection waits unanswered and is kept listening for a late answer (30 s of grace): the
  // run still ends by --max-duration, since nothing was served by then.
  const { result } = await ramp(
    { ramp: '50/s', send: 'hi', expect: 'hi', expectTimeout: '300ms', maxDuration: '3s' },
    { limit: 0, overLimit: 'queue', expectTimeoutMs: 300 },
  );
  assert.equal([result.maximum, result.verdict, result.exitCode], [0, 'not-served', 2]);
  assert.ok(result.durationMs <= 3000 + 1000, `ended ${result.durationMs} ms after the start`);
});

test('the gate: stops once --min-concurrency is held, never ramping past it', async () => {
  const { result, fleet } = await ramp({ ramp: '100/s', minConcurrency: '200' }, { limit: 1000, overLimit: 'refuse' });
  assert.equal([result.maximum, result.verdict, result.exitCode], [200, 'gate-met', 0]);
  assert.is(askedBetween(fleet, 0, Number.POSITIVE_INFINITY), 200);
});

test('Ctrl-C: the run stops where it is, keeps what it measured, verdict interrupted (exit 130)', async () => {
  const { result } = await ramp({ ramp: '100/s', round: '500ms' }, { limit: 1000, overLimit: 'refuse' }, 1250);
  assert.equal([result.verdict, result.exitCode, result.stopReason], ['interrupted', 130, 'interrupted']);
  assert.is(result.rounds.length, 3, 'two whole rounds and the one cut short');
  assert.is(
    result.maximum,
    result.finalHeld,
    'what was held when it stopped, settled connections of the cut round included',
  );
  assert.ok(result.maximum > (result.rounds[1]?.held ?? 0) && result.maximum < 150, `${result.maximum}`);
});

test('progress comes every --interval of the run, no more often', async () => {
  const { result, progress } = await ramp({ ramp: '100/s', maxDuration: '3s' }, { limit: 1000, overLimit: 'refuse' });
  assert.is(result.durationMs >= 3000, true);
  const times = progress.map((p) => p.atMs);
  for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) - (times[i - 1] as number) >= 250, `${times}`);
  assert.ok(times.length >= 11 && times.length <= 12, `${times.length} progress calls in 3 s`);
});

// --segment I/N: the parts of a split plan add up to the whole, round by round.
test('segments: every target, cap and gate splits exactly, and the step with it', () => {
  const plan = (raw: RawOptions) =>
    buildProbeConfig({ startAt: '+1s', ...raw }, ['127.0.0.1:9'], () => Buffer.alloc(0), 0).ramp as RampPlan;
  for (const raw of [{ ramp: '1000/s' }, { ramp: '333/s', from: '7' }, { ramp: '100/s', maxConnections: '250' }]) {
    const whole = plan(raw);
    for (let round = 0; round < 6; round++) {
      const parts = [0, 1, 2].map((i) => roundTarget(plan({ ...raw, segment: `${i}/3` }), round));
      assert.is(
        parts.reduce((a, b) => a + b, 0),
        roundTarget(whole, round),
        `${JSON.stringify(raw)} round ${round}`,
      );
      assert.ok(Math.max(...parts) - Math.min(...parts) <= 1, 'even shares');
    }
  }
  assert.equal(
    [0, 1, 2].map((i) => segmentShare(2500, { index: i, count: 3 })),
    [833, 833, 834],
  );
  assert.is(roundDialBudget(plan({ ramp: '900/s', segment: '1/3' }), 1), 300, 'a third of the step');
});

/** Runs a 6 s segment of a plan that starts at 0 (`--start-at`), with the fake clock at `nowMs`, against a target that serves `limit`. */
async function segmentRun(raw: RawOptions, limit: number, nowMs: number) {
  const config = rampConfig(
    buildProbeConfig(
      { maxDuration: '6s', startAt: '+0s', settle: '100ms', ...raw },
      ['127.0.0.1:9'],
      () => Buffer.alloc(0),
      0,
    ),
  );
  const clock = fakeClock(nowMs);
  const fleet = simulatedFleet({ limit, overLimit: 'refuse', settleMs: 100 }, clock);
  const result = await runRamp(config, {
    fleet,
    clock,
    signal: new AbortController().signal,
    dialed: 'x',
    startAtMs: 0,
  });
  return { fleet, result };
}

test('segments: round k starts at --start-at + k x round; a late start joins at the next boundary', async () => {
  // Starts 2.5 s late on a 1 s round: rounds 1-3 are gone, it joins at round 4 (at 3 s), and says so.
  const { fleet, result } = await segmentRun({ ramp: '100/s', segment: '1/2' }, 1000, 2500);
  assert.is(fleet.requests[0]?.[0], 3000, 'the first dial at the round-4 boundary, not at once');
  assert.equal(result.segment, { index: 1, count: 2, joinedAtRound: 4, holdingFromRound: null });
  assert.equal(
    result.rounds.map((r) => [r.round, r.target]),
    [
      [4, 200],
      [5, 250],
      [6, 300],
    ],
  );
});

test('waiting for --start-at: a countdown in whole seconds, then the first dial at the start', async () => {
  const config = rampConfig(
    buildProbeConfig({ ramp: '100/s', maxDuration: '2s', settle: '100ms' }, ['127.0.0.1:9'], () => Buffer.alloc(0)),
  );
  // The start is 3.5 s ahead of the fake clock.
  const clock = fakeClock(0);
  const fleet = simulatedFleet({ limit: 1000, overLimit: 'refuse', settleMs: 100 }, clock);
  const waits: Array<[number, number]> = [];
  await runRamp(config, {
    fleet,
    clock,
    signal: new AbortController().signal,
    dialed: 'x',
    startAtMs: 3500,
    onWaiting: (msLeft) => waits.push([clock.now(), msLeft]),
  });
  assert.equal(waits, [
    [0, 3500],
    [500, 3000],
    [1500, 2000],
    [2500, 1000],
  ]);
  assert.is(fleet.requests[0]?.[0], 3500, 'no dial before the start');
});

test('segments: one that meets its own stop rule holds what it holds until the plan ends', async () => {
  const { result } = await segmentRun({ ramp: '200/s', segment: '0/2' }, 150, 0);
  // Its share is 100 a round: round 2 asks 200 of a target that serves 150, fails, and from round 3 it holds.
  assert.equal([result.stopReason, result.maximum, result.segment?.holdingFromRound], ['round-failed', 150, 3]);
  assert.is(result.rounds.length, 6, 'every round of the plan, so merge can add them up');
  assert.ok(
    result.rounds.slice(2).every((r) => r.target === 150 && r.held === 150),
    'held, not raised',
  );
  assert.is(result.durationMs >= 6000, true);
});

test('without --start-at the run starts at once, at round 1, even on a clock that moves while it looks', async () => {
  const base = fakeClock();
  let drift = 0;
  const clock = {
    ...base,
    now: () => {
      drift += 0.001;
      return base.now() + drift;
    },
  };
  const config = rampConfig(
    buildProbeConfig({ ramp: '100/s', maxDuration: '2s', settle: '100ms' }, ['127.0.0.1:9'], () => Buffer.alloc(0)),
  );
  const fleet = simulatedFleet({ limit: 1000, overLimit: 'refuse', settleMs: 100 }, clock);
  const result = await runRamp(config, { fleet, clock, signal: new AbortController().signal, dialed: 'x' });
  assert.equal(
    result.rounds.map((r) => r.round),
    [1, 2],
  );
  assert.is(result.segment, undefined);
});

test('a loop that falls behind (the prober paused for 5 s) skips the rounds it missed: no burst, and the report says so (issue 24)', async () => {
  const config = rampConfig(
    buildProbeConfig({ ramp: '100/s', settle: '100ms', maxDuration: '10s' }, ['127.0.0.1:9'], () => Buffer.alloc(0)),
  );
  const clock = fakeClock();
  const fleet = simulatedFleet({ settleMs: config.settleMs, limit: 10_000, overLimit: 'refuse' }, clock);
  // SIGSTOP for 5 s, 1.5 s into the run: the next sleep returns 5 s late.
  let paused = false;
  const pausing = {
    now: clock.now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (!paused && clock.now() >= 1500) {
        paused = true;
        await clock.sleep(5000 + ms, signal);
      } else await clock.sleep(ms, signal);
    },
  };
  const result = await runRamp(config, {
    fleet,
    clock: pausing,
    signal: new AbortController().signal,
    dialed: '127.0.0.1:9',
  });
  // About a round's step (100) a second in any second, straddling two rounds' pacing at most; the
  // burst this prevents was every missed round's dials at once (500 and more).
  for (const [at] of fleet.requests) assert.ok(askedBetween(fleet, at, at + 1000) <= 150, `a burst at ${at} ms`);
  assert.ok(
    result.warnings.some((w) =>
      /the prober fell behind by [45] rounds before round \d+ .*skipped, not dialed in a burst/.test(w),
    ),
    result.warnings.join('\n'),
  );
  assert.ok(result.rounds.length < 10, 'the missed rounds are not in the record');
});

test('the final settle waits for connections served during it: a dial in flight at the end is held --settle later', async () => {
  // Connects take 300 ms: dials of the last 300 ms open during the final settle, and are held 500 ms
  // after that, past the first wait (--settle + 50 ms). They are capacity the target gave.
  const { result } = await ramp(
    { ramp: '100/s', maxDuration: '2s', settle: '500ms' },
    { limit: 10_000, overLimit: 'refuse', connectMs: 300 },
  );
  assert.is(result.verdict, 'limit-not-reached');
  assert.is(result.maximum, 200, `every connection of the 2 s at 100/s is held: ${result.maximum}`);
  assert.is(result.finalHeld, 200);
});

test.run();
