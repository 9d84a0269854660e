import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLoopback } from '../../src/net/loopback.js';
import { formatEndpoint, resolveTarget } from '../../src/net/resolve.js';
import { parseTarget } from '../../src/net/target.js';

test('parseTarget: accepted forms', () => {
  const cases: Array<[string[], string, number, string]> = [
    [['127.0.0.1:80'], '127.0.0.1', 80, '127.0.0.1:80'], // host:port
    [['localhost', '6379'], 'localhost', 6379, 'localhost:6379'], // tcpgoon's host port
    [['[::1]:8080'], '::1', 8080, '[::1]:8080'], // bracketed IPv6
    [['db.example:5432'], 'db.example', 5432, 'db.example:5432'], // a name
  ];
  for (const [args, host, port, display] of cases)
    assert.equal(parseTarget(args), { host, port, display }, args.join(' '));
});

test('parseTarget: names with an underscore, and IPv6 with a zone, are hosts', () => {
  assert.is(parseTarget(['redis_1:6379']).host, 'redis_1');
  assert.is(parseTarget(['[fe80::1%eth0]:80']).host, 'fe80::1%eth0');
});

test('parseTarget: rejected forms name the problem and the fix', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /no target given.*host:port/], // nothing
    [['127.0.0.1:0'], /not a port.*1 to 65535/], // port 0
    [['127.0.0.1:70000'], /not a port/], // port too large
    [['127.0.0.1:abc'], /not a port/], // port not a number
    [[':80'], /host is empty/], // empty host
    [['127.0.0.1'], /has no port/], // no port
    [['::1:80'], /brackets/], // ambiguous IPv6
    [['127.0.0.1:80', 'extra'], /unexpected argument "extra"/], // extra positional
    [['a:1', 'b:2', 'c:3'], /unexpected argument/], // more
    [['exa\nmple.com:80'], /host "exa\\nmple\.com" has a space, newline or control character/], // a newline inside
    [['127.0.0.1\n', '80'], /newline or control character/], // host port, with the newline kept
    [['ex ample:80'], /a space/],
    [['ex/ample.com:80'], /a character no host name has; give a host name or an IP address/],
  ];
  for (const [args, pattern] of cases) assert.throws(() => parseTarget(args), pattern, args.join(' '));
});

test('isLoopback: only 127/8 and ::1', () => {
  const cases: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['::2', false],
    ['localhost', false],
  ];
  for (const [address, expected] of cases) assert.is(isLoopback(address), expected, address);
});

test('resolveTarget: literals as they are, names once, .invalid without a query', async () => {
  assert.equal(await resolveTarget(parseTarget(['[::1]:9'])), { host: '::1', port: 9, family: 6 });
  let asked = 0;
  const lookup = async () => {
    asked += 1;
    return { address: '127.0.0.5', family: 4 };
  };
  assert.equal(await resolveTarget(parseTarget(['svc.local:9']), lookup), { host: '127.0.0.5', port: 9, family: 4 });
  assert.is(asked, 1);
  try {
    await resolveTarget(parseTarget(['nowhere.invalid:9']), lookup);
    assert.unreachable('should not resolve');
  } catch (err) {
    assert.match((err as Error).message, /cannot resolve "nowhere.invalid".*give an IP address/);
  }
  assert.is(asked, 1, 'no lookup for .invalid');
  const failing = async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
  try {
    await resolveTarget(parseTarget(['gone.local:9']), failing);
    assert.unreachable('should not resolve');
  } catch (err) {
    assert.match((err as Error).message, /ENOTFOUND/);
  }
  assert.is(formatEndpoint({ host: '::1', port: 5 }), '[::1]:5');
});

test.run();
