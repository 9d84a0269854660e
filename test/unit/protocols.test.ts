// Issue 25: every protocol's judge, fed recorded byte streams whole, cut at every byte, refused,
// garbage and oversized. A judge is a pure function of the bytes received so far, so "split at
// every byte" is every prefix: each one short of the decisive byte must ask for more, never decide.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeReply, type ExpectMatcher } from '../../src/fleet/expectMatcher.js';
import type { Judgement, ProtocolParams } from '../../src/protocols/protocol.js';
import { PROTOCOLS } from '../../src/protocols/protocols.js';

const PARAMS: ProtocolParams = { host: '127.0.0.1', port: 1, path: '', session: false };

const matcher = (protocol: string, phase: 'open' | 'heartbeat' = 'open', params = PARAMS): ExpectMatcher => ({
  kind: 'protocol',
  protocol,
  phase,
  params,
  source: protocol,
});

const judge = (
  protocol: string,
  bytes: Buffer | string,
  phase: 'open' | 'heartbeat' = 'open',
  params = PARAMS,
): Judgement =>
  judgeReply(matcher(protocol, phase, params), typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);

/** Asserts the whole stream decides `kind` (with `said` for a refusal) and that every shorter prefix asks for more. */
function decides(
  protocol: string,
  stream: Buffer | string,
  kind: 'served' | 'denied',
  said?: string | RegExp,
  phase: 'open' | 'heartbeat' = 'open',
  params = PARAMS,
): void {
  const bytes = typeof stream === 'string' ? Buffer.from(stream, 'latin1') : stream;
  const whole = judge(protocol, bytes, phase, params);
  assert.is(whole.kind, kind, `${protocol} ${phase}: ${JSON.stringify(whole)}`);
  if (said !== undefined && whole.kind === 'denied') {
    if (typeof said === 'string') assert.is(whole.said, said);
    else assert.match(whole.said, said);
  }
  for (let cut = 0; cut < bytes.length; cut++) {
    const part = judge(protocol, bytes.subarray(0, cut), phase, params);
    assert.is(part.kind, 'more', `${protocol} ${phase} cut at ${cut} of ${bytes.length}: ${JSON.stringify(part)}`);
  }
}

const mismatch = (protocol: string, stream: Buffer | string, phase: 'open' | 'heartbeat' = 'open'): string => {
  const j = judge(protocol, stream, phase);
  assert.is(j.kind, 'mismatch', `${protocol}: ${JSON.stringify(j)}`);
  return (j as { why: string }).why;
};

/** A PostgreSQL backend message: type, length, body. */
function pg(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
/** A MySQL packet: 3-byte length, sequence 0, payload. */
function my(payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  return Buffer.concat([head, payload]);
}
/** An AMQP method frame on channel 0. */
function amqpFrame(classId: number, methodId: number, args: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from([classId >> 8, classId & 255, methodId >> 8, methodId & 255]), args]);
  const head = Buffer.from([1, 0, 0, 0, 0, 0, 0]);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([0xce])]);
}

test('every protocol: a name, schemes, a default port, what served means, its limit setting', () => {
  assert.is(PROTOCOLS.length, 11);
  for (const p of PROTOCOLS) {
    assert.ok(p.schemes.length > 0 && p.defaultPort > 0 && p.served.length > 10 && p.limitSetting.length > 10, p.name);
  }
  const schemes = PROTOCOLS.flatMap((p) => [...p.schemes, ...p.tlsSchemes]);
  assert.is(new Set(schemes).size, schemes.length, 'no scheme twice');
  for (const s of [
    'redis',
    'rediss',
    'postgres',
    'postgresql',
    'mysql',
    'http',
    'https',
    'ws',
    'wss',
    'ssh',
    'mqtt',
    'mqtts',
    'nats',
    'memcached',
    'amqp',
    'smtp',
  ])
    assert.ok(schemes.includes(s), s);
});

test('Redis: +PONG or -NOAUTH is served; -ERR max number of clients reached is the refusal, named', () => {
  decides('Redis', '+PONG\r\n', 'served');
  decides('Redis', '+OK\r\n+PONG\r\n', 'served');
  decides('Redis', '-NOAUTH Authentication required.\r\n', 'served');
  // AUTH refused (a wrong password, or none configured): the PING's reply decides.
  decides('Redis', '-WRONGPASS invalid username-password pair\r\n-NOAUTH Authentication required.\r\n', 'served');
  decides('Redis', '-ERR AUTH <password> called without any password configured\r\n+PONG\r\n', 'served');
  decides('Redis', '-ERR max number of clients reached\r\n', 'denied', 'ERR max number of clients reached');
  decides('Redis', '+PONG\r\n', 'served', undefined, 'heartbeat');
  assert.match(mismatch('Redis', 'HTTP/1.1 400 Bad Request\r\n'), /not a Redis reply/);
  assert.match(mismatch('Redis', 'x'.repeat(2000)), /longer than 1024/);
});

test('PostgreSQL: an authentication request or ReadyForQuery is served; ErrorResponse 53300 is named', () => {
  decides('PostgreSQL', pg('R', int32(10)), 'served'); // SASL
  const ok = Buffer.concat([
    pg('R', int32(0)),
    pg('S', Buffer.from('server_version\x0015.4\x00')),
    pg('K', Buffer.alloc(8)),
    pg('Z', Buffer.from('I')),
  ]);
  decides('PostgreSQL', ok, 'served');
  const full = pg(
    'E',
    Buffer.from('SFATAL\x00VFATAL\x00C53300\x00Msorry, too many clients already\x00Fproc.c\x00L359\x00\x00'),
  );
  decides('PostgreSQL', full, 'denied', '53300 sorry, too many clients already');
  // With --heartbeat the connection must end in a session: a password request cannot.
  const session = { ...PARAMS, session: true };
  const asked = judge('PostgreSQL', pg('R', int32(10)), 'open', session);
  assert.is(asked.kind, 'mismatch');
  assert.match((asked as { why: string }).why, /SCRAM-SHA-256.*trust/);
  decides('PostgreSQL', ok, 'served', undefined, 'open', session);
  decides('PostgreSQL', pg('Z', Buffer.from('I')), 'served', undefined, 'heartbeat');
  assert.match(mismatch('PostgreSQL', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')), /not a PostgreSQL message/);
  const huge = Buffer.concat([Buffer.from('N'), int32(1_000_000)]);
  assert.match(mismatch('PostgreSQL', huge), /length 1000000/);
});

test('MySQL: the handshake (protocol 10) is served; ERR 1040 is the refusal, named', () => {
  const handshake = my(Buffer.concat([Buffer.from([0x0a]), Buffer.from('10.11.6-MariaDB\x00'), Buffer.alloc(40, 1)]));
  decides('MySQL', handshake, 'served');
  const err = my(Buffer.concat([Buffer.from([0xff, 0x10, 0x04]), Buffer.from('#08004Too many connections')]));
  decides('MySQL', err, 'denied', '1040 Too many connections');
  const oldErr = my(Buffer.concat([Buffer.from([0xff, 0x10, 0x04]), Buffer.from('Too many connections')]));
  decides('MySQL', oldErr, 'denied', '1040 Too many connections');
  assert.match(mismatch('MySQL', my(Buffer.from([0x09, 1, 2]))), /neither a handshake nor an error/);
  assert.match(mismatch('MySQL', Buffer.from([0xff, 0xff, 0xff, 0])), /length/);
});

test('HTTP: a whole head is served; 503 is the refusal with its first body line; a heartbeat reply after a body', () => {
  decides('HTTP', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', 'served');
  decides('HTTP', 'HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\n', 'served');
  const busy =
    'HTTP/1.1 503 Service Temporarily Unavailable\r\nContent-Length: 30\r\n\r\n<h1>503 Service Unavailable</h1>\r\n';
  const j = judge('HTTP', busy);
  assert.is(j.kind, 'denied');
  assert.match((j as { said: string }).said, /^503 Service Temporarily Unavailable: 503 Service Unavailable/);
  // The rest of the last response's body, then the heartbeat's own response.
  assert.is(judge('HTTP', 'ody>\r\n</html>\r\nHTTP/1.1 200 OK\r\n\r\n', 'heartbeat').kind, 'served');
  assert.is(judge('HTTP', 'ody>\r\n</html>\r\n', 'heartbeat').kind, 'more');
  assert.match(mismatch('HTTP', 'SSH-2.0-OpenSSH_9.2\r\n'), /not an HTTP response/);
  assert.match(mismatch('HTTP', `HTTP/1.1 200 OK\r\nX: ${'y'.repeat(4000)}`), /over 3072 bytes/);
  assert.match(mismatch('HTTP', 'HTTP/9 banana\r\n\r\n'), /status line/);
});

test('WebSocket: 101 is served; another status is the refusal; a pong answers the ping, pushed messages skipped', () => {
  decides(
    'WebSocket',
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'served',
  );
  decides('WebSocket', 'HTTP/1.1 503 Service Unavailable\r\n\r\n', 'denied', 'HTTP 503 Service Unavailable');
  decides('WebSocket', Buffer.from([0x8a, 0x00]), 'served', undefined, 'heartbeat');
  decides('WebSocket', Buffer.from([0x81, 0x02, 0x68, 0x69, 0x8a, 0x00]), 'served', undefined, 'heartbeat');
  const close = Buffer.concat([Buffer.from([0x88, 0x06, 0x03, 0xf1]), Buffer.from('full')]);
  decides('WebSocket', close, 'denied', 'close 1009 full', 'heartbeat');
  assert.match(mismatch('WebSocket', Buffer.from([0x82, 0x7e, 0xff, 0xff]), 'heartbeat'), /65535 bytes/);
});

test('SSH: the identification line is served; Exceeded MaxStartups is the refusal', () => {
  decides('SSH', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', 'served');
  decides('SSH', 'a banner line first\r\nSSH-2.0-OpenSSH_9.2\r\n', 'served');
  decides('SSH', 'Exceeded MaxStartups\r\n', 'denied', 'Exceeded MaxStartups');
  assert.match(mismatch('SSH', 'SSH-1.5-old\r\n'), /version/);
  assert.match(mismatch('SSH', 'x'.repeat(300)), /longer than 255/);
});

test('MQTT: CONNACK 0 is served; code 3 (3.1.1) and 0x89 (5) are named refusals; PINGRESP answers PINGREQ', () => {
  decides('MQTT', Buffer.from([0x20, 0x02, 0x00, 0x00]), 'served');
  decides('MQTT', Buffer.from([0x20, 0x02, 0x00, 0x03]), 'denied', 'CONNACK 3 (server unavailable)');
  const v5 = { ...PARAMS, version: '5' };
  decides('MQTT', Buffer.from([0x20, 0x03, 0x00, 0x89, 0x00]), 'denied', 'CONNACK 137 (server busy)', 'open', v5);
  decides('MQTT', Buffer.from([0xd0, 0x00]), 'served', undefined, 'heartbeat');
  assert.match(mismatch('MQTT', Buffer.from([0x30, 0x02, 0, 0])), /type 3/);
  assert.match(mismatch('MQTT', Buffer.from([0x20, 0xff, 0xff, 0xff, 0xff, 0x01])), /more than 4 bytes/);
  assert.match(mismatch('MQTT', Buffer.from([0x20, 0xff, 0x7f])), /16383 bytes/);
});

test('NATS: INFO alone is no service; PONG is; -ERR maximum connections exceeded is the refusal', () => {
  const info = 'INFO {"server_id":"x","version":"2.9.10","max_payload":1048576}\r\n';
  assert.is(judge('NATS', info).kind, 'more', 'the banner every client gets is not service');
  decides('NATS', `${info}PONG\r\n`, 'served');
  decides('NATS', `${info}-ERR 'maximum connections exceeded'\r\n`, 'denied', 'maximum connections exceeded');
  decides('NATS', 'PONG\r\n', 'served', undefined, 'heartbeat');
  assert.match(mismatch('NATS', 'HELLO\r\n'), /not a NATS reply/);
});

test('memcached: VERSION is served; ERROR Too many open connections is the refusal', () => {
  decides('memcached', 'VERSION 1.6.18\r\n', 'served');
  decides('memcached', 'ERROR Too many open connections\r\n', 'denied', 'ERROR Too many open connections');
  assert.match(mismatch('memcached', 'STORED\r\n'), /not a memcached reply/);
});

test('AMQP: Connection.Start is served; Connection.Close is the refusal with its code and text', () => {
  decides('AMQP', amqpFrame(10, 10, Buffer.from([0, 9, 0, 0, 0, 0])), 'served');
  const text = Buffer.from('CONNECTION_FORCED - too many connections');
  const close = amqpFrame(10, 50, Buffer.concat([Buffer.from([1, 64, text.length]), text, Buffer.from([0, 0, 0, 0])]));
  decides('AMQP', close, 'denied', '320 CONNECTION_FORCED - too many connections');
  assert.match(mismatch('AMQP', 'AMQP\x00\x00\x09\x00'), /another AMQP version/);
  assert.match(mismatch('AMQP', Buffer.from([1, 0, 0, 0, 1, 0, 0])), /size 65536/);
});

test('SMTP: a 220 greeting (multi-line too) is served; 421 is the refusal; NOOP answered 250', () => {
  decides('SMTP', '220 mail.example ESMTP\r\n', 'served');
  decides('SMTP', '220-mail.example ESMTP\r\n220 ready\r\n', 'served');
  decides(
    'SMTP',
    '421 4.3.2 Too many connections, try again later\r\n',
    'denied',
    '421 4.3.2 Too many connections, try again later',
  );
  decides('SMTP', '250 2.0.0 OK\r\n', 'served', undefined, 'heartbeat');
  assert.match(mismatch('SMTP', 'hello\r\n'), /not an SMTP reply/);
});

test("servers' own liveness checks are answered: NATS PING with PONG, a WebSocket ping with a masked pong", () => {
  const answer = (name: string, chunk: Buffer | string): Buffer | null =>
    PROTOCOLS.find((p) => p.name === name)?.answer?.(typeof chunk === 'string' ? Buffer.from(chunk) : chunk) ?? null;
  assert.is(answer('NATS', 'PING\r\n')?.toString(), 'PONG\r\n');
  assert.is(answer('NATS', 'INFO {}\r\nPING\r\nPING\r\n')?.toString(), 'PONG\r\nPONG\r\n');
  assert.is(answer('NATS', 'PONG\r\n'), null);
  assert.is(answer('NATS', '+OK\r\n'), null);
  const pong = answer('WebSocket', Buffer.from([0x89, 0x02, 0x68, 0x69])) as Buffer;
  assert.equal([pong[0], pong[1]], [0x8a, 0x82], 'a pong, masked, two bytes of payload');
  const mask = pong.subarray(2, 6);
  assert.is(Buffer.from(pong.subarray(6).map((b, i) => b ^ (mask[i % 4] as number))).toString(), 'hi');
  assert.is(answer('WebSocket', Buffer.from([0x81, 0x02, 0x68, 0x69])), null, 'a text message asks nothing');
  assert.is(answer('Redis', '+PONG\r\n'), null, 'Redis never checks its clients');
});

test('what each protocol sends: Redis AUTH as a RESP array, a StartupMessage, MQTT CONNECT with an empty client id', () => {
  const send = (name: string, params: ProtocolParams = PARAMS): Buffer => {
    const p = PROTOCOLS.find((x) => x.name === name);
    return p ? p.open.send(params) : Buffer.alloc(0);
  };
  assert.is(send('Redis').toString(), '*1\r\n$4\r\nPING\r\n');
  assert.is(
    send('Redis', { ...PARAMS, password: 'a b' }).toString(),
    '*2\r\n$4\r\nAUTH\r\n$3\r\na b\r\n*1\r\n$4\r\nPING\r\n',
  );
  const startup = send('PostgreSQL', { ...PARAMS, user: 'probe', path: 'app' });
  assert.is(startup.readInt32BE(0), startup.length);
  assert.is(startup.readInt32BE(4), 196608);
  assert.match(startup.toString('latin1'), /user\0probe\0database\0app\0/);
  const connect = send('MQTT');
  assert.equal([...connect.subarray(0, 2)], [0x10, connect.length - 2]);
  assert.equal([...connect.subarray(-2)], [0, 0], 'an empty client id: the broker assigns one');
  assert.is(send('SSH').length, 0, 'the server speaks first');
  assert.is(send('MySQL').length, 0, 'the server speaks first');
  assert.match(
    send('NATS', { ...PARAMS, user: 'u', password: 'p' }).toString(),
    /^CONNECT \{.*"user":"u","pass":"p"\}\r\nPING\r\n$/,
  );
});

test.run();
