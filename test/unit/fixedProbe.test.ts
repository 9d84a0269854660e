import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock } from '../../src/clock.js';
import { buildProbeConfig, fixedConfig } from '../../src/config/probeConfig.js';
import type { FleetObservation, LiveCounts } from '../../src/fleet/fleetReading.js';
import { reading as emptyReading } from '../helpers/reading.js';
import { runFixed, type FixedFleet } from '../../src/probe/fixedProbe.js';

const none = (): Buffer => Buffer.alloc(0);

const reading = (atMs: number, live: LiveCounts): FleetObservation =>
  emptyReading({ atMs, live, requested: 10, started: 10, established: live.held, peakEstablished: live.held });

test('time to N: from the first dial to the newest open the fleet reports, not to the poll that saw it', async () => {
  // A fake clock that only moves when the loop sleeps or the fleet takes time to answer.
  let t = 1000;
  const clock: Clock = {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const dialing: LiveCounts = { queued: 0, dialing: 10, unverified: 0, settling: 0, held: 0 };
  const held: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 10 };
  const asked: number[] = [];
  const fleet: FixedFleet = {
    request: (count) => void asked.push(t, count),
    // The first reading comes 5 ms late (a shard's first answer): the clock runs before any dial.
    observe: async () => {
      t += 5;
      return reading(t, t >= 1100 ? held : dialing);
    },
    liveCounts: async () => (t >= 1100 ? held : dialing),
    // All ten were open by 1087; the loop's polls see it at 1100 or later.
    lastOpenAtMs: async () => 1087,
  };
  const config = fixedConfig(buildProbeConfig({ connections: '10', sleep: '0' }, ['127.0.0.1:9'], none));
  const result = await runFixed(config, { fleet, clock, signal: new AbortController().signal, dialed: '127.0.0.1:9' });
  assert.equal(asked, [1005, 10], 'all ten asked for at once, after the first reading');
  assert.is(result.allEstablishedAtMs, 1087 - 1005);
  assert.is(result.status.established, 10);
});

test("time to N: a fleet that cannot say (null) leaves the poll's time, and never less than 0", async () => {
  let t = 0;
  const clock: Clock = {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const held: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 3 };
  const fleet: FixedFleet = {
    request: () => undefined,
    observe: async () => reading(t, held),
    liveCounts: async () => {
      t += 7;
      return held;
    },
    lastOpenAtMs: async () => null,
  };
  const config = fixedConfig(buildProbeConfig({ connections: '3', sleep: '0' }, ['127.0.0.1:9'], none));
  const result = await runFixed(config, { fleet, clock, signal: new AbortController().signal, dialed: '127.0.0.1:9' });
  assert.is(result.allEstablishedAtMs, 7, 'the poll that saw all three');
});

test('without -T the run waits out --settle: connections the target closes late are not established', async () => {
  // Ten open at once; the target closes two of them 300 ms later, within the 1 s settle window.
  let t = 1000;
  const clock: Clock = {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const settling: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 10, held: 0 };
  const afterClose: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 8 };
  const live = (): LiveCounts => (t >= 1300 ? afterClose : settling);
  const fleet: FixedFleet = {
    request: () => undefined,
    observe: async () =>
      emptyReading({ atMs: t, live: live(), requested: 10, started: 10, established: 10, dropped: t >= 1300 ? 2 : 0 }),
    liveCounts: async () => live(),
    lastOpenAtMs: async () => 1001,
  };
  const config = fixedConfig(buildProbeConfig({ connections: '10', sleep: '0', settle: '1s' }, ['127.0.0.1:9'], none));
  const result = await runFixed(config, { fleet, clock, signal: new AbortController().signal, dialed: '127.0.0.1:9' });
  assert.equal([result.status.established, result.status.closed, result.exitCode], [8, 2, 2]);
  assert.ok(t >= 1300 && t < 1400, `ended once every connection was held or gone, at ${t}`);
});

test('without -T, connections that never settle end the run at the settle deadline', async () => {
  let t = 0;
  const clock: Clock = {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const settling: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 3, held: 0 };
  const fleet: FixedFleet = {
    request: () => undefined,
    observe: async () => emptyReading({ atMs: t, live: settling, requested: 3, started: 3, established: 3 }),
    liveCounts: async () => settling,
    lastOpenAtMs: async () => 0,
  };
  const config = fixedConfig(
    buildProbeConfig({ connections: '3', sleep: '0', settle: '200ms' }, ['127.0.0.1:9'], none),
  );
  await runFixed(config, { fleet, clock, signal: new AbortController().signal, dialed: '127.0.0.1:9' });
  assert.ok(t >= 250 && t < 300, `200 ms settle + 50 ms margin, then the end: ${t}`);
});

test.run();
