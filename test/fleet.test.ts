import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../src/clock.js';
import { Fleet, type FleetOptions } from '../src/fleet.js';
import { withServer } from './helpers/servers.js';

const options = (port: number, over: Partial<FleetOptions> = {}): FleetOptions => ({
  routes: [{ endpoint: { host: '127.0.0.1', port, family: 4 } }],
  dialTimeoutMs: 1000, keepaliveMs: 0, maxInflight: 8, expectTimeoutMs: 500, settleMs: 50, reopen: false,
  now: systemClock.now, ...over,
});

/** Resolves once the fleet's live counts satisfy the predicate (bounded). */
async function until(fleet: Fleet, ok: (live: ReturnType<Fleet['liveCounts']>) => boolean): Promise<void> {
  const start = Date.now();
  while (!ok(fleet.liveCounts())) {
    if (Date.now() - start > 3000) throw new Error(`timed out: ${JSON.stringify(fleet.liveCounts())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('liveCounts does not drain latency samples; observe does', async () => {
  await withServer({}, async (server) => {
    const fleet = new Fleet(options(server.port));
    try {
      fleet.open(5);
      await until(fleet, (live) => live.held === 5);
      const first = fleet.observe();
      assert.is(first.connectMs.length, 5, 'every connect sampled once');
      assert.is(fleet.observe().connectMs.length, 0, 'observe starts a new window');
      assert.equal([first.established, first.live.held, first.peakEstablished], [5, 5, 5]);
    } finally {
      await fleet.stop();
    }
  });
});

test('verification: a matching reply verifies, silence times out', async () => {
  await withServer({ reply: 'echo' }, async (server) => {
    const fleet = new Fleet(options(server.port, { send: Buffer.from('hi'), expect: { kind: 'bytes', bytes: Buffer.from('hi'), source: 'hi' } }));
    try {
      fleet.open(3);
      await until(fleet, (live) => live.held === 3);
    } finally {
      await fleet.stop();
    }
  });
  await withServer({}, async (server) => {
    const fleet = new Fleet(options(server.port, { expect: { kind: 'bytes', bytes: Buffer.from('banner'), source: 'banner' } }));
    try {
      fleet.open(2);
      await until(fleet, (live) => live.open === 0 && live.dialing === 0 && live.queued === 0);
      assert.equal(fleet.observe().failures, { 'verify-timeout': 2 });
    } finally {
      await fleet.stop();
    }
  });
});

test.run();
