// Latency objectives (--slo) and heartbeats: the parser, the per-window readings, the search's
// bracket, and the whole ramp on a fake clock against a simulated target that slows past N.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { objectiveParts, parseObjectives } from '../../src/config/objectives.js';
import { buildProbeConfig, rampConfig, type RawOptions } from '../../src/config/probeConfig.js';
import { emptyLatency } from '../../src/fleet/fleetReading.js';
import { objectivesMet, readObjectives } from '../../src/probe/objectiveReadings.js';
import { narrow, nextLevel } from '../../src/probe/objectiveSearch.js';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { runRamp } from '../../src/probe/runRamp.js';
import { describeBreaking, describeRecovery } from '../../src/report/explain.js';
import { renderRampReport } from '../../src/report/rampText.js';
import { recordLatency } from '../../src/stats/latencyHistogram.js';
import { UsageError } from '../../src/usageError.js';
import { fakeClock, simulatedFleet } from '../helpers/simulatedFleet.js';

const all = { heartbeat: true, marker: true, talks: true };

test('--slo: a list of percentile bounds, written back the same way', () => {
  assert.equal(parseObjectives('connect p99 < 50ms, first-byte p95<20ms, heartbeat p99.9 < 1s', all), [
    { latency: 'connect', percentile: 99, boundMs: 50, text: 'connect p99 < 50ms' },
    { latency: 'first-byte', percentile: 95, boundMs: 20, text: 'first-byte p95 < 20ms' },
    { latency: 'heartbeat', percentile: 99.9, boundMs: 1000, text: 'heartbeat p99.9 < 1s' },
  ]);
});

test('objectiveParts: what an objective bounds, and the bound, as reports write them', () => {
  assert.equal(objectiveParts('heartbeat p99 < 100ms'), ['heartbeat p99', '100ms']);
  assert.equal(objectiveParts('first-byte p95 <20ms'), ['first-byte p95', '20ms']);
});

test('--slo: each mistake named with its fix; a latency the run does not measure is refused', () => {
  const cases: Array<[string, typeof all, RegExp]> = [
    ['', all, /--slo is empty; give objectives like/],
    [
      'heartbeat 99 < 100ms',
      all,
      /"heartbeat 99 < 100ms" is not LATENCY pN < TIME; write it like "heartbeat p99 < 100ms"/,
    ],
    [
      'latency p99 < 5ms',
      all,
      /"latency" is not a latency the probe measures; use connect, first-byte, marker, heartbeat/,
    ],
    ['connect p100 < 5ms', all, /p100 is not a percentile; use p50, p95, p99 or p99.9/],
    ['connect p99 < fast', all, /is not a duration/],
    ['connect p99 < 0ms', all, /the bound must be above 0/],
    ['connect p99 < 5ms, connect p99 < 9ms', all, /names connect p99 twice/],
    ['heartbeat p99 < 100ms', { ...all, heartbeat: false }, /the run sends no heartbeats; add --heartbeat TIME/],
    ['marker p99 < 1ms', { ...all, marker: false }, /add --message and --latency-marker/],
    ['first-byte p99 < 1ms', { ...all, talks: false }, /add --send and --expect/],
  ];
  for (const [text, measured, pattern] of cases) {
    try {
      parseObjectives(text, measured);
      assert.unreachable(text);
    } catch (err) {
      assert.instance(err, UsageError, text);
      assert.match((err as Error).message, pattern);
    }
  }
});

test('--heartbeat and --slo in the probe config: ramp only, bytes and a reply needed, not with --segment', () => {
  const build = (raw: RawOptions) => buildProbeConfig(raw, ['127.0.0.1:9'], () => Buffer.alloc(0));
  const config = build({
    ramp: '10/s',
    send: 'PING\\r\\n',
    expect: '+PONG',
    heartbeat: '500ms',
    slo: 'heartbeat p99 < 50ms',
  });
  assert.is(config.heartbeat?.everyMs, 500);
  assert.is(config.heartbeat?.bytes.toString(), 'PING\r\n');
  assert.is(config.objectives?.[0]?.text, 'heartbeat p99 < 50ms');
  const own = build({ ramp: '10/s', heartbeat: '1s', heartbeatSend: 'x', heartbeatExpect: 'y' });
  assert.is(own.heartbeat?.bytes.toString(), 'x');
  const cases: Array<[RawOptions, RegExp]> = [
    [{ heartbeat: '1s', send: 'a', expect: 'a' }, /--heartbeat applies to ramp mode only/],
    [
      { ramp: '10/s', heartbeat: '1s' },
      /--heartbeat needs bytes to send and a reply to expect; add --send and --expect/,
    ],
    [{ ramp: '10/s', heartbeatSend: 'x' }, /--heartbeat-send needs --heartbeat TIME, which is not given/],
    [{ ramp: '10/s', heartbeat: '5ms', send: 'a', expect: 'a' }, /--heartbeat "5ms" is too short; use at least 10ms/],
    [{ ramp: '10/s', slo: 'heartbeat p99 < 9ms', send: 'a', expect: 'a' }, /the run sends no heartbeats/],
    [
      { ramp: '10/s', slo: 'connect p99 < 9ms', segment: '0/2', startAt: '+1s' },
      /--slo cannot be split into segments yet/,
    ],
  ];
  for (const [raw, pattern] of cases) assert.throws(() => build(raw), pattern, JSON.stringify(raw));
});

test('readings: each window its own percentile; no sample breaks nothing', () => {
  const objectives = parseObjectives('heartbeat p99 < 100ms, connect p50 < 5ms', all);
  const before = emptyLatency();
  const after = emptyLatency();
  for (let i = 0; i < 98; i++) recordLatency(after.heartbeat, 2);
  for (let i = 0; i < 2; i++) recordLatency(after.heartbeat, 300);
  const readings = readObjectives(objectives, before, after);
  assert.is(readings[0]?.met, false, 'p99 of 100 samples with 2 slow ones is slow');
  assert.ok((readings[0]?.valueMs ?? 0) > 250);
  assert.equal([readings[1]?.valueMs, readings[1]?.samples, readings[1]?.met], [null, 0, true]);
  assert.is(objectivesMet(readings), false);
  assert.is(objectivesMet(readObjectives(objectives, after, after)), true, 'an empty window meets everything');
});

test('search bracket: the hint first when inside, then halves until the two levels touch', () => {
  assert.is(nextLevel({ lo: 0, hi: 400 }, 300), 300);
  assert.is(nextLevel({ lo: 0, hi: 400 }, 400), 200, 'a hint outside is ignored');
  assert.is(nextLevel({ lo: 300, hi: 301 }), null);
  let b = { lo: 0, hi: 1000 };
  const tried: number[] = [];
  for (let level = nextLevel(b, 600); level !== null; level = nextLevel(b)) {
    tried.push(level);
    b = narrow(b, level, level <= 737);
  }
  assert.equal(b, { lo: 737, hi: 738 });
  assert.ok(tried.length <= 11, `${tried.length} levels: ${tried}`);
});

/** A heartbeat every 200 ms, and its p99 bounded at 50 ms. */
const WITH_SLO: RawOptions = {
  ramp: '100/s',
  settle: '100ms',
  send: 'ping',
  expect: 'ping',
  heartbeat: '200ms',
  slo: 'heartbeat p99 < 50ms',
  maxDuration: '30s',
};

/** Runs a ramp on a fake clock against a simulated target whose heartbeats slow from 3 ms to 120 ms past 300 open. */
async function slowPast300(raw: RawOptions, onSearchStep?: (level: number) => void, abortAtMs?: number) {
  const config = rampConfig(buildProbeConfig(raw, ['127.0.0.1:9'], () => Buffer.alloc(0)));
  const clock = fakeClock();
  const fleet = simulatedFleet(
    {
      settleMs: 100,
      limit: 100_000,
      overLimit: 'refuse',
      heartbeat: { everyMs: 200, slowAfter: 300, fastMs: 3, slowMs: 120 },
    },
    clock,
  );
  const controller = new AbortController();
  if (abortAtMs !== undefined) clock.at(abortAtMs, () => controller.abort());
  return runRamp(config, {
    fleet,
    clock,
    signal: controller.signal,
    dialed: '127.0.0.1:9',
    ...(onSearchStep ? { onSearchStep: (s: { level: number }) => onSearchStep(s.level) } : {}),
  });
}

test('the whole ramp: an objective breaks past 300 open, and the search finds 300 exactly', async () => {
  const steps: number[] = [];
  const result = await slowPast300(WITH_SLO, (level) => steps.push(level));
  assert.is(result.maximum, 300, JSON.stringify(result.objectives?.search.map((s) => [s.level, s.held, s.met])));
  assert.is(result.verdict, 'limit-found');
  assert.is(result.exitCode, 0);
  const broke = result.objectives?.broke;
  assert.ok(broke && broke.established > 300, 'it broke with more than 300 open');
  assert.is(broke?.reading.objective, 'heartbeat p99 < 50ms');
  assert.ok((broke?.reading.valueMs ?? 0) > 100);
  assert.is(result.objectives?.recoveredAt, 300);
  assert.ok(steps.length >= 2 && steps.length <= 12, `${steps}`);
  assert.ok(
    result.rounds.slice(0, -1).every((r) => r.objectives?.[0]?.met),
    'every round before the break met it',
  );
  assert.match(describeBreaking(result), /^round \d+, target \d+, heartbeat p99 12\dms > 50ms with \d+ open$/);
  assert.match(describeRecovery(result) ?? '', /^every objective met again at 300 held \(a search of \d+ levels/);
  const text = renderRampReport(result, { width: 100, color: false });
  assert.match(text, /\nObjectives per round:\n {2}round {2}held {2}heartbeat p99 < 50ms\n {2}1 +\d+ +[\d.]+ms\n/);
  assert.match(text, /\n {2}\d+ +\d+ +12\dms ✗\n/, 'the breaking round, marked');
  assert.match(text, /\nSearch: \d+ (met|broke) \([\d.]+ms( ✗)?\)( · \d+ (met|broke) \([\d.]+ms( ✗)?\))+\n/);
  const d = diagnoseResult(result);
  assert.is(d.side, 'target');
  assert.match(
    d.cause,
    /^heartbeat p99 12\dms > 50ms at \d+ open connections \(round \d+\): the target holds connections it no longer serves in time; every objective held again at 300$/,
  );
});

test('the whole ramp without the objective: the same target is held far past 300', async () => {
  const result = await slowPast300({
    ramp: '100/s',
    settle: '100ms',
    send: 'ping',
    expect: 'ping',
    heartbeat: '200ms',
    maxDuration: '6s',
  });
  assert.is(result.maximum, 600);
  assert.is(result.verdict, 'limit-not-reached');
  assert.is(result.objectives, undefined);
  assert.ok(
    (result.rounds.at(-1)?.heartbeatP99Ms ?? 0) > 100,
    'the heartbeat percentiles show the slowdown all the same',
  );
});

test('the CI gate applies to the maximum under the objectives', async () => {
  const raw = WITH_SLO;
  const below = await slowPast300({ ...raw, minConcurrency: '400' });
  assert.equal([below.maximum, below.verdict, below.exitCode, below.gate?.met], [300, 'limit-found', 2, false]);
  const met = await slowPast300({ ...raw, minConcurrency: '250' });
  assert.equal([met.verdict, met.exitCode, met.gate?.met], ['gate-met', 0, true]);
  assert.ok(met.maximum >= 250 && met.maximum <= 300, `${met.maximum}`);
});

test('Ctrl-C during the search: interrupted (exit 130), and the answer so far', async () => {
  const levels: number[] = [];
  const full = await slowPast300(WITH_SLO, (level) => levels.push(level));
  const broke = full.rounds.find((r) => r.failed)?.atMs ?? 0;
  // Cut short inside the first level: nothing measured, so the rounds' answer stands.
  const early = await slowPast300(WITH_SLO, undefined, broke + 50);
  assert.equal([early.verdict, early.exitCode, early.objectives?.search.length], ['interrupted', 130, 0]);
  const roundsBest = Math.max(...early.rounds.filter((r) => !r.failed).map((r) => r.held));
  assert.is(early.maximum, roundsBest);
  // Cut short after a few levels: the best level met so far.
  const later = await slowPast300(WITH_SLO, undefined, (full.objectives?.search[3]?.atMs ?? 0) + 10);
  assert.is(later.verdict, 'interrupted');
  const met = (later.objectives?.search ?? []).filter((step) => step.met).map((step) => step.held);
  assert.ok(met.length > 0, JSON.stringify(later.objectives?.search));
  assert.is(later.maximum, Math.max(...met));
});

test.run();
