// Merging shard readings and splitting routes, on plain values.
import { test } from 'uvu';
import { addCounters, RUN_COUNTERS, zeroCounters } from '../../src/fleet/runCounters.js';
import { reading } from '../helpers/reading.js';
import * as assert from 'uvu/assert';
import { mergeObservations } from '../../src/fleet/mergeObservations.js';
import { buildRoutes, shardRoutes } from '../../src/net/routes.js';
import { emptyLatency, type LatencyReadings } from '../../src/fleet/fleetReading.js';
import { recordLatency } from '../../src/stats/latencyHistogram.js';

/** Latency readings whose connect histogram holds these values. */
function connectLatencies(values: readonly number[]): LatencyReadings {
  const latency = emptyLatency();
  for (const ms of values) recordLatency(latency.connect, ms);
  return latency;
}

test('merge: sums live counts and totals, joins samples, keeps the first evidence', () => {
  const a = reading({
    live: { queued: 1, dialing: 2, unverified: 0, settling: 3, held: 10 },
    requested: 16,
    started: 15,
    established: 13,
    failed: 2,
    failures: { refused: 2 },
    evidence: { refused: { message: 'a' } },
    errorMs: [1, 2],
    latency: connectLatencies([0.5, 2]),
    sourceAddresses: ['127.0.0.1'],
  });
  const b = reading({
    live: { queued: 0, dialing: 1, unverified: 1, settling: 0, held: 20 },
    requested: 22,
    started: 22,
    established: 21,
    failed: 1,
    failures: { refused: 1, timeout: 1 },
    evidence: { refused: { message: 'b' } },
    errorMs: [3],
    latency: connectLatencies([4]),
    sourceAddresses: ['127.0.0.1', '127.0.0.2'],
  });
  const merged = mergeObservations(42, [a, b]);
  assert.equal(merged.live, { queued: 1, dialing: 3, unverified: 1, settling: 3, held: 30 });
  assert.equal([merged.atMs, merged.requested, merged.started, merged.established, merged.failed], [42, 38, 37, 34, 3]);
  assert.equal(merged.failures, { refused: 3, timeout: 1 });
  assert.equal(merged.evidence, { refused: { message: 'a' } });
  assert.equal(merged.errorMs, [1, 2, 3]);
  assert.equal(
    [merged.latency.connect.count, merged.latency.connect.min, merged.latency.connect.max, merged.latency.connect.sum],
    [3, 0.5, 4, 6.5],
  );
  assert.equal(merged.sourceAddresses, ['127.0.0.1', '127.0.0.2']);
});

test('merge: a lost shard holds nothing, keeps its totals, and its connections count as shard-lost', () => {
  const alive = reading({
    live: { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 50 },
    requested: 50,
    started: 50,
    established: 50,
  });
  const last = reading({
    live: { queued: 2, dialing: 3, unverified: 0, settling: 5, held: 40 },
    requested: 52,
    reopened: 2,
    started: 50,
    established: 48,
    failed: 0,
    errorMs: [9],
    latency: connectLatencies([9]),
  });
  // 52 asked before its last reading (2 of them reopens), 10 more after it: 50 running + 10 never reported = 60 lost.
  const merged = mergeObservations(1, [alive], [{ reason: 'shard 1 (pid 7) exited on SIGKILL', last, asked: 62 }]);
  assert.equal(merged.live.held, 50, 'only the live shard holds connections');
  assert.is(merged.failures['shard-lost'], 60);
  assert.is(merged.failed, 60);
  assert.is(merged.established, 98, "the lost shard's totals stay");
  assert.equal(merged.errorMs, [], 'its samples were taken with its last reading');
  assert.is(merged.latency.connect.count, 1, 'its connect latencies are cumulative: they stay');
  assert.equal(merged.evidence['shard-lost'], { message: 'shard 1 (pid 7) exited on SIGKILL' });
  const never = mergeObservations(1, [], [{ reason: 'no reading', last: null, asked: 25 }]);
  assert.is(never.failures['shard-lost'], 25, 'a shard lost before any reading loses all it was asked for');
});

test('routes: pairs with destinations varying fastest; disjoint shares when there are enough', () => {
  const endpoints = [1, 2].map((port) => ({ host: '127.0.0.1', port, family: 4 as const }));
  const routes = buildRoutes(endpoints, ['127.0.0.2', '127.0.0.3', '::1']);
  assert.equal(
    routes.map((r) => `${r.localAddress}>${r.endpoint.port}`),
    ['127.0.0.2>1', '127.0.0.2>2', '127.0.0.3>1', '127.0.0.3>2'],
    'the IPv6 source is skipped for IPv4 destinations',
  );
  assert.equal(
    shardRoutes(routes, 1, 2).map((r) => `${r.localAddress}>${r.endpoint.port}`),
    ['127.0.0.2>2', '127.0.0.3>2'],
  );
  assert.equal(
    shardRoutes(routes.slice(0, 2), 1, 3).map((r) => r.endpoint.port),
    [2, 1],
    'fewer routes than shards: all, rotated',
  );
});

test('merge: served counts, waits served for others and late answers add up over the shards (the pace rules read them)', () => {
  const a = reading({
    verified: 50,
    waitedWhileServed: 7,
    late: { watched: 40, answered: 30, listening: 10, delaysMs: [100, 200] },
  });
  const b = reading({
    verified: 45,
    waitedWhileServed: 3,
    late: { watched: 12, answered: 12, listening: 0, delaysMs: [300] },
  });
  const m = mergeObservations(1, [a, b]);
  assert.equal([m.verified, m.waitedWhileServed], [95, 10]);
  assert.equal(m.late, { watched: 52, answered: 42, listening: 10, delaysMs: [100, 200, 300] });
});

test('every run counter is summed across shards, one list for the fleet, its readings and the merge', () => {
  const a = reading(Object.fromEntries(RUN_COUNTERS.map((name, i) => [name, i + 1])));
  const b = reading(Object.fromEntries(RUN_COUNTERS.map((name, i) => [name, 100 * (i + 1)])));
  const merged = mergeObservations(0, [a, b]);
  for (const [i, name] of RUN_COUNTERS.entries()) assert.is(merged[name], 101 * (i + 1), name);
  const sum = zeroCounters();
  addCounters(sum, { requested: 3 });
  assert.is(sum.requested, 3);
  assert.is(sum.shed, 0, 'a counter an older reading lacks counts 0');
});

test.run();
