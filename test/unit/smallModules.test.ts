import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { markValues, unmarkValues, VALUE_MARK } from '../../src/cli/cliOptions.js';
import { PROBE_OPTIONS } from '../../src/config/optionSpecs.js';
import { expectMatches, parseExpect } from '../../src/fleet/expectMatcher.js';
import { Fifo } from '../../src/fleet/fifo.js';
import { summarize } from '../../src/stats/summarize.js';

test('summarize: min/avg/max/dev and percentiles; null when empty', () => {
  assert.is(summarize([]), null);
  const s = summarize([4, 1, 3, 2]);
  assert.equal([s?.count, s?.min, s?.avg, s?.max], [4, 1, 2.5, 4]);
  assert.ok(Math.abs((s?.dev ?? 0) - Math.sqrt(1.25)) < 1e-9, 'population standard deviation');
  const hundred = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
  assert.is(hundred?.p50, 50.5);
  assert.ok(Math.abs((hundred?.p90 ?? 0) - 90) < 0.5, `p90 ${hundred?.p90}`);
  assert.ok(Math.abs((hundred?.p99 ?? 0) - 99) < 0.5, `p99 ${hundred?.p99}`);
});

test('expect: bytes are contained, regexes match', () => {
  const bytes = parseExpect('+PONG\\r\\n');
  assert.ok(expectMatches(bytes, Buffer.from('+PONG\r\n')));
  assert.ok(expectMatches(bytes, Buffer.from('junk+PONG\r\nmore')));
  assert.not.ok(expectMatches(bytes, Buffer.from('+PONG')), 'needs the CRLF');
  const regex = parseExpect('/^HTTP\\/1\\.[01] 200/');
  assert.is(regex.kind, 'regex');
  assert.ok(expectMatches(regex, Buffer.from('HTTP/1.1 200 OK\r\n')));
  assert.not.ok(expectMatches(regex, Buffer.from('HTTP/1.1 503 Busy\r\n')));
});

test('Fifo: order, peek, compaction', () => {
  const q = new Fifo<number>();
  assert.is(q.shift(), undefined);
  for (let i = 0; i < 5000; i++) q.push(i);
  for (let i = 0; i < 4000; i++) assert.is(q.shift(), i);
  assert.is(q.peek(), 4000);
  assert.is(q.size, 1000);
  q.push(5000);
  assert.is(q.size, 1001);
});

test('markValues: values stay text, negative numbers stay values', () => {
  assert.equal(markValues(['h:1', '-c', '-5', '--send', '007', '-y'], PROBE_OPTIONS), [
    'h:1',
    `--connections=${VALUE_MARK}-5`,
    `--send=${VALUE_MARK}007`,
    '-y',
  ]);
  assert.equal(markValues(['--ramp=100/s', '--', '-c'], PROBE_OPTIONS), [`--ramp=${VALUE_MARK}100/s`, '--', '-c']);
  assert.equal(markValues(['-c'], PROBE_OPTIONS), ['-c'], 'a trailing flag is left to the parser');
  assert.equal(
    unmarkValues({ connections: `${VALUE_MARK}5`, y: true, list: [`${VALUE_MARK}1`, `${VALUE_MARK}2`], n: 3 }),
    { connections: '5', y: true, list: '2', n: '3' },
  );
});

test.run();
