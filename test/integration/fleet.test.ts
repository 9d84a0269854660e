import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitUntil } from '../helpers/waitUntil.js';
import { systemClock } from '../../src/clock.js';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.js';
import { parseExpect } from '../../src/fleet/expectMatcher.js';
import { idleWithin, withServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/waitUntil.js';

const options = (port: number, over: Partial<FleetOptions> = {}): FleetOptions => ({
  routes: [{ endpoint: { host: '127.0.0.1', port, family: 4 } }],
  dialTimeoutMs: 1000,
  keepaliveMs: 0,
  maxInflight: 8,
  expectTimeoutMs: 500,
  settleMs: 50,
  now: systemClock.now,
  ...over,
});

/**
 * Starts a target of the test's own on 127.0.0.1 port 0 that holds each accepted socket `keep`
 * says to (in accept order, in `held`) and closes the others at once.
 */
async function holdingTarget(keep: (accepted: number, held: readonly Socket[]) => boolean) {
  const held: Socket[] = [];
  let accepted = 0;
  const server = createServer((socket) => {
    socket.on('error', () => {});
    if (keep(++accepted, held)) held.push(socket);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    held,
    port: (server.address() as { port: number }).port,
    close: (): void => {
      for (const socket of held) socket.destroy();
      server.close();
    },
  };
}

/** Resolves once the fleet's live counts satisfy the predicate (bounded). */
const until = (fleet: Fleet, ok: (live: ReturnType<Fleet['liveCounts']>) => boolean) =>
  waitFor(() => fleet.liveCounts(), ok, 'fleet live counts', 20_000);

test('readings lose no connect latency: each connect recorded once, and readings are cumulative', async () => {
  await withServer({}, async (server) => {
    const fleet = new Fleet(options(server.port));
    try {
      fleet.request(5);
      await until(fleet, (live) => live.held === 5);
      const first = fleet.observe();
      assert.is(first.latency.connect.count, 5, 'every connect recorded once, liveCounts or not');
      assert.is(fleet.observe().latency.connect.count, 5, 'a later reading still has them, and no more');
      assert.equal([first.established, first.live.held, first.peakEstablished], [5, 5, 5]);
    } finally {
      await fleet.stop();
    }
  });
});

test('a target evicting in the order it accepted: the oldest dropped is counted, though a reopen that waited out its backoff was dialed first', async () => {
  // It closes the first two connections at once, and holds the rest.
  const target = await holdingTarget((accepted) => accepted > 2);
  const { held } = target;
  const fleet = new Fleet(options(target.port, { maxInflight: 1, settleMs: 60_000, reopenBackoffMs: 300 }));
  const dropped = (n: number) =>
    waitFor(
      () => fleet.observe().dropped,
      (d) => d >= n,
      'drops',
      3000,
    );
  try {
    // One slot fails twice in a row: its third try waits out a backoff, first in dial order.
    fleet.request(1);
    await dropped(1);
    fleet.request(1);
    await dropped(2);
    fleet.request(1);
    // Three new ones open (and are accepted) before it does.
    fleet.request(3);
    await until(fleet, (live) => live.unverified + live.settling === 4);
    assert.is(held.length, 4, 'the three, then the one that waited');
    // The target evicts the oldest it accepted: the first of the three.
    const before = fleet.observe().droppedOldest;
    held[0]?.destroy();
    await dropped(3);
    assert.is(
      fleet.observe().droppedOldest - before,
      1,
      'the oldest the target had, though not the first the prober dialed',
    );
  } finally {
    await fleet.stop();
    target.close();
  }
});

test('a target that closes new connections past its limit: none of them counts as the oldest dropped', async () => {
  // Holds the first 20 it accepts; closes every later one as soon as it arrives (a limit of 20).
  const target = await holdingTarget((_, held) => held.length < 20);
  // A settle of a second: a closed new connection is never held first, however late a busy machine reads its close.
  const fleet = new Fleet(options(target.port, { maxInflight: 4, settleMs: 1000 }));
  try {
    fleet.request(20);
    await waitFor(
      () => fleet.liveCounts(),
      (live) => live.held === 20,
      'held',
      5000,
    );
    fleet.request(100);
    await waitFor(
      () => fleet.observe().dropped,
      (d) => d >= 100,
      'drops',
      5000,
    );
    const obs = fleet.observe();
    assert.equal([obs.live.held, obs.droppedHeld, obs.droppedOldest], [20, 0, 0], JSON.stringify(obs.live));
  } finally {
    await fleet.stop();
    target.close();
  }
});

test('held connections dropped in one run with none opening between: the burst a target that went away leaves', async () => {
  const target = await holdingTarget(() => true);
  const { held } = target;
  const fleet = new Fleet(options(target.port, { maxInflight: 4, settleMs: 0 }));
  try {
    fleet.request(20);
    await until(fleet, (live) => live.held === 20);
    assert.is(fleet.observe().heldDropBurst, 0);
    // Evicting: one old one closed for each new one that opens.
    for (let i = 0; i < 3; i++) {
      held.shift()?.destroy();
      await until(fleet, (live) => live.held + live.settling + live.unverified === 19);
      fleet.request(1);
      await until(fleet, (live) => live.held === 20);
    }
    assert.is(fleet.observe().heldDropBurst, 1, 'one at a time');
    // Gone: every connection closed at once.
    for (const socket of held.splice(0)) socket.destroy();
    await until(fleet, (live) => live.held + live.settling + live.unverified === 0);
    assert.is(fleet.observe().heldDropBurst, 20);
  } finally {
    await fleet.stop();
    target.close();
  }
});

test("lastOpenAt: when the newest connection opened, on the fleet's clock; null before any", async () => {
  await withServer({}, async (server) => {
    let nowMs = 500;
    const fleet = new Fleet(options(server.port, { now: () => nowMs, settleMs: 0 }));
    try {
      assert.is(fleet.lastOpenAt(), null, 'nothing opened yet');
      fleet.request(3);
      await until(fleet, (live) => live.unverified + live.settling + live.held === 3);
      assert.is(fleet.lastOpenAt(), 500, 'opened at 500');
      nowMs = 530;
      assert.is(fleet.lastOpenAt(), 500, 'the time it opened, not the time it is read');
      nowMs = 600;
      fleet.request(1);
      await until(fleet, (live) => live.unverified + live.settling + live.held === 4);
      nowMs = 612;
      assert.is(fleet.lastOpenAt(), 600, 'the newest open, not the first');
    } finally {
      await fleet.stop();
    }
  });
});

for (const maxInflight of [1, Number.POSITIVE_INFINITY]) {
  test(`--channel-lifetime 0 churns on the dialer each connection hands over (--max-inflight ${maxInflight})`, async () => {
    await withServer({}, async (server) => {
      const fleet = new Fleet(options(server.port, { maxInflight, lifetimeMs: 0, settleMs: 0 }));
      try {
        fleet.request(3);
        // Each open closes at once and queues its replacement, which its own dialer dials next.
        for (let i = 0; i < 600 && fleet.observe().recycled < 60; i++) await new Promise((r) => setTimeout(r, 5));
        const obs = fleet.observe();
        assert.ok(obs.recycled >= 60, `churned ${obs.recycled}`);
        assert.equal([obs.failed, obs.dropped], [0, 0]);
        assert.ok(
          obs.live.queued + obs.live.dialing + obs.live.unverified + obs.live.settling + obs.live.held <= 3,
          JSON.stringify(obs.live),
        );
        assert.is(obs.requested, obs.recycled + 3, 'one replacement per recycle, no more');
      } finally {
        await fleet.stop();
      }
      await idleWithin(server);
      assert.is(server.stats().active, 0, 'every connection closed');
    });
  });
}

test('verification: a matching reply verifies, silence times out', async () => {
  await withServer({ reply: 'echo' }, async (server) => {
    const fleet = new Fleet(
      options(server.port, {
        send: Buffer.from('hi'),
        expect: { kind: 'bytes', bytes: Buffer.from('hi'), source: 'hi' },
      }),
    );
    try {
      fleet.request(3);
      await until(fleet, (live) => live.held === 3);
    } finally {
      await fleet.stop();
    }
  });
  await withServer({}, async (server) => {
    const fleet = new Fleet(
      options(server.port, { expect: { kind: 'bytes', bytes: Buffer.from('banner'), source: 'banner' } }),
    );
    try {
      fleet.request(2);
      await until(fleet, (live) => live.unverified === 0 && live.dialing === 0 && live.queued === 0);
      assert.equal(fleet.observe().failures, { 'verify-timeout': 2 });
    } finally {
      await fleet.stop();
    }
  });
});

/** Client sockets to this port stuck in SYN-SENT (their SYN dropped: the target's accept queue is full), from /proc. */
function synSent(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const table = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
  return table.filter((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[2]?.endsWith(`:${hexPort}`) && fields[3] === '02';
  }).length;
}

test('a connection queued in the same sweep in which the last dialer ended still gets a dialer', async () => {
  // One dialer (--max-inflight 1). The target serves one connection and then stops accepting: a few
  // more wait in its accept queue (open, to the client) until one's SYN is dropped (dialing).
  await withServer({ maxConnections: 1, overLimit: 'queue', backlog: 1 }, async (server) => {
    let nowMs = 0;
    const fleet = new Fleet(
      options(server.port, {
        maxInflight: 1,
        dialTimeoutMs: 1000,
        lifetimeMs: 500,
        settleMs: 10_000,
        now: () => nowMs,
        sweepEveryMs: 1e9,
      }),
    );
    try {
      let open = 0;
      for (let asked = 1; asked <= 10 && synSent(server.port) === 0; asked++) {
        fleet.request(1);
        await until(
          fleet,
          (live) => live.queued === 0 && (live.unverified + live.settling === asked || synSent(server.port) > 0),
        );
        const live = fleet.liveCounts();
        open = live.unverified + live.settling;
      }
      assert.equal([fleet.liveCounts().dialing, synSent(server.port)], [1, 1], 'one dial is stuck');
      // One sweep: the stuck dial times out (its dialer finds nothing waiting and ends), then the
      // open connections reach their lifetime and queue their replacements.
      nowMs = 1001;
      const swept = fleet.liveCounts();
      assert.is(swept.queued + swept.dialing, open, 'a replacement for every open connection is asked for');
      await until(fleet, (live) => live.queued < open);
      assert.equal(fleet.observe().failures, { timeout: 1 });
    } finally {
      await fleet.stop();
    }
  });
});

test('heartbeats: each held connection beats about once per period, spread out, never in a herd', async () => {
  // A real echo server that notes when each heartbeat arrives.
  const arrivals: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    // The fleet's stop resets connections with beats in flight: an expected end, not an error.
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      for (let i = 0; i < chunk.toString('latin1').split('beat').length - 1; i++) arrivals.push(performance.now());
      socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const N = 100;
  const PERIOD = 200;
  const fleet = new Fleet(
    options(port, {
      maxInflight: 32,
      send: Buffer.from('beat'),
      expect: parseExpect('beat'),
      heartbeat: { everyMs: PERIOD, bytes: Buffer.from('beat'), expect: parseExpect('beat') },
    }),
  );
  try {
    fleet.request(N);
    await until(fleet, (live) => live.held === N);
    // Five periods' worth of beats, however long a busy machine takes to send them (a bounded
    // poll, not a fixed window: nothing here asserts how fast the machine is).
    const start = arrivals.length;
    await waitUntil(() => arrivals.length - start >= N * 5, `${N * 5} beats`, 30_000);
    const window = arrivals.slice(start, start + N * 5);
    const spanMs = (window.at(-1) as number) - (window[0] as number);
    // Never faster than once per period each (each beat waits for its reply and its turn).
    assert.ok(window.length <= (spanMs / PERIOD + 1) * N, `${window.length} beats in ${spanMs} ms`);
    // Spread: at most a few times the fair share (at the pace they came) in any 20 ms; a herd
    // would put all N in one.
    const fair = (window.length * 20) / Math.max(spanMs, 1);
    let most = 0;
    for (let i = 0, j = 0; i < window.length; i++) {
      while ((window[i] as number) - (window[j] as number) > 20) j++;
      most = Math.max(most, i - j + 1);
    }
    assert.ok(most <= Math.max(4 * fair, 0.4 * N), `${most} beats within 20 ms (fair share ${fair.toFixed(1)})`);
    const reading = fleet.observe();
    assert.ok(reading.latency.heartbeat.count >= window.length - N, 'every answered beat is a latency sample');
    assert.equal(reading.failures, {}, 'no beat went stale');
  } finally {
    await fleet.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("shedNewest: the newest connections close on the prober's account: no failure, no reopen", async () => {
  await withServer({}, async (server) => {
    const fleet = new Fleet(options(server.port, { reopenBackoffMs: 100 }));
    try {
      fleet.request(10);
      await until(fleet, (live) => live.held === 10);
      assert.is(fleet.shedNewest(3), 3);
      assert.equal(fleet.liveCounts().held, 7);
      fleet.request(2);
      await until(fleet, (live) => live.held === 9);
      const reading = fleet.observe();
      assert.equal([reading.shed, reading.reopened, reading.failures], [3, 0, {}], 'new ones, not reopens');
      assert.is(fleet.shedNewest(100), 9, 'no more than there are');
    } finally {
      await fleet.stop();
    }
  });
});

test.run();
