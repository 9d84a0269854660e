import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OverLimit } from '../src/servers/targetServer.js';
import { UNVERIFIED_WARNING } from '../src/probe/runRamp.js';
import { rampAgainst } from './helpers/ramp.js';
import { closedPort, withServer } from './helpers/servers.js';

const LIMIT = 200;
const FAST = { settle: '300ms', expectTimeout: '500ms', dialTimeout: '1s', maxDuration: '20s' };

// Every over-limit behaviour, at a slow and a fast ramp: the maximum is exactly the limit.
const matrix: Array<{ overLimit: OverLimit; ramp: string; verify: boolean }> = [
  { overLimit: 'close', ramp: '100/s', verify: false }, // accept then close, 2 steps per limit
  { overLimit: 'close', ramp: '2k/s', verify: false }, // whole limit in one round
  { overLimit: 'error-close', ramp: '400/s', verify: false }, // error line then close
  { overLimit: 'error-close', ramp: '400/s', verify: true }, // ...with verification: a mismatch
  { overLimit: 'reset', ramp: '400/s', verify: false }, // RST
  { overLimit: 'queue', ramp: '400/s', verify: true }, // stop accepting: only a reply tells
  { overLimit: 'evict-oldest', ramp: '400/s', verify: false }, // drop the oldest for the newest
];

for (const c of matrix) {
  test(`maximum equals the limit: ${c.overLimit} at ${c.ramp}${c.verify ? ' with --send/--expect' : ''}`, async () => {
    await withServer({ maxConnections: LIMIT, overLimit: c.overLimit, reply: 'echo' }, async (server) => {
      const verify = c.verify ? { send: 'ping\\n', expect: 'ping' } : {};
      const result = await rampAgainst(server.address, { ramp: c.ramp, ...FAST, ...verify });
      assert.is(result.maximum, LIMIT, JSON.stringify(result.rounds.map((r) => [r.target, r.held, r.failures])));
      assert.is(result.verdict, 'limit-found');
      assert.is(result.exitCode, 0);
      assert.ok(result.breakingPoint !== null && result.breakingPoint.target > LIMIT, 'breaks above the limit');
      assert.is(result.warnings.length, c.verify ? 0 : 1);
      if (c.overLimit === 'error-close') {
        const kind = c.verify ? 'verify-mismatch' : 'closed';
        assert.ok((result.failures[kind] ?? 0) > 0, kind);
        assert.match(
          result.evidence[kind]?.bytes ?? '',
          /max number of clients/,
          "the server's words are kept as evidence",
        );
      }
      if (c.overLimit === 'reset') assert.ok((result.failures.reset ?? 0) > 0);
      if (c.overLimit === 'queue') assert.ok((result.failures['verify-timeout'] ?? 0) > 0);
      if (c.overLimit === 'evict-oldest') assert.ok(result.droppedHeld > 0, 'held connections were evicted');
    });
  });
}

test('queue without --expect: the queued connections look served, and the report warns', async () => {
  await withServer({ maxConnections: 50, overLimit: 'queue', reply: 'echo', backlog: 500 }, async (server) => {
    const result = await rampAgainst(server.address, { ramp: '100/s', maxConnections: '150', ...FAST });
    assert.ok(result.maximum > 50, `the queue inflates the count: ${result.maximum}`);
    assert.equal(result.warnings, [UNVERIFIED_WARNING]);
  });
});

test('limit not reached: --max-connections held for a round', async () => {
  await withServer({ reply: 'echo' }, async (server) => {
    const result = await rampAgainst(server.address, { ramp: '1k/s', maxConnections: '300', ...FAST });
    assert.is(result.maximum, 300);
    assert.is(result.stopReason, 'max-connections');
    assert.is(result.verdict, 'limit-not-reached');
    assert.is(result.breakingPoint, null);
    assert.is(server.stats().peakActive, 300, 'never more than asked');
  });
});

test('limit not reached: --max-duration comes first', async () => {
  await withServer({}, async (server) => {
    const result = await rampAgainst(server.address, {
      ramp: '50/s',
      round: '200ms',
      maxDuration: '1s',
      settle: '100ms',
    });
    assert.is(result.stopReason, 'max-duration');
    assert.is(result.rounds.length, 5);
    assert.is(result.maximum, 50);
    assert.is(result.verdict, 'limit-not-reached');
  });
});

test('--no-reopen: dropped connections are not replaced', async () => {
  await withServer({ maxConnections: 20, overLimit: 'close' }, async (server) => {
    const result = await rampAgainst(server.address, { ramp: '100/s', round: '500ms', reopen: false, ...FAST });
    assert.is(result.maximum, 20);
    assert.is(
      server.stats().served + server.stats().overLimit,
      result.rounds.reduce((n, r) => n + r.attempts, 0),
      'one dial per new slot',
    );
  });
});

test('refused target: the first round fails, maximum 0, nothing served (exit 2)', async () => {
  const port = await closedPort();
  const result = await rampAgainst(`127.0.0.1:${port}`, { ramp: '50/s', ...FAST });
  assert.is(result.maximum, 0);
  assert.is(result.verdict, 'not-served');
  assert.is(result.exitCode, 2);
  assert.ok((result.failures.refused ?? 0) > 0);
  assert.match(result.evidence.refused?.message ?? '', /ECONNREFUSED/);
});

test('an aborted run reports what it measured, verdict interrupted', async () => {
  await withServer({}, async (server) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 1500);
    const result = await rampAgainst(
      server.address,
      { ramp: '100/s', round: '500ms', settle: '200ms' },
      controller.signal,
    );
    clearTimeout(timer);
    assert.is(result.verdict, 'interrupted');
    assert.is(result.exitCode, 130);
    assert.ok(
      result.rounds.length >= 2 && result.maximum >= 50,
      `measured ${result.maximum} in ${result.rounds.length} rounds`,
    );
  });
});

test.run();
