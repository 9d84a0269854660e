// Issue 25: URL targets against real web servers and brokers, each at a limit it is configured with.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst, whatItSaw } from '../helpers/ramp.js';
import {
  startLighttpd,
  startMemcached,
  startMosquitto,
  startNats,
  startNginx,
  withReal,
} from '../helpers/realServers.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/waitUntil.js';

const FAST = { ramp: '200/s', settle: '300ms', maxDuration: '20s' };

test('http:// (lighttpd server.max-connections 40): exactly 40; the rest wait unserved in its accept queue', async () => {
  await withReal(startLighttpd(40), async (http) => {
    const r = await rampAgainst(`http://${http.address}/index.html`, { ...FAST, expectTimeout: '1s' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [40, 'limit-found', 0], whatItSaw(r));
    assert.match(diagnoseResult(r).cause, /^past 40 connections new ones open but are never served/);
  });
});

// nginx past worker_connections accepts and closes; but when it runs short it also closes
// connections it has accepted and not yet read a request from ("reusing connections"), which a
// busy prober leaves longer unread: then it holds a few fewer than its 38 free slots. What the
// probe must give: never more than nginx holds, the limit found, and nginx's setting named.
test('https:// (nginx worker_connections 40, two of them listening): at most 38, nginx worker_connections named', async () => {
  await withReal(startNginx(40), async (nginx) => {
    const tls = await rampAgainst(`https://${nginx.tlsAddress}/`, { ...FAST, insecure: true });
    assert.equal([tls.verdict, tls.exitCode], ['limit-found', 0], whatItSaw(tls));
    assert.ok(tls.maximum <= 38 && tls.maximum >= 30, whatItSaw(tls));
    assert.match(diagnoseResult(tls).lookAt[0] as string, /nginx worker_connections/);
  });
});

test('mqtt:// (mosquitto max_connections 30): exactly 30; PINGREQ heartbeats answered', async () => {
  await withReal(startMosquitto(30), async (broker) => {
    const r = await rampAgainst(`mqtt://${broker.address}`, { ...FAST, heartbeat: '200ms' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [30, 'limit-found', 0], whatItSaw(r));
    assert.ok((r.heartbeatsAnswered ?? 0) > 0, 'PINGRESP came back');
    assert.match(diagnoseResult(r).lookAt[0] as string, /mosquitto\.conf max_connections/);
  });
});

test('nats:// (max_connections 30): exactly 30, "maximum connections exceeded" named, not the INFO banner', async () => {
  await withReal(startNats(30), async (nats) => {
    const r = await rampAgainst(`nats://${nats.address}`, { ...FAST, heartbeat: '200ms' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [30, 'limit-found', 0], whatItSaw(r));
    assert.is(r.evidence.denied?.message, 'maximum connections exceeded');
    assert.ok((r.heartbeatsAnswered ?? 0) > 0, 'PING answered PONG');
    assert.match(
      diagnoseResult(r).cause,
      /^past 30 connections NATS refuses new ones, saying "maximum connections exceeded"/,
    );
  });
});

/** Sends `line` on a socket and resolves with the reply up to `until` (or what came before a close). */
function ask(socket: Socket, line: string, until = '\r\n'): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const done = (): void => {
      socket.off('data', onData);
      resolve(got);
    };
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      if (got.includes(until)) done();
    };
    socket.on('data', onData);
    socket.once('close', done);
    socket.write(line);
  });
}

const open = (address: string): Promise<Socket> => {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), host, () => resolve(s));
    s.once('error', reject);
  });
};

/** Returns memcached's own count of open connections (its listener and the one asking included), or -1 when it refused to say. */
async function currConnections(address: string): Promise<number> {
  const s = await open(address);
  try {
    return Number(/STAT curr_connections (\d+)/.exec(await ask(s, 'stats\r\n', 'END\r\n'))?.[1] ?? -1);
  } finally {
    s.destroy();
  }
}

/**
 * memcached counts some of its own descriptors against -c, so how many clients it serves is not
 * -c itself: count them here, one connection at a time, until it says "ERROR Too many open
 * connections"; then wait until it has let them all go.
 */
async function memcachedCapacity(address: string): Promise<number> {
  const idle = await currConnections(address);
  const held: Socket[] = [];
  let served = -1;
  for (let i = 0; i < 1000 && served < 0; i++) {
    const s = await open(address);
    held.push(s);
    if (!(await ask(s, 'version\r\n')).startsWith('VERSION')) served = held.length - 1;
  }
  for (const s of held) s.destroy();
  await waitFor(
    () => currConnections(address),
    (n) => n >= 0 && n <= idle,
    'memcached let the counted connections go',
  );
  return served;
}

test("nats://: the server's own PINGs are answered, so a hold longer than its ping limit keeps every connection", async () => {
  // One PING a second, and one unanswered is the limit: a client that does not answer is closed within 3 s.
  await withReal(startNats(100, 1), async (nats) => {
    const run = await runCliHere([`nats://${nats.address}`, '-c', '10', '-s', '0', '-T', '4s', '--json', '-', '-q']);
    const result = JSON.parse(run.stdout).result;
    assert.equal([run.code, result.status.established, result.failures], [0, 10, {}], run.stdout.slice(0, 2000));
  });
});

test('memcached:// (-c 40, one thread): exactly what memcached serves one by one, "ERROR Too many open connections"', async () => {
  await withReal(startMemcached(40), async (mc) => {
    const capacity = await memcachedCapacity(mc.address);
    const r = await rampAgainst(`memcached://${mc.address}`, { ...FAST, heartbeat: '200ms' });
    assert.ok(capacity > 20 && capacity < 40, `memcached served ${capacity} of -c 40`);
    assert.equal([r.maximum, r.verdict, r.exitCode], [capacity, 'limit-found', 0], whatItSaw(r));
    assert.is(r.evidence.denied?.message, 'ERROR Too many open connections');
    assert.match(diagnoseResult(r).lookAt[0] as string, /memcached -c/);
  });
});

test('ws:// (the built-in WebSocket target, 30 at once): exactly 30; ping frames answered by pongs', async () => {
  await withServer({ websocket: true, reply: 'echo', maxConnections: 30, overLimit: 'close' }, async (server) => {
    const r = await rampAgainst(`ws://127.0.0.1:${server.port}/`, { ...FAST, heartbeat: '200ms' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [30, 'limit-found', 0], whatItSaw(r));
    assert.ok((r.heartbeatsAnswered ?? 0) > 0, 'pongs came back');
  });
});

/**
 * A server written here for the protocols the suite has no Debian server for (SMTP, AMQP): on
 * 127.0.0.1 port 0, it answers the first `limit` connections with `welcome` (when `hello` comes,
 * or at once without one) and the rest with `refusal`, then closes them; `reply` answers later
 * requests (a heartbeat).
 */
async function withSpeaker<T>(
  options: { limit: number; hello?: Buffer; welcome: Buffer; refusal: Buffer; reply?: Buffer },
  fn: (address: string) => Promise<T>,
): Promise<T> {
  let open = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const admitted = open < options.limit;
    if (admitted) open++;
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (admitted) open--;
    });
    const answer = (): void => {
      if (admitted) socket.write(options.welcome);
      else socket.end(options.refusal);
    };
    let greeted = false;
    if (!options.hello) {
      greeted = true;
      answer();
    }
    socket.on('data', () => {
      if (!greeted) {
        greeted = true;
        answer();
      } else if (admitted && options.reply) socket.write(options.reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`127.0.0.1:${(server.address() as { port: number }).port}`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('smtp:// (a server written here, 25 at once): exactly 25, "421 … Too many connections" named; NOOP answered', async () => {
  const smtp = {
    limit: 25,
    welcome: Buffer.from('220-test.local ESMTP\r\n220 ready\r\n'),
    refusal: Buffer.from('421 4.3.2 Too many connections, try again later\r\n'),
    reply: Buffer.from('250 2.0.0 OK\r\n'),
  };
  await withSpeaker(smtp, async (address) => {
    const r = await rampAgainst(`smtp://${address}`, { ...FAST, heartbeat: '200ms' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [25, 'limit-found', 0], whatItSaw(r));
    assert.is(r.evidence.denied?.message, '421 4.3.2 Too many connections, try again later');
    assert.ok((r.heartbeatsAnswered ?? 0) > 0, 'NOOP answered 250');
  });
});

test('amqp:// (a server written here, 25 at once): exactly 25, Connection.Close 320 named', async () => {
  const frame = (classId: number, methodId: number, args: Buffer): Buffer => {
    const payload = Buffer.concat([Buffer.from([0, classId, 0, methodId]), args]);
    const head = Buffer.from([1, 0, 0, 0, 0, 0, 0]);
    head.writeUInt32BE(payload.length, 3);
    return Buffer.concat([head, payload, Buffer.from([0xce])]);
  };
  const text = Buffer.from('CONNECTION_FORCED - too many connections');
  const amqp = {
    limit: 25,
    hello: Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'),
    welcome: frame(10, 10, Buffer.from([0, 9, 0, 0, 0, 0, 0, 0, 0, 5, 0x50, 0x4c, 0x41, 0x49, 0x4e])),
    refusal: frame(10, 50, Buffer.concat([Buffer.from([1, 64, text.length]), text, Buffer.from([0, 0, 0, 0])])),
  };
  await withSpeaker(amqp, async (address) => {
    const r = await rampAgainst(`amqp://${address}`, FAST);
    assert.equal([r.maximum, r.verdict, r.exitCode], [25, 'limit-found', 0], whatItSaw(r));
    assert.is(r.evidence.denied?.message, '320 CONNECTION_FORCED - too many connections');
    assert.match(diagnoseResult(r).lookAt[0] as string, /RabbitMQ connection_max/);
  });
});

test.run();
