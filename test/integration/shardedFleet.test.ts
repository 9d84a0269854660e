import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import { waitFor } from '../helpers/waitUntil.js';
import * as assert from 'uvu/assert';
import { systemClock } from '../../src/clock.js';
import type { LiveCounts } from '../../src/fleet/fleetReading.js';
import type { FleetControl } from '../../src/fleet/fleetControl.js';
import { buildRoutes } from '../../src/net/routes.js';
import { ShardedFleet } from '../../src/fleet/shardedFleet.js';
import type { ShardFleetOptions } from '../../src/fleet/shardProtocol.js';
import { idleWithin, withServer } from '../helpers/servers.js';
import { waitUntil } from '../helpers/waitUntil.js';

const options = (ports: readonly number[], over: Partial<ShardFleetOptions> = {}): ShardFleetOptions => ({
  routes: buildRoutes(
    ports.map((port) => ({ host: '127.0.0.1', port, family: 4 })),
    [],
  ),
  dialTimeoutMs: 2000,
  keepaliveMs: 0,
  maxInflight: 64,
  expectTimeoutMs: 1000,
  settleMs: 50,
  ...over,
});

/** Resolves with the live counts once they satisfy the predicate (bounded). */
const until = (fleet: FleetControl, ok: (live: Readonly<LiveCounts>) => boolean) =>
  waitFor(() => fleet.liveCounts(), ok, 'sharded fleet live counts', 10_000);

test('shards: counts across three processes are exact, and every connection closes on stop', async () => {
  await withServer({}, async (a) => {
    await withServer({}, async (b) => {
      const fleet = await ShardedFleet.start(options([a.port, b.port]), 3, systemClock.now);
      try {
        assert.is(new Set(fleet.pids).size, 3);
        assert.is(await fleet.lastOpenAtMs(), null, 'nothing opened yet');
        const askedAt = systemClock.now();
        fleet.request(301);
        const live = await until(fleet, (l) => l.held === 301);
        const lastOpen = await fleet.lastOpenAtMs();
        const answeredAt = systemClock.now();
        // The newest open came after the ask. A shard says how long ago, on its own clock; the parent
        // dates it on arrival, so the date is late by the answer's way back (tens of ms on a busy
        // machine), never later than the answer itself.
        assert.ok(
          lastOpen !== null && lastOpen > askedAt && lastOpen <= answeredAt,
          `asked ${askedAt}, newest open ${lastOpen}, answered ${answeredAt}`,
        );
        assert.equal(live, { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 301 });
        const obs = await fleet.observe();
        assert.equal(
          [obs.requested, obs.started, obs.established, obs.failed, obs.latency.connect.count],
          [301, 301, 301, 0, 301],
        );
        // Without --expect, held is the client's view; the servers in this process accept in their own
        // time (a busy event loop leaves connections in the accept queue for a while).
        await waitUntil(() => a.stats().active + b.stats().active >= 301, 'the servers accept all 301');
        assert.is(a.stats().active + b.stats().active, 301, 'the servers agree');
        assert.ok(a.stats().active >= 100 && b.stats().active >= 100, 'both destinations got their share');
        // A run polls its shards many times a second for hours: an answered reading must not be kept.
        for (let i = 0; i < 500; i++) await Promise.all([fleet.liveCounts(), fleet.lastOpenAtMs()]);
        await fleet.observe();
        assert.is(fleet.pendingReadings, 0, 'every answered reading is let go');
      } finally {
        await fleet.stop();
      }
      await Promise.all([idleWithin(a), idleWithin(b)]);
      assert.is(a.stats().active + b.stats().active, 0, 'stop closed every connection in every shard');
    });
  });
});

test('shards: one that dies is reported as shard-lost with what it held, and the rest keep counting', async () => {
  await withTwoShards(40, async (fleet, victim) => {
    process.kill(victim, 'SIGKILL');
    const obs = await (async () => {
      for (let i = 0; i < 500; i++) {
        const o = await fleet.observe();
        if (o.failures['shard-lost']) return o;
        await systemClock.sleep(10);
      }
      throw new Error('the dead shard was never reported');
    })();
    assert.is(obs.failures['shard-lost'], 20, 'the 20 it held are lost, not silently gone');
    assert.is(obs.live.held, 20, 'the other shard still holds its 20');
    // Its exit, or a read written to it after it died but before its exit was seen (EPIPE): either names it.
    assert.match(
      obs.evidence['shard-lost']?.message ?? '',
      new RegExp(`pid ${victim}\\) (exited on SIGKILL|could not be reached)`),
    );
    fleet.request(10);
    await until(fleet, (l) => l.held === 30);
  });
});

test('shards: a command written to a shard that has just died (EPIPE) marks it lost instead of crashing the prober', async () => {
  await withTwoShards(10, async (fleet, victim) => {
    process.kill(victim, 'SIGKILL');
    // Without yielding to the event loop, wait (bounded) until the kernel has made it a zombie:
    // the shard's end of the channel is closed, but this process has not read that yet, so the
    // next write fails with EPIPE, the race that CI hit between a shard's death and its exit event.
    const deadline = Date.now() + 5000;
    while (!isZombie(victim) && Date.now() < deadline);
    assert.ok(isZombie(victim), 'the shard died');
    fleet.request(4);
    fleet.cancelQueued();
    const obs = await fleet.observe();
    assert.ok(obs.failures['shard-lost'], 'the dead shard is reported');
    assert.is(obs.failed, obs.failures['shard-lost'], 'only as shard-lost');
    // The 4 were dealt 2 and 2 before the death was known: the live shard may have dialed its 2
    // before the cancel reached it (seen on a busy machine), never more.
    assert.ok(obs.live.held >= 5 && obs.live.held <= 7, `the other shard still holds its share: ${obs.live.held}`);
  });
});

/** Runs `fn` with two shards holding `held` connections to a built-in target (read once), and the first shard's pid. */
async function withTwoShards(held: number, fn: (fleet: ShardedFleet, victim: number) => Promise<void>): Promise<void> {
  await withServer({}, async (server) => {
    const fleet = await ShardedFleet.start(options([server.port]), 2, systemClock.now);
    try {
      fleet.request(held);
      await until(fleet, (l) => l.held === held);
      await fleet.observe();
      await fn(fleet, fleet.pids[0] as number);
    } finally {
      await fleet.stop();
    }
  });
}

/**
 * True once every thread of the process has exited and it waits to be reaped (Linux /proc): its
 * descriptors are closed by then. The main thread turns zombie before the other threads are gone,
 * so the state alone is not enough.
 */
function isZombie(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^State:\s+Z/m.test(status) && /^Threads:\s+1$/m.test(status);
  } catch {
    return true;
  }
}

test.run();
