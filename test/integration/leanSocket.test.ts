import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../src/clock.js';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.js';
import type { Channel, SocketHandlers } from '../../src/net/channel.js';
import { dial, type DialOptions } from '../../src/net/dialer.js';
import { classifyError } from '../../src/net/errors.js';
import { LeanSocket } from '../../src/net/leanSocket.js';
import { TCP_BINDINGS } from '../../src/net/tcpBindings.js';
import type { Route } from '../../src/net/routes.js';
import { startHoldServer } from '../../src/servers/holdServer.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { closedPort, withServer } from '../helpers/servers.js';

const LEAN: DialOptions = { keepaliveMs: 15_000, sends: false };
const route = (port: number, over: Partial<Route> = {}): Route => ({
  endpoint: { host: '127.0.0.1', port, family: 4 },
  ...over,
});

/** Handlers that write down what happened, in order, and resolve once the connection has closed. */
function recorder(): { handlers: SocketHandlers; events: string[]; errors: Error[]; closed: Promise<void> } {
  const events: string[] = [];
  const errors: Error[] = [];
  let closed!: () => void;
  // Bounded: a close that never comes fails the test instead of hanging the suite.
  const done = new Promise<void>((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`no close within 5 s; saw ${events.join(', ')}`)), 5000);
    closed = () => {
      clearTimeout(bound);
      resolve();
    };
  });
  const handlers: SocketHandlers = {
    connect() {
      events.push('connect');
    },
    data(chunk) {
      events.push(`data:${chunk.toString()}`);
    },
    error(err) {
      errors.push(err);
      events.push(`error:${(err as NodeJS.ErrnoException).code}`);
    },
    close() {
      events.push('close');
      closed();
    },
  };
  return { handlers, events, errors, closed: done };
}

/** Starts a plain server on 127.0.0.1 port 0 that hands every accepted socket to `onSocket`. */
async function listen(
  onSocket: (socket: Socket) => void,
  host = '127.0.0.1',
): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    accepted.get(server)?.add(socket);
    onSocket(socket);
  });
  accepted.set(server, new Set());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The sockets each test server accepted, so that closing it never waits on a client. */
const accepted = new WeakMap<Server, Set<Socket>>();

function close(server: Server): Promise<void> {
  for (const socket of accepted.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('dial: plain TCP that sends nothing gets a bare handle; sending, TLS or --no-lean-sockets get net.Socket', async () => {
  const { server, port } = await listen((s) => s.destroy());
  try {
    const made: Channel[] = [];
    const kinds = [
      LEAN,
      { ...LEAN, sends: true },
      { ...LEAN, lean: false },
      { ...LEAN, transport: { kind: 'tcp' as const } },
    ].map((options) => {
      const channel = dial(route(port), options, recorder().handlers);
      made.push(channel);
      return channel instanceof LeanSocket ? 'lean' : channel instanceof Socket ? 'net' : 'other';
    });
    for (const channel of made) channel.destroy();
    // Where this Node no longer serves the TCP handle, every connection falls back to net.Socket.
    const lean = TCP_BINDINGS ? 'lean' : 'net';
    assert.equal(kinds, [lean, 'net', 'net', lean]);
    assert.ok(TCP_BINDINGS, 'Node 20 serves tcp_wrap: the lean path must be in use here');
    assert.throws(() => (made[0] as Channel).write(Buffer.from('x')), /does not write/);
  } finally {
    await close(server);
  }
});

test("lean connection: open, the bytes sent, then the peer's close, in that order; its local address", async () => {
  const { server, port } = await listen((s) => s.end('hello'));
  try {
    const r = recorder();
    const channel = dial(route(port), LEAN, r.handlers);
    await r.closed;
    assert.equal(r.events, ['connect', 'data:hello', 'close'], 'a clean close (FIN) carries no error');
    assert.is(channel.writableLength, 0);
  } finally {
    await close(server);
  }
  const held = await listen(() => {});
  try {
    const r = recorder();
    let channel!: Channel;
    await new Promise<void>((resolve) => {
      channel = dial(route(held.port), LEAN, { ...r.handlers, connect: () => resolve() });
    });
    assert.is(channel.localAddress, '127.0.0.1');
    channel.destroy();
    channel.destroy(); // twice is harmless
    await r.closed;
    assert.equal(r.events, ['close'], 'closing our own connection reports one close and no error');
  } finally {
    await close(held.server);
  }
});

test('lean connection: refused and reset are errors with their codes, then one close', async () => {
  const refused = recorder();
  dial(route(await closedPort()), LEAN, refused.handlers);
  await refused.closed;
  assert.equal(refused.events, ['error:ECONNREFUSED', 'close']);
  assert.is(classifyError(refused.errors[0]), 'refused');

  // The server resets the connection once the client has seen it open (before, connect itself fails).
  let onAccept!: (socket: Socket) => void;
  const serverSide = new Promise<Socket>((resolve) => (onAccept = resolve));
  const { server, port } = await listen((s) => onAccept(s));
  try {
    const reset = recorder();
    dial(route(port), LEAN, {
      ...reset.handlers,
      connect() {
        reset.handlers.connect.call(this);
        void serverSide.then((s) => s.resetAndDestroy());
      },
    });
    await reset.closed;
    assert.equal(reset.events, ['connect', 'error:ECONNRESET', 'close']);
    assert.is(classifyError(reset.errors[0]), 'reset');
  } finally {
    await close(server);
  }
});

test('lean connection: destroyed while dialing, it closes once and never opens; a failure found at once comes after dial returns', async () => {
  const { server, port } = await listen(() => {});
  try {
    const r = recorder();
    dial(route(port), LEAN, r.handlers).destroy();
    await r.closed;
    assert.equal(r.events, ['close']);
  } finally {
    await close(server);
  }
  // An IPv4 source for an IPv6 destination: binding fails inside dial(), synchronously.
  const r = recorder();
  dial({ endpoint: { host: '::1', port: 9, family: 6 }, localAddress: '127.0.0.1' }, LEAN, r.handlers);
  assert.equal(r.events, [], 'nothing is reported before the caller has the connection');
  await r.closed;
  assert.equal(r.events, ['error:EINVAL', 'close']);
});

test('lean connection: bound to a source address; IPv6 loopback', async () => {
  const seen: string[] = [];
  const { server, port } = await listen((s) => seen.push(s.remoteAddress as string));
  try {
    const r = recorder();
    let channel!: Channel;
    await new Promise<void>((resolve) => {
      channel = dial(route(port, { localAddress: '127.0.0.2' }), LEAN, { ...r.handlers, connect: () => resolve() });
    });
    assert.is(channel.localAddress, '127.0.0.2');
    channel.destroy();
    await r.closed;
    assert.equal(seen, ['127.0.0.2']);
  } finally {
    await close(server);
  }
  const v6 = await listen((s) => s.end('six'), '::1').catch(() => null);
  if (!v6) return; // no IPv6 loopback on this machine
  try {
    const r = recorder();
    dial({ endpoint: { host: '::1', port: v6.port, family: 6 } }, LEAN, r.handlers);
    await r.closed;
    assert.equal(r.events, ['connect', 'data:six', 'close']);
  } finally {
    await close(v6.server);
  }
});

/** Runs a fleet until nothing is dialing or queued, and returns its reading. */
async function settle(options: FleetOptions, count: number): Promise<ReturnType<Fleet['observe']>> {
  const fleet = new Fleet(options);
  try {
    fleet.request(count);
    const start = Date.now();
    for (;;) {
      const live = fleet.liveCounts();
      if (live.queued === 0 && live.dialing === 0 && live.unverified === 0 && live.settling === 0) break;
      if (Date.now() - start > 5000) throw new Error(`timed out: ${JSON.stringify(live)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return fleet.observe();
  } finally {
    await fleet.stop();
  }
}

test('fleet: the same counts on bare handles and on net.Socket, against a target that closes past its limit', async () => {
  for (const leanSockets of [true, false]) {
    await withServer({ maxConnections: 6, overLimit: 'close', banner: Buffer.from('hi\n') }, async (server) => {
      const obs = await settle(
        {
          routes: [route(server.port)],
          dialTimeoutMs: 2000,
          keepaliveMs: 0,
          maxInflight: 1,
          expectTimeoutMs: 1000,
          settleMs: 100,
          now: systemClock.now,
          leanSockets,
          expect: { kind: 'bytes', bytes: Buffer.from('hi'), source: 'hi' },
        },
        10,
      );
      const label = leanSockets ? 'lean' : 'net.Socket';
      assert.is(obs.live.held, 6, `${label}: held`);
      assert.is(obs.established, 10, `${label}: established`);
      assert.equal(obs.failures, { closed: 4 }, `${label}: the 4 closed at once, unverified, are failures`);
      assert.equal(obs.evidence.closed, {}, `${label}: a clean close without bytes`);
    });
  }
});

test('--no-lean-sockets: the same run on net.Socket, and the record says which', async () => {
  await withServer({ maxConnections: 4, overLimit: 'close' }, async (server) => {
    const records = [];
    for (const flags of [[], ['--no-lean-sockets']]) {
      await server.idle(); // the first run's connections are gone from the server too
      const run = await runCliHere([
        `127.0.0.1:${server.port}`,
        '--ramp',
        '4/100ms',
        '--round',
        '100ms',
        '--max-duration',
        '3s',
        '--settle',
        '600ms',
        '-q',
        '--json',
        '-',
        ...flags,
      ]);
      assert.is(run.code, 0, run.stderr);
      records.push(JSON.parse(run.stdout));
    }
    assert.equal(
      records.map((r) => [r.config.leanSockets, r.result.maximum]),
      [
        [true, 4],
        [false, 4],
      ],
    );
  });
});

test('hold target (bare handles): counts connections as they come and as clients close them', async () => {
  const target = await startHoldServer({ workers: 1, listeners: 2, perWorkerCap: 1000 });
  const clients: Socket[] = [];
  try {
    const [host, port] = [target.host, target.ports] as const;
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const socket = new Socket().connect(port[i % 2] as number, host, () => resolve()).on('error', reject);
            clients.push(socket);
          }),
      ),
    );
    const until = async (
      ok: (s: { active: number; served: number }) => boolean,
    ): Promise<{ active: number; served: number }> => {
      const start = Date.now();
      for (let s = await target.stats(); ; s = await target.stats()) {
        if (ok(s)) return s;
        if (Date.now() - start > 5000) throw new Error(`timed out: ${JSON.stringify(s)}`);
      }
    };
    assert.equal(await until((s) => s.served === 20), { active: 20, served: 20, full: 0 });
    for (const socket of clients.splice(0, 15)) socket.end();
    assert.equal(await until((s) => s.active === 5), { active: 5, served: 20, full: 0 });
  } finally {
    for (const socket of clients) socket.destroy();
    await target.close();
  }
});

test.run();
