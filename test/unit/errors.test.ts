import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyError, isProberKind, type ErrorKind } from '../../src/net/errors.js';

const err = (code: string): Error => Object.assign(new Error(code), { code });

test('classifyError: errno to kind', () => {
  const cases: Array<[unknown, ErrorKind]> = [
    [err('ECONNREFUSED'), 'refused'], // nobody listening, or a refusing backlog
    [err('ECONNRESET'), 'reset'], // RST
    [err('ETIMEDOUT'), 'timeout'], // SYN dropped
    [err('EHOSTUNREACH'), 'unreachable'], // routing
    [err('ENETUNREACH'), 'unreachable'],
    [err('EADDRNOTAVAIL'), 'addr-unavailable'], // out of ephemeral ports
    [err('EMFILE'), 'fd-limit'], // per-process fd limit
    [err('ENFILE'), 'fd-limit'], // system-wide fd limit
    [err('ENOBUFS'), 'no-buffers'],
    [err('ENOTFOUND'), 'dns'],
    [err('EWHATEVER'), 'other'], // unknown code
    [new Error('no code'), 'other'], // no code at all
    [null, 'other'], // not even an error
    [new AggregateError([err('ECONNREFUSED'), err('ENETUNREACH')]), 'refused'], // happy eyeballs: first inner error
  ];
  for (const [input, kind] of cases) assert.is(classifyError(input), kind, String((input as Error)?.message));
});

test("prober kinds are the prober's own limits", () => {
  assert.ok(isProberKind('fd-limit'));
  assert.ok(isProberKind('addr-unavailable'));
  assert.ok(isProberKind('no-buffers'));
  assert.not.ok(isProberKind('refused'));
  assert.not.ok(isProberKind('closed'));
});

test.run();
