import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig } from '../../src/config/probeConfig.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { expectMatches } from '../../src/fleet/expectMatcher.js';
import { EXPECT_BUFFER_BYTES } from '../../src/fleet/fleet.js';
import { buildServeConfig } from '../../src/config/serveConfig.js';
import { repoPath } from '../helpers/repoPath.js';

const none = (): Buffer => Buffer.alloc(0);

test("fixed mode defaults are tcpgoon's", () => {
  const c = buildProbeConfig({}, ['127.0.0.1:80'], none);
  assert.is(c.mode, 'fixed');
  assert.equal([c.connections, c.sleepMs, c.dialTimeoutMs, c.intervalMs], [100, 10, 5000, 1000]);
  assert.is(c.maxInflight, Number.POSITIVE_INFINITY);
  assert.is(c.ramp, undefined);
});

test('ramp mode: plan, defaults and verification', () => {
  const c = buildProbeConfig(
    { ramp: '5k/s', maxConnections: '3000', send: 'PING\\r\\n', expect: '+PONG', reopen: false },
    ['127.0.0.1:6379'],
    none,
  );
  assert.is(c.mode, 'ramp');
  assert.equal(c.ramp, {
    ratePerSec: 5000,
    roundMs: 1000,
    from: 0,
    maxDurationMs: 60_000,
    maxConnections: 3000,
    threshold: { fraction: 0.01 },
    stopAtGate: undefined,
    segment: undefined,
    holdMs: undefined,
  });
  assert.is(c.maxInflight, DEFAULTS.rampMaxInflight);
  assert.is(c.send?.toString(), 'PING\r\n');
  assert.is(c.expect?.kind, 'bytes');
  assert.is(c.reopen, false);
  assert.is(c.settleMs, 1000);
});

test('gate and outputs: --min-concurrency stops the ramp at the gate unless --find-max', () => {
  const gate = buildProbeConfig(
    { ramp: '100/s', minConcurrency: '500', json: 'run.json', markdown: '-', quiet: true },
    ['127.0.0.1:80'],
    none,
  );
  assert.equal([gate.minConcurrency, gate.findMax, gate.ramp?.stopAtGate], [500, false, 500]);
  assert.equal([gate.jsonPath, gate.markdownPath, gate.quiet], ['run.json', '-', true]);
  const findMax = buildProbeConfig({ ramp: '100/s', minConcurrency: '500', findMax: true }, ['127.0.0.1:80'], none);
  assert.equal([findMax.minConcurrency, findMax.findMax, findMax.ramp?.stopAtGate], [500, true, undefined]);
});

test('--send-file is read through the injected reader; errors name the path', () => {
  const c = buildProbeConfig({ sendFile: 'req.txt' }, ['127.0.0.1:80'], (p) => Buffer.from(`from ${p}`));
  assert.is(c.send?.toString(), 'from req.txt');
  assert.throws(
    () =>
      buildProbeConfig({ sendFile: 'nope' }, ['127.0.0.1:80'], () => {
        throw Object.assign(new Error('x'), { code: 'ENOENT' });
      }),
    /--send-file "nope" cannot be read \(ENOENT\)/,
  );
});

test('bad combinations and values get one line naming the fix', () => {
  const cases: Array<[Record<string, string | boolean>, RegExp]> = [
    [{ ramp: '100/s', connections: '5' }, /cannot be combined with --ramp/], // -c is fixed mode
    [{ maxDuration: '10s' }, /ramp mode only/], // ramp flag without --ramp
    [{ ramp: '100/s', from: '10', maxConnections: '5' }, /--from 10 is above --max-connections 5/],
    [{ send: 'a', sendFile: 'b' }, /both given/],
    [{ expect: '/(/' }, /is not a regex this tool takes/],
    [{ expect: '/(a)\\1/' }, /RE2 syntax: no backreferences/], // backreferences cannot run in linear time
    [{ expect: '/a/y' }, /flag y is not supported/],
    [{ expect: 'ab\\x' }, /--expect "ab\\\\x" has \\x, which is not an escape/],
    [{ send: 'PING\\xZZ' }, /--send .* has \\xZZ, which is not an escape/],
    [{ message: 'tail\\' }, /--message .* has a trailing \\/],
    [
      { ramp: '100/s', findMax: true },
      /--find-max goes on past a --min-concurrency gate, which is not given; add --min-concurrency N/,
    ],
    [{ ramp: '100/s', json: 'out/run.md', markdown: './out//run.md' }, /--json and --markdown both name "out\/run.md"/], // one file, two spellings
    [{ tls: true, ca: 'package.json' }, /--ca "package.json" holds no PEM certificate/],
    [{ expect: '' }, /--expect is empty/],
    [{ connections: '0' }, /--connections "0"/],
    [{ sleep: '10x' }, /--sleep "10x" is not a duration/],
    [{ dialTimeout: '-1' }, /--dial-timeout "-1"/],
    [{ dialTimeout: '0' }, /--dial-timeout "0" is too short/],
    [{ ramp: '100/s', errorThreshold: 'lots' }, /--error-threshold/],
    [{ ramp: true }, /--ramp needs a value/],
    [{ minConcurrency: '10' }, /--min-concurrency applies to ramp mode only; add --ramp RATE/], // a gate needs a ramp
    [{ findMax: true }, /--find-max applies to ramp mode only/],
    [{ ramp: '100/s', minConcurrency: '0' }, /--min-concurrency "0"/],
    [{ ramp: '100/s', minConcurrency: '600', maxConnections: '500' }, /gate can never pass; raise --max-connections/],
    [{ ramp: '100/s', json: '-', markdown: '-' }, /both want stdout/],
    [{ ramp: '100/s', html: '-', json: '-' }, /^--json - and --html - both want stdout; write one of them to a file$/],
    [{ ramp: '100/s', html: 'r.html', markdown: './r.html' }, /--markdown and --html both name "\.\/r\.html"/],
    [{ ramp: '100/s', html: '' }, /--html needs a file name, or - for stdout/],
    [{ ramp: '100/s', json: '' }, /--json needs a file name, or - for stdout/],
    [{ engine: 'fast' }, /^--engine "fast" is not an engine; use auto \(the default\), native/],
    [
      { engine: 'native', send: 'x', expect: '/x+/' },
      /^--engine native covers plain TCP with --send, a literal --expect and --message; --expect \/regex\/ needs the TypeScript engine/,
    ],
    [
      { engine: 'native', ramp: '1/s', heartbeat: '1s', send: 'p', expect: 'p' },
      /--heartbeat needs the TypeScript engine/,
    ],
    [{ hold: '1h' }, /^--hold applies to ramp mode only; add --ramp RATE/],
    [
      { ramp: '100/s', hold: '1h' },
      /^--hold holds the ramp at --max-connections, which is not given; add --max-connections N$/,
    ],
    [{ ramp: '100/s', hold: '0s', maxConnections: '10' }, /^--hold "0s" is too short; use at least 1ms$/],
    [
      { ramp: '100/s', hold: '1h', maxConnections: '10', segment: '0/2', startAt: '+1s' },
      /^--hold cannot be split into segments/,
    ],
  ];
  for (const [raw, pattern] of cases)
    assert.throws(
      () => buildProbeConfig(raw, ['127.0.0.1:80'], () => Buffer.from('{"not":"pem"}')),
      pattern,
      JSON.stringify(raw),
    );
  for (const positionals of [
    ['127.0.0.1', '6379', '99'],
    ['localhost', '80', 'x', 'y'],
  ]) {
    assert.throws(
      () => buildProbeConfig({}, positionals, none),
      /after the target .* extra argument/,
      positionals.join(' '),
    );
  }
});

test('--ca takes a file holding a PEM certificate; --expect regexes match in linear time', () => {
  const pem = readFileSync(repoPath('fixtures', 'tls', 'localhost-cert.pem'));
  const c = buildProbeConfig({ tls: true, ca: 'cert.pem', expect: '/^\\+pong/im' }, ['127.0.0.1:80'], () => pem);
  assert.ok(c.transport.kind === 'tls' && c.transport.tls.ca?.equals(pem));
  assert.ok(c.expect && expectMatches(c.expect, Buffer.from('hello\r\n+PONG\r\n')), 'i and m flags');
  // The pattern that backtracks for ever in V8, against the most bytes the fleet keeps: answered, and false.
  const evil = buildProbeConfig({ expect: '/(A|AA)+B/' }, ['127.0.0.1:80'], none).expect;
  assert.ok(evil);
  assert.is(expectMatches(evil, Buffer.alloc(EXPECT_BUFFER_BYTES, 'A')), false);
});

test('serve config: defaults, behaviours and errors', () => {
  const c = buildServeConfig(
    { maxConnections: '10', overLimit: 'reset', reply: 'echo', banner: 'hi\\n', backlog: '4', duration: '2s' },
    [],
    readFileSync,
  );
  assert.equal(
    { ...c.server, banner: c.server.banner?.toString() },
    {
      host: '127.0.0.1',
      port: 0,
      maxConnections: 10,
      overLimit: 'reset',
      banner: 'hi\n',
      reply: 'echo',
      backlog: 4,
      tls: undefined,
      websocket: false,
      errorLine: undefined,
    },
  );
  assert.is(c.durationMs, 2000);
  const tls = buildServeConfig({ tls: true, websocket: true }, [], readFileSync).server;
  assert.match(tls.tls?.cert.toString() ?? '', /BEGIN CERTIFICATE/, 'the built-in test certificate');
  assert.is(tls.websocket, true);
  assert.throws(() => buildServeConfig({ cert: 'a.pem' }, [], readFileSync), /--cert applies to TLS; add --tls/);
  assert.throws(() => buildServeConfig({ tls: true, cert: 'a.pem' }, [], readFileSync), /--cert given without --key/);
  assert.throws(
    () => buildServeConfig({ tls: true, cert: '/nonexistent.pem', key: '/nonexistent.pem' }, [], readFileSync),
    /--cert "\/nonexistent.pem" cannot be read \(ENOENT\)/,
  );
  assert.throws(
    () => buildServeConfig({ tls: true, workers: '2' }, [], readFileSync),
    /--tls needs the one-process target/,
  );
  // A wait a timer cannot honour (over 2^31 ms) is refused, not run at once (issue 24).
  assert.throws(
    () => buildServeConfig({ slowAfter: '1', delay: '30d', reply: 'echo' }, [], readFileSync),
    /--delay "30d" is too long; use at most 24d/,
  );
  assert.throws(() => buildServeConfig({ duration: '25d' }, [], readFileSync), /--duration "25d" is too long/);
  assert.is(
    buildServeConfig({ slowAfter: '1', delay: '24d', reply: 'echo' }, [], readFileSync).server.delayMs,
    24 * 86_400_000,
  );
  // A plan whose shares are empty for some segments is refused, not run to a not-served.
  assert.throws(
    () =>
      buildProbeConfig(
        { ramp: '50/s', maxDuration: '10s', segment: '0/10000', startAt: '+1s' },
        ['127.0.0.1:9'],
        readFileSync,
      ),
    /--segment 0\/10000 splits a plan of at most 500 connections 10000 ways/,
  );
  // A 10 KB --run-id is named in the error, not echoed whole.
  const long = 'x'.repeat(10_000);
  assert.throws(
    () =>
      buildProbeConfig(
        { ramp: '10/s', segment: '0/2', startAt: '+1s', runId: `${long}!` },
        ['127.0.0.1:9'],
        readFileSync,
      ),
    (err: Error) => /--run-id "x{64}…" is not an id/.test(err.message) && err.message.length < 200,
  );
  // A --max-duration shorter than a round ran a whole round anyway (a 3 s run took 11 s): refused.
  assert.throws(
    () => buildProbeConfig({ ramp: '100/s', round: '10s', maxDuration: '3s' }, ['127.0.0.1:9'], readFileSync),
    /--max-duration 3s is shorter than one --round of 10s/,
  );
  // --no-adapt keeps the asked pace; by default the ramp adapts to a slower target.
  assert.is(buildProbeConfig({ ramp: '100/s' }, ['127.0.0.1:9'], readFileSync).adapt, true);
  assert.is(buildProbeConfig({ ramp: '100/s', adapt: false }, ['127.0.0.1:9'], readFileSync).adapt, false);
  // --accept-rate: a rate like --ramp's, on the one-process target only.
  assert.is(buildServeConfig({ acceptRate: '50/s' }, [], readFileSync).server.acceptPerSec, 50);
  assert.is(buildServeConfig({ acceptRate: '5/100ms' }, [], readFileSync).server.acceptPerSec, 50);
  assert.throws(() => buildServeConfig({ acceptRate: 'fast' }, [], readFileSync), /--accept-rate "fast" is not a rate/);
  assert.throws(
    () => buildServeConfig({ acceptRate: '50/s', workers: '2' }, [], readFileSync),
    /--accept-rate needs the one-process target/,
  );
  assert.is(buildServeConfig({ reply: 'OK\\r\\n' }, [], readFileSync).server.reply?.toString(), 'OK\r\n');
  assert.throws(
    () => buildServeConfig({ overLimit: 'explode' }, [], readFileSync),
    /--over-limit "explode" is unknown; use one of close/,
  );
  assert.throws(() => buildServeConfig({}, ['x'], readFileSync), /serve takes no target/);
  assert.throws(() => buildServeConfig({ port: '70000' }, [], readFileSync), /--port "70000"/);
  assert.throws(() => buildServeConfig({ host: '' }, [], readFileSync), /--host is empty/);
});

test.run();
