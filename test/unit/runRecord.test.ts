import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig } from '../../src/config/probeConfig.js';
import { parseFdLimit, parsePortRange, readEnvironment } from '../../src/probe/environment.js';
import type { RampResult } from '../../src/probe/result.js';
import { buildRunRecord, commandLine, recordConfig } from '../../src/record/runRecord.js';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';
import { fixture } from '../helpers/golden.js';

const load = (name: string): unknown => JSON.parse(readFileSync(fixture(name), 'utf8'));
const validate = makeRecordValidator();

test('commandLine: quotes only what a shell would split or expand', () => {
  const cases: Array<[string[], string]> = [
    [['127.0.0.1:6379', '--ramp', '100/s'], 'goon-probe 127.0.0.1:6379 --ramp 100/s'], // plain words stay bare
    [['--send', 'PING\\r\\n'], "goon-probe --send 'PING\\r\\n'"], // backslashes are quoted
    [['--send', "it's"], "goon-probe --send 'it'\\''s'"], // a single quote inside quotes
    [['--expect', '/^\\+PONG/'], "goon-probe --expect '/^\\+PONG/'"], // regex metacharacters
    [['--send', ''], "goon-probe --send ''"], // an empty argument survives
  ];
  for (const [argv, line] of cases) assert.is(commandLine(argv), line);
});

test('environment: fd limits and port range parsed from /proc text', () => {
  const limits =
    'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
  assert.equal(parseFdLimit(limits), { soft: 1024, hard: 524288 });
  assert.equal(
    parseFdLimit('Max open files            unlimited            unlimited            files'),
    { soft: null, hard: null },
    'unlimited is null',
  );
  assert.is(parseFdLimit(null), null, 'not Linux');
  assert.equal(parsePortRange('32768\t60999\n'), { low: 32768, high: 60999 });
  assert.is(parsePortRange('garbage'), null);
  const env = readEnvironment((path) => (path.endsWith('limits') ? limits : '1024 65535'));
  assert.equal(
    [env.fdLimit, env.ephemeralPorts],
    [
      { soft: 1024, hard: 524288 },
      { low: 1024, high: 65535 },
    ],
  );
  assert.ok(env.cpus >= 1 && env.node.startsWith('v'));
});

test('recordConfig: the effective configuration as plain JSON, defaults filled in', () => {
  const ramp = recordConfig(
    buildProbeConfig({ ramp: '5k/s', send: 'a\\n', expect: '/b+/', minConcurrency: '100' }, ['127.0.0.1:1'], () =>
      Buffer.alloc(0),
    ),
  );
  assert.equal(ramp.ramp, {
    ratePerSec: 5000,
    roundMs: 1000,
    from: 0,
    maxDurationMs: 60_000,
    maxConnections: null,
    errorThreshold: '1%',
  });
  assert.equal(
    [ramp.send, ramp.expect, ramp.maxInflight, ramp.minConcurrency, ramp.findMax, ramp.connections],
    ['a\n', '/b+/', 64, 100, false, null],
  );
  const fixed = recordConfig(buildProbeConfig({ connections: '10' }, ['127.0.0.1:1'], () => Buffer.alloc(0)));
  assert.equal(
    [fixed.mode, fixed.connections, fixed.sleepMs, fixed.maxInflight, fixed.ramp],
    ['fixed', 10, 10, null, null],
    'no bound is null, not Infinity',
  );
});

test('schema: every record under fixtures/records validates', () => {
  for (const name of ['ramp-limit-found.json', 'ramp-gate-met.json', 'fixed.json']) {
    assert.is(validate(load(`records/${name}`)), null, name);
  }
});

test('schema: a record built in memory validates, and broken ones are named', () => {
  const result = load('ramp-result.json') as RampResult;
  const config = buildProbeConfig({ ramp: '100/s' }, ['localhost:8080'], () => Buffer.alloc(0));
  const record = buildRunRecord({
    version: '9.9.9',
    argv: ['localhost:8080', '--ramp', '100/s'],
    startedAt: new Date(0),
    endedAt: new Date(12_000),
    config,
    environment: { node: 'v20.0.0', os: 'Linux', cpus: 2, fdLimit: null, ephemeralPorts: null, sourceAddresses: [] },
    result,
  });
  assert.is(validate(JSON.parse(JSON.stringify(record))), null);
  assert.equal(record.environment.sourceAddresses, ['127.0.0.1'], 'the addresses the run used');
  assert.is(record.command.line, 'goon-probe localhost:8080 --ramp 100/s');
  const broken: Array<[unknown, RegExp]> = [
    [{ ...record, schemaVersion: 3 }, /\/schemaVersion must be equal to one of the allowed values/], // a future version
    [{ ...record, result: { ...result, maximum: -1 } }, /\/result\/maximum must be >= 0/], // impossible count
    [
      { ...record, result: { ...result, verdict: 'great' } },
      /\/result\/verdict must be equal to one of the allowed values/,
    ],
    [
      { ...record, result: { ...result, failures: { nope: 1 } } },
      /\/result\/failures must be equal to one of the allowed values \(key "nope"\)/,
    ], // unknown kind
    [{ ...record, extra: 1 }, /must NOT have additional properties \(extra\)/], // drift is caught
    [(({ environment: _, ...rest }) => rest)(record), /must have required property 'environment'/],
  ];
  for (const [value, pattern] of broken) assert.match(validate(value) ?? 'valid', pattern);
});

test.run();
