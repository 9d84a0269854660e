// Issue 25: URL targets. The scheme picks the protocol; credentials come from the URL or the
// environment and never show; flags the protocol decides are refused with the fix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig } from '../../src/config/probeConfig.js';
import { judgeReply } from '../../src/fleet/expectMatcher.js';
import { parseUrlTarget, redactUrl } from '../../src/protocols/urlTarget.js';
import { buildRunRecord } from '../../src/record/runRecord.js';
import { UsageError } from '../../src/usageError.js';

const noFile = (): Buffer => Buffer.alloc(0);
const config = (positionals: string[], raw: Record<string, string | boolean> = {}, env = {}) =>
  buildProbeConfig({ ramp: '100/s', ...raw }, positionals, noFile, Date.now(), env);

const usage = (f: () => unknown, pattern: RegExp): void => {
  try {
    f();
  } catch (err) {
    assert.instance(err, UsageError);
    assert.match((err as Error).message, pattern);
    assert.not.match((err as Error).message, /\n/, 'one line');
    return;
  }
  assert.unreachable(`no usage error, expected ${pattern}`);
};

test('URLs: scheme, default port, TLS, port ranges, IPv6, and a display without credentials', () => {
  const r = parseUrlTarget('redis://:s3cret@127.0.0.1/0', {});
  assert.equal(
    [r.protocol.name, r.tls, r.host, r.ports, r.params.password],
    ['Redis', false, '127.0.0.1', [6379], 's3cret'],
  );
  assert.is(r.display, 'redis://127.0.0.1:6379/0');
  const s = parseUrlTarget('rediss://127.0.0.1:7000-7002', {});
  assert.equal([s.tls, s.ports, s.display], [true, [7000, 7001, 7002], 'rediss://127.0.0.1:7000-7002']);
  const h = parseUrlTarget('https://[::1]/health?x=1', {});
  assert.equal([h.protocol.name, h.tls, h.host, h.ports, h.params.path], ['HTTP', true, '::1', [443], '/health?x=1']);
  const pg = parseUrlTarget('postgresql://probe:pw@127.0.0.1:5433/app', {});
  assert.equal(
    [pg.protocol.name, pg.params.user, pg.params.password, pg.params.path, pg.display],
    ['PostgreSQL', 'probe', 'pw', 'app', 'postgresql://127.0.0.1:5433/app'],
  );
  assert.is(parseUrlTarget('mqtt://127.0.0.1?version=5', {}).params.version, '5');
  assert.is(parseUrlTarget('MEMCACHED://127.0.0.1', {}).ports[0], 11211);
});

test('URLs: credentials from the environment when the URL has none; the URL first', () => {
  const env = { PGUSER: 'envuser', PGPASSWORD: 'envpw', PGDATABASE: 'envdb', REDISCLI_AUTH: 'redispw' };
  const pg = parseUrlTarget('postgres://127.0.0.1', env);
  assert.equal([pg.params.user, pg.params.password, pg.params.path], ['envuser', 'envpw', 'envdb']);
  assert.is(parseUrlTarget('postgres://me@127.0.0.1/db', env).params.user, 'me');
  assert.is(parseUrlTarget('redis://127.0.0.1', env).params.password, 'redispw');
  assert.is(parseUrlTarget('redis://:url@127.0.0.1', env).params.password, 'url');
});

test('URLs: bad ones get one line naming the fix', () => {
  usage(() => parseUrlTarget('gopher://127.0.0.1', {}), /unknown URL scheme "gopher:\/\/"; use one of redis, rediss/);
  usage(() => parseUrlTarget('redis://127.0.0.1:7005-7000', {}), /port range 7005-7000 .* low-high/);
  usage(() => parseUrlTarget('redis://127.0.0.1:1-2000', {}), /2000 ports; use at most 1024/);
  usage(() => parseUrlTarget('redis://:pw@127.0.0.1:99999', {}), /not a URL this tool can read/);
  usage(() => parseUrlTarget('mqtt://127.0.0.1?version=4', {}), /\?version=5 or \?version=3\.1\.1/);
  usage(() => parseUrlTarget('redis://:50%zz@127.0.0.1', {}), /a % that is not a percent-encoded byte; write % as %25/);
  usage(
    () => parseUrlTarget('redis://127.0.0.1:0', {}),
    /port 0 in "redis:\/\/127\.0\.0\.1:0" is not a port to dial; give the server's port, or none for 6379/,
  );
  usage(() => parseUrlTarget('redis://', {}), /not a URL this tool can read|has no host/);
  try {
    parseUrlTarget('redis://:hunter2@127.0.0.1:99999', {});
  } catch (err) {
    assert.not.match((err as Error).message, /hunter2/, 'the password never shows, even in an error');
  }
});

test('config: a URL sets what to send, what is served, the heartbeat and TLS; host:port stays plain TCP', () => {
  const c = config(['redis://:pw@127.0.0.1:6380'], { heartbeat: '1s' });
  assert.is(c.protocol, 'Redis');
  assert.is(c.target.display, 'redis://127.0.0.1:6380');
  assert.equal(
    c.targets.map((t) => [t.host, t.port]),
    [['127.0.0.1', 6380]],
  );
  assert.match(c.send?.toString() ?? '', /AUTH.*pw.*PING/s);
  assert.is(c.expect?.kind, 'protocol');
  assert.is(c.heartbeat?.expect.kind, 'protocol');
  assert.is(c.transport.kind, 'tcp');
  const tls = config(['rediss://localhost:6390'], { insecure: true });
  assert.equal(
    [tls.transport.kind, tls.transport.kind === 'tls' && tls.transport.tls.servername],
    ['tls', 'localhost'],
  );
  assert.is(config(['ssh://127.0.0.1']).send, undefined, 'the SSH server speaks first');
  assert.is(config(['127.0.0.1:6379']).protocol, undefined);
  const several = config(['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223-4224']);
  assert.equal(
    several.targets.map((t) => t.port),
    [4222, 4223, 4224],
  );
  assert.is(several.target.display, 'nats://127.0.0.1:4222 nats://127.0.0.1:4223-4224');
});

test('config: flags the protocol decides, mixed targets, and a heartbeat the protocol lacks are refused', () => {
  usage(
    () => config(['redis://127.0.0.1'], { send: 'PING\\r\\n' }),
    /--send cannot be combined with a URL target; Redis .* give host:port to use --send/,
  );
  usage(() => config(['redis://127.0.0.1'], { expect: '+PONG' }), /--expect cannot be combined with a URL target/);
  usage(() => config(['redis://127.0.0.1'], { tls: true }), /--tls .* write rediss:\/\//);
  usage(() => config(['redis://127.0.0.1', '127.0.0.1:6379']), /host:port among URL targets/);
  usage(() => config(['redis://127.0.0.1', 'nats://127.0.0.1']), /one run probes one protocol/);
  usage(() => config(['ssh://127.0.0.1'], { heartbeat: '1s' }), /--heartbeat: SSH has no request .*; drop --heartbeat/);
  usage(() => config(['mysql://127.0.0.1'], { heartbeat: '1s' }), /--heartbeat: MySQL/);
  usage(
    () => config(['redis://127.0.0.1'], { httpStatus: '200' }),
    /--http-status applies to http:\/\/ and https:\/\/ targets; drop it for Redis/,
  );
  usage(
    () => config(['127.0.0.1:80'], { httpStatus: '200' }),
    /--http-status applies to http:\/\/ .* give the target as a URL/,
  );
  usage(
    () => config(['http://127.0.0.1'], { httpStatus: '2xx' }),
    /--http-status "2xx" is not a list of HTTP statuses; give them like 200-299,304/,
  );
  usage(() => config(['http://127.0.0.1'], { httpStatus: '299-200' }), /low-high/);
});

test('--http-status: the statuses that count as served; any other is the refusal', () => {
  const c = config(['http://127.0.0.1:8080/health'], { httpStatus: '200-299, 304' });
  const expect = c.expect;
  assert.ok(expect?.kind === 'protocol');
  if (expect?.kind !== 'protocol') return;
  assert.equal(expect.params.servedStatus, [
    [200, 299],
    [304, 304],
  ]);
  const judge = (head: string) => judgeReply(expect, Buffer.from(head));
  assert.is(judge('HTTP/1.1 204 No Content\r\n\r\n').kind, 'served');
  assert.is(judge('HTTP/1.1 304 Not Modified\r\n\r\n').kind, 'served');
  const notFound = judge('HTTP/1.1 404 Not Found\r\n\r\n');
  assert.equal(notFound, { kind: 'denied', said: '404 Not Found' });
  const byDefault = config(['http://127.0.0.1:8080/']).expect;
  assert.ok(byDefault);
  if (!byDefault) return;
  assert.is(
    judgeReply(byDefault, Buffer.from('HTTP/1.1 404 Not Found\r\n\r\n')).kind,
    'served',
    'by default any status but 503',
  );
  assert.is(judgeReply(byDefault, Buffer.from('HTTP/1.1 503 Busy\r\n\r\n')).kind, 'denied');
});

test('records: the URL password is never written, not in argv, the command line, or the bytes sent', () => {
  const argv = ['redis://:hunter2@127.0.0.1:6380', '--ramp', '100/s', '--heartbeat', '1s'];
  const c = config([argv[0] as string], { heartbeat: '1s' });
  const record = buildRunRecord({
    version: '9.9.9',
    argv,
    startedAt: new Date(0),
    endedAt: new Date(1000),
    config: c,
    environment: { node: 'v20', os: 'Linux', cpus: 2, fdLimit: null, ephemeralPorts: null, sourceAddresses: [] },
    result: {
      mode: 'fixed',
      target: c.target.display,
      dialed: '127.0.0.1:6380',
      status: { total: 0, dialing: 0, established: 0, closed: 0, error: 0, notInitiated: 0 },
      totalEstablished: 0,
      maxConcurrent: 0,
      connect: null,
      timeToError: null,
      failures: {},
      evidence: {},
      interrupted: false,
      exitCode: 0,
      sourceAddresses: [],
    } as never,
  });
  const text = JSON.stringify(record);
  assert.not.match(text, /hunter2/);
  assert.match(text, /redis:\/\/:\*\*\*@127\.0\.0\.1:6380/);
  assert.is(redactUrl('postgres://user:pw@h/db'), 'postgres://user:***@h/db');
  assert.is(redactUrl('127.0.0.1:6379'), '127.0.0.1:6379');
});

test.run();
