// Heartbeats on plain objects and plain times (a monotonic clock past 0, which marks no beat): held connections beat in turn at held / everyMs a
// second, a matching reply records the latency and gives the next turn, and a beat unanswered
// within --expect-timeout or answered wrong makes its connection stale.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExpect, type ExpectMatcher } from '../../src/fleet/expectMatcher.js';
import type { ConnState } from '../../src/fleet/fleetReading.js';
import { Heartbeats } from '../../src/fleet/heartbeats.js';

interface FakeConn {
  state: ConnState;
  socket: { write(bytes: Buffer): unknown } | null;
  beatAtMs: number;
  received: Buffer | null;
  wrote: string[];
}

function setup(held: number, expect: ExpectMatcher = parseExpect('PONG')) {
  const conns: FakeConn[] = Array.from({ length: held }, () => {
    const conn: FakeConn = { state: 'held', socket: null, beatAtMs: 0, received: null, wrote: [] };
    conn.socket = { write: (bytes: Buffer) => conn.wrote.push(bytes.toString()) };
    return conn;
  });
  const seen = { sent: 0, answered: [] as number[], stale: [] as [FakeConn, string][] };
  const beats = new Heartbeats<FakeConn>({ everyMs: 1000, bytes: Buffer.from('PING\r\n'), expect }, 200, {
    held: () => conns.filter((c) => c.state === 'held').length,
    gather: (conn, chunk) => {
      conn.received = conn.received ? Buffer.concat([conn.received, chunk]) : chunk;
    },
    sent: (bytes) => {
      seen.sent += bytes;
    },
    answered: (ms) => seen.answered.push(ms),
    stale: (conn, why) => {
      seen.stale.push([conn, why]);
      conn.state = 'closed';
    },
  });
  for (const conn of conns) beats.add(conn);
  return { conns, seen, beats };
}

test('ten held connections beat about ten times a second in all, each in its turn', () => {
  const { conns, seen, beats } = setup(10);
  for (let now = 1000; now <= 2000; now += 10) {
    for (const conn of conns)
      if (beats.awaiting(conn)) beats.onReply(conn, Buffer.from('+PONG\r\n'), conn.beatAtMs + 5);
    beats.sweep(now);
  }
  const beaten = conns.map((c) => c.wrote.length);
  assert.ok(
    beaten.every((n) => n >= 1 && n <= 2),
    `every connection beat once or twice in a second: ${beaten}`,
  );
  const total = beaten.reduce((a, b) => a + b, 0);
  assert.ok(total >= 9 && total <= 12, `${total} beats at 10/s over 1s`);
  assert.is(seen.sent, total * 6);
  assert.ok(seen.answered.every((ms) => ms === 5));
  assert.equal(seen.stale, []);
});

test('a reply split over chunks counts once whole; none within the timeout is stale, with the wait', () => {
  const { conns, seen, beats } = setup(2);
  const [first, second] = conns as [FakeConn, FakeConn];
  beats.sweep(1000); // two held at 2/s in all: one beat every 500 ms
  assert.ok(beats.awaiting(first) && !beats.awaiting(second), 'the first in turn beats first');
  beats.onReply(first, Buffer.from('+PO'), 1150);
  assert.equal(seen.answered, [], 'half a reply is no answer');
  beats.onReply(first, Buffer.from('NG\r\n'), 1160);
  assert.equal(seen.answered, [160]);
  assert.not.ok(beats.awaiting(first));
  beats.sweep(1500);
  assert.ok(beats.awaiting(second), 'the second beats in its turn');
  beats.sweep(1699);
  assert.equal(seen.stale, [], 'not yet past --expect-timeout');
  beats.sweep(1700);
  assert.is(seen.stale.length, 1);
  assert.is(seen.stale[0]?.[0], second);
  assert.match(seen.stale[0]?.[1] ?? '', /no reply to the heartbeat within 200ms \(--expect-timeout 200ms\)/);
});

test('a closed connection uses no turn; a reply the protocol judges wrong is stale at once', () => {
  const { conns, beats } = setup(2);
  const [gone, live] = conns as [FakeConn, FakeConn];
  gone.state = 'closed';
  for (let now = 1000; now <= 1200; now += 10) beats.sweep(now);
  assert.is(gone.wrote.length, 0);
  assert.is(live.wrote.length, 1);
  // A bytes matcher waits for more: -ERR is not PONG yet. A protocol judges: Redis's -ERR is a refusal.
  const bytes = setup(1);
  const waiting = bytes.conns[0] as FakeConn;
  for (let now = 1000; now <= 2000 && !bytes.beats.awaiting(waiting); now += 10) bytes.beats.sweep(now);
  bytes.beats.onReply(waiting, Buffer.from('-ERR nope\r\n'), 1100);
  assert.equal(bytes.seen.stale, []);
  const redis = setup(1, {
    kind: 'protocol',
    protocol: 'Redis',
    phase: 'heartbeat',
    params: { host: '127.0.0.1', port: 6379, path: '', session: false },
    source: 'PING answered +PONG',
  });
  const judged = redis.conns[0] as FakeConn;
  for (let now = 1000; now <= 2000 && !redis.beats.awaiting(judged); now += 10) redis.beats.sweep(now);
  redis.beats.onReply(judged, Buffer.from('-ERR max number of clients reached\r\n'), 1100);
  assert.is(redis.seen.stale.length, 1);
  assert.match(
    redis.seen.stale[0]?.[1] ?? '',
    /the heartbeat was answered wrong on a held connection: .*max number of clients/,
  );
});

test.run();
