// --heartbeat and --slo against real sockets: a real Redis, shard processes, and a target whose held
// connections stop answering. The search for a level that meets an objective: sloSearch.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rampAgainst } from '../helpers/ramp.js';
import { startRedis } from '../helpers/realServers.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withServer } from '../helpers/servers.js';

test('redis-server under a PING/+PONG heartbeat meets a generous objective; the reports show each round', async () => {
  const redis = await startRedis(1000);
  try {
    const run = await runCliHere([
      redis.address,
      '--ramp',
      '200/s',
      '--round',
      '500ms',
      '--settle',
      '300ms',
      '--send',
      'PING\\r\\n',
      '--expect',
      '+PONG',
      '--heartbeat',
      '200ms',
      '--slo',
      'heartbeat p99 < 1s, connect p99 < 1s',
      '--max-duration',
      '2s',
      '--markdown',
      '-',
    ]);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, /round \d +target \d+ +held \d+ .*heartbeat p99 [\d.]+ms {2}connect p99 [\d.]+ms/);
    assert.match(run.stdout, /\| round \| time \| .* \| heartbeat p99 \\< 1s \| connect p99 \\< 1s \|/);
    assert.match(
      run.stdout,
      /\| 4 \| [\d.]+m?s \| 400 \| \d+ \|.*\| [\d.]+ms \| [\d.]+ms \|/,
      'the last round has both percentiles',
    );
    assert.match(
      run.stdout,
      /- \*\*Latency objectives:\*\* heartbeat p99 \\< 1s, connect p99 \\< 1s, on each round's own samples/,
    );
    assert.match(run.stdout, /verdict `limit-not-reached`/);
  } finally {
    await redis.stop();
  }
});

test('heartbeats across shard processes: every shard beats, and the readings merge', async () => {
  await withServer({ reply: 'echo' }, async (server) => {
    const r = await rampAgainst(server.address, {
      ramp: '100/s',
      round: '500ms',
      settle: '200ms',
      send: 'ping\\n',
      expect: '/pi+ng/',
      heartbeat: '100ms',
      slo: 'heartbeat p99 < 2s',
      maxDuration: '2s',
      workers: '2',
    });
    assert.is(r.verdict, 'limit-not-reached');
    assert.ok((r.traffic?.heartbeat?.count ?? 0) > 100, JSON.stringify(r.traffic?.heartbeat));
    assert.ok(
      r.rounds.slice(1).every((x) => x.objectives?.[0]?.samples),
      'every round after the first has samples',
    );
  });
});

test('held connections that stop answering their heartbeat are stale: counted, with the wait as evidence', async () => {
  // Past 20 connections every reply waits 1 s, longer than --expect-timeout.
  await withServer({ slowAfter: 20, delayMs: 1000, reply: 'echo' }, async (server) => {
    const r = await rampAgainst(server.address, {
      ramp: '40/s',
      round: '500ms',
      settle: '200ms',
      send: 'ping\\n',
      expect: 'ping',
      expectTimeout: '300ms',
      heartbeat: '100ms',
      maxDuration: '3s',
    });
    assert.ok((r.failures.stale ?? 0) > 0, JSON.stringify(r.failures));
    assert.match(
      r.evidence.stale?.message ?? '',
      /^no reply to the heartbeat within \d+ms \(--expect-timeout 300ms\) on a held connection$/,
    );
    assert.is(r.verdict, 'limit-found');
  });
});

test.run();
