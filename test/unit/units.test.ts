import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeEscapes,
  formatDuration,
  parseCount,
  parseDuration,
  parsePort,
  parseRate,
  parseThreshold,
} from '../../src/units.js';
import { UsageError } from '../../src/usageError.js';

test('parseDuration: units and bare numbers', () => {
  const cases: Array<[string, 'ms' | 's', number]> = [
    ['10', 'ms', 10], // bare number in the flag's tcpgoon unit (ms for --sleep)
    ['5', 's', 5000], // bare number in seconds (--dial-timeout)
    ['250ms', 's', 250], // explicit unit wins over the bare unit
    ['1.5s', 'ms', 1500], // fractions
    ['2m', 's', 120_000], // minutes
    ['1h', 's', 3_600_000], // hours
    ['1d', 's', 86_400_000], // days
    ['0', 'ms', 0], // zero is a duration
  ];
  for (const [text, bare, expected] of cases) assert.is(parseDuration(text, '--x', bare), expected, text);
});

test('parseDuration: rejects what is not a duration, naming the flag', () => {
  for (const text of ['10x', '-1', '', 'ms', '1.2.3s']) {
    assert.throws(
      () => parseDuration(text, '--sleep', 'ms'),
      (e: Error) => e instanceof UsageError && e.message.includes('--sleep'),
    );
  }
});

test('parseCount: whole numbers with k/m multipliers', () => {
  const cases: Array<[string, number, number]> = [
    ['500', 1, 500], // plain
    ['5k', 1, 5000], // tcpkali multiplier
    ['1.5k', 1, 1500], // fractional multiplier giving a whole number
    ['0', 0, 0], // zero where allowed
  ];
  for (const [text, min, expected] of cases) assert.is(parseCount(text, '-c', min), expected, text);
  for (const text of ['0', '-5', '1.5', 'abc', '']) {
    assert.throws(() => parseCount(text, '--connections'), /--connections .* whole number/, text);
  }
});

test('parseRate: per second from several spellings', () => {
  const cases: Array<[string, number]> = [
    ['100/s', 100], // per second
    ['5k/s', 5000], // multiplier
    ['50/500ms', 100], // per window
    ['100', 100], // bare is per second
    ['60/m', 1], // per minute
    ['10/2s', 5], // per window of seconds
  ];
  for (const [text, expected] of cases) assert.is(parseRate(text, '--ramp'), expected, text);
  for (const text of ['0/s', 'fast', '10/x', '-5/s']) assert.throws(() => parseRate(text, '--ramp'), /--ramp/, text);
});

test('parseThreshold: fraction or count', () => {
  assert.equal(parseThreshold('1%', '--e'), { fraction: 0.01 });
  assert.equal(parseThreshold('0.5%', '--e'), { fraction: 0.005 });
  assert.equal(parseThreshold('5', '--e'), { count: 5 });
  for (const text of ['abc', '101%', '-1', '1.5'])
    assert.throws(() => parseThreshold(text, '--error-threshold'), /--error-threshold/);
});

test('parsePort: 1-65535, or 0 where allowed', () => {
  assert.is(parsePort('80', 'port'), 80);
  assert.is(parsePort('0', 'port', true), 0);
  for (const text of ['0', '70000', 'abc', '', '-1']) assert.throws(() => parsePort(text, 'target port'), /not a port/);
});

test('decodeEscapes: \\r \\n \\t \\0 \\xNN and plain text', () => {
  assert.equal([...decodeEscapes('PING\\r\\n', '--send')], [...Buffer.from('PING\r\n')]);
  assert.equal([...decodeEscapes('a\\tb\\0\\x41\\\\', '--send')], [97, 9, 98, 0, 0x41, 92]);
  assert.equal(decodeEscapes('héllo 😀', '--send').toString('utf8'), 'héllo 😀');
  assert.equal([...decodeEscapes('\\xfF\\x00', '--send')], [255, 0]);
});

test('decodeEscapes: an escape that is not one is refused, naming the flag and the fix', () => {
  const cases: Array<[string, RegExp]> = [
    ['\\xZZ', /\\xZZ, which is not an escape/], // hex digits missing
    ['abc\\', /a trailing \\/], // nothing after the backslash
    ['\\x', /\\x, which is not an escape/], // \x at the very end
    ['\\x4', /\\x4, which is not an escape/], // one hex digit
    ['a\\qb', /\\q, which is not an escape/], // an unknown letter
  ];
  for (const [text, message] of cases) {
    try {
      decodeEscapes(text, '--message');
      assert.unreachable(`${text} was accepted`);
    } catch (err) {
      assert.instance(err, UsageError, text);
      assert.match((err as Error).message, message, text);
      assert.match((err as Error).message, /^--message .* use \\r \\n \\t \\0 \\\\ or \\xNN/, text);
    }
  }
});

test('formatDuration: short forms', () => {
  assert.is(formatDuration(850), '850ms');
  assert.is(formatDuration(1500), '1.5s');
  assert.is(formatDuration(120_000), '2m');
});

test.run();
