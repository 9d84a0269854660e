// merge: three real segment records of one run (fixtures/records/segments, a target that serves 300,
// probed at 200/s from three processes with one --start-at) add up to the exact global answer.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeRecords } from '../../src/record/mergeRecords.js';
import { describeStop } from '../../src/report/explain.js';
import type { RunRecord } from '../../src/record/runRecord.js';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';
import { fixture } from '../helpers/golden.js';
import { encodeDistribution } from '../../src/stats/latencyDistribution.js';
import { emptyHistogram, recordLatency } from '../../src/stats/latencyHistogram.js';

const segment = (i: number): RunRecord =>
  JSON.parse(readFileSync(fixture(`records/segments/segment-${i}.json`), 'utf8')) as RunRecord;
const all = (): RunRecord[] => [segment(0), segment(1), segment(2)];
const merge = (records: RunRecord[], minConcurrency?: number) =>
  mergeRecords(records, { minConcurrency, argv: ['merge', 'a.json'] });

test('three segments: the rounds add up, the first failing round is found on the sums, the maximum is exact', () => {
  const shares = all().map((r) => (r.result.mode === 'ramp' ? r.result.maximum : 0));
  assert.ok(
    shares.every((m) => m < 300),
    `no segment alone saw the limit: ${shares}`,
  );
  const out = merge(all());
  assert.is(out.kind, 'merged');
  if (out.kind !== 'merged' || out.record.result.mode !== 'ramp') return;
  const r = out.record.result;
  assert.equal([r.maximum, r.verdict, r.exitCode, r.stopReason], [300, 'limit-found', 0, 'round-failed']);
  assert.equal(r.rounds.map((x) => x.target).slice(0, 2), [200, 400], 'the whole plan: 200/s');
  assert.is(r.breakingPoint?.round, 2);
  assert.match(out.record.diagnosis?.cause ?? '', /past 300 connections the target accepts, then closes, saying/);
  assert.equal(
    out.record.segment?.segments?.map((s) => s.index),
    [0, 1, 2],
  );
  assert.is(makeRecordValidator()(out.record), null, 'the merged record is a valid run record');
  assert.equal(out.problems, []);
});

test("merge reports global connect percentiles from the segments' distributions; older records give none", () => {
  const withConnect = (r: RunRecord, values: number[]): RunRecord => {
    const h = emptyHistogram();
    for (const v of values) recordLatency(h, v);
    return { ...r, result: { ...r.result, distributions: { connect: encodeDistribution(h) as string } } } as RunRecord;
  };
  // Two fast hosts and one slow one: the global p99 is the slow host's, which no segment's p50 shows.
  const fast = Array.from({ length: 450 }, (_, i) => 0.2 + i / 1000);
  const slow = Array.from({ length: 100 }, (_, i) => 20 + i / 10);
  const out = merge([withConnect(segment(0), fast), withConnect(segment(1), fast), withConnect(segment(2), slow)]);
  if (out.kind !== 'merged') return assert.unreachable(out.kind);
  const connect = out.record.result.connect;
  assert.is(connect?.count, 1000);
  assert.ok((connect?.p50 as number) < 1, `p50 ${connect?.p50}`);
  assert.ok((connect?.p99 as number) >= 20, `p99 ${connect?.p99}: the slow host's tail`);
  assert.match(out.record.result.distributions?.connect ?? '', /^HISTF/, 'the merged record keeps the sum');
  assert.is(makeRecordValidator()(out.record), null);
  const old = merge(all());
  if (old.kind === 'merged')
    assert.is(old.record.result.connect, null, 'segments without distributions: no percentiles');
});

test('a segment that started late: the limit stands only if found in a round every segment ran', () => {
  const late = (r: RunRecord, joined: number): RunRecord => {
    if (r.result.mode !== 'ramp') return r;
    const result = {
      ...r.result,
      rounds: r.result.rounds.filter((x) => x.round >= joined),
      segment: { ...(r.result.segment as NonNullable<typeof r.result.segment>), joinedAtRound: joined },
    };
    return { ...r, result } as RunRecord;
  };
  // Joined at round 2, where the limit was found: the failing round has every share.
  const stands = merge([segment(0), segment(1), late(segment(2), 2)]);
  if (stands.kind !== 'merged' || stands.record.result.mode !== 'ramp') return assert.unreachable(stands.kind);
  assert.equal([stands.record.result.verdict, stands.record.result.exitCode], ['limit-found', 0]);
  // Joined after it: the plan was not run whole; inconclusive, naming the segment and the fix.
  const short = merge([segment(0), late(segment(1), 3), segment(2)]);
  if (short.kind !== 'merged' || short.record.result.mode !== 'ramp') return assert.unreachable(short.kind);
  assert.equal([short.record.result.verdict, short.record.result.exitCode], ['inconclusive', 3]);
  assert.match(
    short.problems.join('\n'),
    /segment 1\/3 .*joined at round 3: the rounds before lack its share.*start every segment before --start-at/,
  );
});

test('the gate applies to the global maximum', () => {
  const met = merge(all(), 250);
  const missed = merge(all(), 301);
  assert.ok(met.kind === 'merged' && met.record.result.exitCode === 0);
  assert.ok(missed.kind === 'merged' && missed.record.result.exitCode === 2);
});

test('a missing or duplicated segment: inconclusive (exit 3), named', () => {
  const missing = merge([segment(0), segment(2)]);
  assert.ok(missing.kind === 'merged');
  if (missing.kind !== 'merged' || missing.record.result.mode !== 'ramp') return;
  assert.equal([missing.record.result.verdict, missing.record.result.exitCode], ['inconclusive', 3]);
  assert.equal(missing.problems, ['segment 1/3 is missing, so the sums are short']);
  const twice = merge([...all(), segment(1)]);
  assert.ok(twice.kind === 'merged' && twice.record.result.exitCode === 3);
  assert.ok(twice.kind === 'merged' && twice.problems[0]?.includes('segment 1/3 is there twice'));
});

test('records of different runs, or not segments at all, are refused', () => {
  const other = segment(1);
  const moved = { ...other, segment: { ...(other.segment as NonNullable<RunRecord['segment']>), runId: 'another' } };
  const refused = merge([segment(0), moved, segment(2)]);
  assert.ok(refused.kind === 'refused' && /2 different runs/.test(refused.problem));
  // It says why they differ, and what to do when they are one server.
  assert.ok(refused.kind === 'refused' && /each was given its own --run-id/.test(refused.problem), refused.problem);
  assert.ok(refused.kind === 'refused' && /give every segment the same --run-id/.test(refused.problem));
  const elsewhere = {
    ...moved,
    target: { ...moved.target, given: '127.0.0.2:6379' },
  };
  const dialedElsewhere = merge([segment(0), elsewhere]);
  assert.ok(
    dialedElsewhere.kind === 'refused' &&
      /the segments dialed different targets \(\S+ and 127\.0\.0\.2:6379\)/.test(dialedElsewhere.problem),
    dialedElsewhere.kind === 'refused' ? dialedElsewhere.problem : '',
  );
  const { segment: _s, ...single } = segment(0);
  const loose = merge([single]);
  assert.ok(loose.kind === 'refused' && /not a segment/.test(loose.problem));
});

test("a segment that hit the prober's own limit by the failing round: prober-limited (exit 3), named", () => {
  const limited = segment(1);
  if (limited.result.mode !== 'ramp') return;
  const rounds = limited.result.rounds.map((r, i) =>
    i === 0 ? { ...r, failures: { ...r.failures, 'addr-unavailable': 3 } } : r,
  );
  const failures = { ...limited.result.failures, 'addr-unavailable': 3 };
  const out = merge([segment(0), { ...limited, result: { ...limited.result, rounds, failures } }, segment(2)]);
  assert.ok(out.kind === 'merged');
  if (out.kind !== 'merged' || out.record.result.mode !== 'ramp') return;
  assert.equal([out.record.result.verdict, out.record.result.exitCode], ['prober-limited', 3]);
  assert.match(out.problems.join('\n'), /segment 1\/3 \(host \S+\) hit the prober's own limit: addr-unavailable/);
  // The verdict line explains its own verdict, not the round that failed.
  assert.match(describeStop(out.record.result), /a segment hit the prober's own limit/);
});

// Issue 24: merge refuses what is not one run, and what is no measurement, naming the record.
type Segmented = RunRecord & { segment: NonNullable<RunRecord['segment']> };
const named = (records: RunRecord[]) =>
  mergeRecords(records, { argv: ['merge'], names: records.map((_, i) => `seg-${i}.json`) });
const refusal = (out: ReturnType<typeof mergeRecords>): string => (out.kind === 'refused' ? out.problem : 'merged');

test('merge refuses a segment index outside 0..N-1, naming the record', () => {
  const stray = segment(2) as Segmented;
  const out = named([segment(0), segment(1), { ...stray, segment: { ...stray.segment, index: 4 } }]);
  assert.match(refusal(out), /seg-2\.json says it is segment 4 of 3, outside 0\.\.2/);
});

test('merge refuses records under one run id that differ in start, plan or target, naming the field and the records', () => {
  const late = segment(1) as Segmented;
  const stale = { ...late, segment: { ...late.segment, startAt: '2026-11-27T16:51:13.000Z' } };
  assert.match(
    refusal(named([segment(0), stale, segment(2)])),
    /seg-1\.json and seg-0\.json differ in the start \(--start-at\)/,
  );
  const faster = {
    ...late,
    config: { ...late.config, ramp: { ...(late.config.ramp as object), ratePerSec: 400 } },
  } as RunRecord;
  assert.match(refusal(named([segment(0), faster, segment(2)])), /differ in the ramp plan/);
  const elsewhere = { ...late, target: { ...late.target, given: '127.0.0.2:1' } };
  assert.match(refusal(named([segment(0), elsewhere, segment(2)])), /differ in the target/);
});

test('merge refuses a record that is no measurement: a hand-edited 1e308, a round twice, held above its target', () => {
  const edit = (change: (rounds: Array<Record<string, unknown>>) => void): RunRecord => {
    const r = JSON.parse(JSON.stringify(segment(1))) as RunRecord;
    change((r.result as unknown as { rounds: Array<Record<string, unknown>> }).rounds);
    return r;
  };
  const huge = edit((rounds) => {
    (rounds[1] as Record<string, unknown>).held = 1e308;
  });
  assert.match(refusal(named([segment(0), huge, segment(2)])), /seg-1\.json holds result\.rounds\[1\]\.held = 1e\+308/);
  const twice = edit((rounds) => {
    rounds.push({ ...(rounds[0] as Record<string, unknown>) });
  });
  assert.match(refusal(named([segment(0), twice, segment(2)])), /seg-1\.json lists round 1 after round \d/);
  const above = edit((rounds) => {
    (rounds[0] as Record<string, unknown>).held = 1000;
  });
  assert.match(refusal(named([segment(0), above, segment(2)])), /seg-1\.json says round 1 held 1000, above its target/);
});

test('a segment with no rounds makes the merge inconclusive (exit 3), named', () => {
  const empty = segment(1);
  if (empty.result.mode !== 'ramp') return;
  const out = merge([segment(0), { ...empty, result: { ...empty.result, rounds: [] } }, segment(2)]);
  assert.ok(out.kind === 'merged' && out.record.result.exitCode === 3);
  assert.match(out.kind === 'merged' ? out.problems.join('\n') : '', /segment 1\/3 has no round/);
});

test('segments measured by different goon-probe versions merge with a note, not silently', () => {
  const newer = { ...segment(2), tool: { name: 'goon-probe' as const, version: '0.2.0' } };
  const out = merge([segment(0), segment(1), newer]);
  assert.ok(out.kind === 'merged');
  if (out.kind !== 'merged' || out.record.result.mode !== 'ramp') return;
  assert.ok(out.record.result.warnings.some((w) => /different goon-probe versions \(0\.1\.0, 0\.2\.0\)/.test(w)));
  assert.is(out.record.result.exitCode, 0, 'a note, not a reason to doubt the sums');
});

test.run();
