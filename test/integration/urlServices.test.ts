// Issue 25: URL targets against real web servers and brokers, each at a limit it is configured with.
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst, whatItSaw } from '../helpers/ramp.js';
import { startMemcached, startMosquitto, startNats, startNginx, withReal } from '../helpers/realServers.js';
import { waitFor } from '../helpers/waitUntil.js';

const FAST = { ramp: '200/s', settle: '300ms', maxDuration: '20s' };

test('http:// and https:// (nginx worker_connections 40, two listening): exactly 38 each; nginx worker_connections named', async () => {
  await withReal(startNginx(40), async (nginx) => {
    const plain = await rampAgainst(`http://${nginx.address}/`, FAST);
    assert.equal([plain.maximum, plain.verdict, plain.exitCode], [38, 'limit-found', 0], whatItSaw(plain));
    assert.match(diagnoseResult(plain).lookAt[0] as string, /nginx worker_connections/);
  });
  // A fresh server: the first run's connections are all closed by the time it stops.
  await withReal(startNginx(40), async (nginx) => {
    const tls = await rampAgainst(`https://${nginx.tlsAddress}/`, { ...FAST, insecure: true });
    assert.equal([tls.maximum, tls.verdict, tls.exitCode], [38, 'limit-found', 0], whatItSaw(tls));
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

test.run();
