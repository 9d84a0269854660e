// A child process for test/integration/engineSanitizers.test.ts: drives the native engine built
// with AddressSanitizer and UndefinedBehaviorSanitizer (loaded with LD_PRELOAD by the parent)
// through hostile targets on loopback, one scenario after another in this one process (a node
// started under the sanitizers costs a quarter of a second of CPU), and prints one JSON line of what
// each scenario observed, `{"scenario":NAME,"result":…}`, as it ends.
//   node nativeScenarios.js ADDON SCENARIO...
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import type { FleetObservation } from '../../src/fleet/fleetReading.js';
import type { NativeAddon } from '../../src/fleet/nativeEngine.js';
import { NativeFleet } from '../../src/fleet/nativeFleet.js';
import type { Route } from '../../src/net/routes.js';

const [addonPath, ...scenarios] = process.argv.slice(2) as [string, ...string[]];
const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;

function listen(onSocket: (socket: Socket) => void): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function fleet(
  server: Server,
  over: {
    localAddress?: string;
    lifetimeMs?: number;
    reopenBackoffMs?: number;
    send?: Buffer;
    expect?: string;
    message?: Buffer;
    messageRatePerSec?: number;
    latencyMarker?: Buffer;
  } = {},
) {
  const port = (server.address() as { port: number }).port;
  const route: Route = { endpoint: { host: '127.0.0.1', port, family: 4 }, localAddress: over.localAddress };
  return new NativeFleet(addon, {
    routes: [route],
    dialTimeoutMs: 2000,
    keepaliveMs: 1000,
    maxInflight: 16,
    expectTimeoutMs: 1000,
    settleMs: 20,
    ...(over.send ? { send: over.send } : {}),
    ...(over.message ? { message: over.message } : {}),
    ...(over.messageRatePerSec ? { messageRatePerSec: over.messageRatePerSec } : {}),
    ...(over.latencyMarker ? { latencyMarker: over.latencyMarker } : {}),
    ...(over.expect
      ? { expect: { kind: 'bytes' as const, bytes: Buffer.from(over.expect), source: over.expect } }
      : {}),
    lifetimeMs: over.lifetimeMs,
    reopenBackoffMs: over.reopenBackoffMs,
    now: () => performance.now(),
  });
}

/** Polls until the fleet's reading satisfies `done` (at most 10 s), and returns that reading. */
async function until(f: NativeFleet, done: (o: FleetObservation) => boolean): Promise<FleetObservation> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const o = f.observe();
    if (done(o) || performance.now() > deadline) return o;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const summary = (o: FleetObservation) => ({
  live: o.live,
  established: o.established,
  dropped: o.dropped,
  failed: o.failed,
  recycled: o.recycled,
  shed: o.shed,
  bytesReceived: o.bytesReceived,
  failures: o.failures,
  evidence: o.evidence,
  servedBytes: o.servedBytes,
});

async function run(scenario: string): Promise<unknown> {
  switch (scenario) {
    case 'banner-10mb': {
      // Every connection gets 10 MB, then the server closes it: read and discarded, 200 bytes kept as evidence.
      const big = Buffer.alloc(10 * 1024 * 1024, 0xfe);
      const server = await listen((s) => s.end(big));
      const f = fleet(server);
      f.request(6);
      const o = await until(f, (x) => x.dropped + x.failed >= 6);
      await f.stop();
      server.close();
      return summary(o);
    }
    case 'malformed': {
      // Binary garbage with NULs, and the connection held: the first bytes served, as latin1.
      const server = await listen((s) => s.write(Buffer.from([0, 255, 13, 10, 0, 128, 65])));
      const f = fleet(server);
      f.request(30);
      const o = await until(f, (x) => x.live.held === 30 && x.servedBytes !== null);
      await f.stop();
      server.close();
      return summary(o);
    }
    case 'reset': {
      const server = await listen((s) => s.resetAndDestroy());
      const f = fleet(server);
      f.request(25);
      const o = await until(f, (x) => x.dropped + x.failed >= 25);
      await f.stop();
      server.close();
      return summary(o);
    }
    case 'bind-fails': {
      // A source address the dial cannot bind (::1 for an IPv4 destination): bind fails, nothing is sent.
      const server = await listen(() => undefined);
      const f = fleet(server, { localAddress: '::1' });
      f.request(5);
      const o = await until(f, (x) => x.failed >= 5);
      await f.stop();
      server.close();
      return { ...summary(o), bySource: o.bySource };
    }
    case 'fd-limit': {
      // Run under `ulimit -n 60`: the dials past the limit fail with EMFILE, counted, no crash.
      const server = await listen(() => undefined);
      const f = fleet(server);
      f.request(200);
      const o = await until(f, (x) => x.live.queued + x.live.dialing === 0);
      await f.stop();
      server.close();
      return summary(o);
    }
    case 'churn': {
      // Recycled at open and every 30 ms, asked for more, shed, cancelled, stopped twice, read after.
      const server = await listen(() => undefined);
      const zero = fleet(server, { lifetimeMs: 0 });
      zero.request(20);
      const z = await until(zero, (x) => x.recycled >= 200);
      await zero.stop();
      const f = fleet(server, { lifetimeMs: 30, reopenBackoffMs: 50 });
      f.request(60);
      await until(f, (x) => x.recycled >= 120);
      f.request(10);
      const shed = f.shedNewest(40);
      f.cancelQueued();
      const o = f.observe();
      await f.stop();
      await f.stop();
      const after = f.observe();
      server.close();
      return { zeroRecycled: z.recycled, shedReturned: shed, ...summary(o), afterLive: after.live };
    }
    case 'expect': {
      // --send and a literal --expect against six kinds of reply, five connections each (by the
      // order the server accepts them): the reply in two pieces (served), other words then a close,
      // 5,000 bytes that never match, bytes then a reset, the reply 1.5 s late (past the 1 s
      // reply timeout: answered late), and silence.
      let n = 0;
      const server = await listen((s) => {
        const kind = n++ % 6;
        s.once('data', () => {
          if (kind === 0) {
            s.write('pi');
            setTimeout(() => s.write('ng\n'), 20);
          } else if (kind === 1) s.end('nope\n');
          else if (kind === 2) s.write(Buffer.alloc(5000, 0x41));
          else if (kind === 3) {
            s.write('xx');
            setTimeout(() => s.resetAndDestroy(), 20);
          } else if (kind === 4) setTimeout(() => s.write('ping\n'), 1500);
        });
      });
      const f = fleet(server, { send: Buffer.from('ping\n'), expect: 'ping' });
      f.request(30);
      const o = await until(f, (x) => x.live.held === 5 && x.failed + x.dropped >= 25 && x.late.answered >= 5);
      await f.stop();
      server.close();
      return { ...summary(o), late: o.late, bytesSent: o.bytesSent };
    }
    case 'expect-overflow': {
      // 5,000 bytes that never hold --expect's: a mismatch once 4,096 are kept, 200 of them as evidence.
      const server = await listen((s) => s.once('data', () => s.write(Buffer.alloc(5000, 0x41))));
      const f = fleet(server, { send: Buffer.from('ping\n'), expect: 'ping' });
      f.request(4);
      const o = await until(f, (x) => x.failed >= 4);
      await f.stop();
      server.close();
      return summary(o);
    }
    case 'messages': {
      // --message at 50/s with a marker that the echo server sends back three bytes at a time (a
      // marker split over reads), then 300 ms of unpaced copies to a server that never reads.
      const server = await listen((s) =>
        s.on('data', (chunk) => {
          for (let at = 0; at < chunk.length; at += 3) s.write(chunk.subarray(at, at + 3));
        }),
      );
      const message = Buffer.from('hello marker\n');
      const f = fleet(server, { message, messageRatePerSec: 50, latencyMarker: Buffer.from('marker') });
      f.request(10);
      const o = await until(f, (x) => x.latency.marker.count >= 100);
      await f.stop();
      server.close();
      const silent = await listen((s) => s.pause());
      const flood = fleet(silent, { message });
      flood.request(5);
      await new Promise((r) => setTimeout(r, 300));
      const fo = flood.observe();
      await flood.stop();
      silent.close();
      return {
        ...summary(o),
        markers: o.latency.marker.count,
        bytesSent: o.bytesSent,
        flood: { failed: fo.failed, dropped: fo.dropped, held: fo.live.held, bytesSent: fo.bytesSent },
      };
    }
    case 'never-reads': {
      // 16 MB of --send to a server that never reads: written as far as the socket takes, then the
      // reply times out. Past the kernel's largest send buffer (net.ipv4.tcp_wmem, 4 MB here), which
      // a send of 4 MB could fill whole on a busy machine (12,582,912 bytes for three connections).
      const server = await listen((s) => s.pause());
      const f = fleet(server, { send: Buffer.alloc(16 * 1024 * 1024, 0x42), expect: 'ok' });
      f.request(3);
      const o = await until(f, (x) => x.failed >= 3);
      await f.stop();
      server.close();
      return { ...summary(o), bytesSent: o.bytesSent };
    }
    default:
      throw new Error(`no scenario ${scenario}`);
  }
}

for (const scenario of scenarios) {
  const result = await run(scenario);
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`${JSON.stringify({ scenario, result })}\n`);
}
