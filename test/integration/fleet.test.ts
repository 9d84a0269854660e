import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../src/clock.js';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.js';
import { idleWithin, withServer } from '../helpers/servers.js';

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

/** Resolves once the fleet's live counts satisfy the predicate (bounded). */
async function until(fleet: Fleet, ok: (live: ReturnType<Fleet['liveCounts']>) => boolean): Promise<void> {
  const start = Date.now();
  while (!ok(fleet.liveCounts())) {
    if (Date.now() - start > 3000) throw new Error(`timed out: ${JSON.stringify(fleet.liveCounts())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

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

test.run();
