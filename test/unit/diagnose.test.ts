// diagnose() on plain numbers; the same causes from real runs are in integration/diagnose.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DIAGNOSIS_RULES,
  diagnose,
  diagnoseWithRule,
  KIND_RULES,
  type DiagnosisInput,
} from '../../src/probe/diagnose.js';
import { FAILURE_KINDS } from '../../src/net/errors.js';

const input = (over: Partial<DiagnosisInput>): DiagnosisInput => ({
  maximum: 500,
  failures: {},
  breaking: null,
  evidence: {},
  droppedHeld: 0,
  droppedOldest: 0,
  interrupted: false,
  ...over,
});

test('diagnose: the cause from failure kinds and evidence (plain numbers)', () => {
  const cases: Array<[Partial<DiagnosisInput>, 'target' | 'prober' | 'none', RegExp]> = [
    [{ failures: { 'fd-limit': 3, refused: 50 } }, 'prober', /out of file descriptors/], // prober limits win over target kinds
    [{ failures: { 'addr-unavailable': 1 } }, 'prober', /ephemeral ports/],
    [{ failures: { 'no-buffers': 1 } }, 'prober', /socket buffers/],
    [{ failures: { closed: 40 }, droppedHeld: 40 }, 'target', /evicts old connections/], // the held ones went
    [{ failures: { closed: 40 }, droppedOldest: 38 }, 'target', /evicts old connections/], // at a fast ramp the oldest are still settling
    [{ failures: { closed: 40 }, droppedHeld: 2 }, 'target', /closes without a word/], // new ones were closed, not old ones
    [{}, 'none', /no limit found: the target held 500/],
    [{ interrupted: true }, 'none', /interrupted before any failure/],
    [{ maximum: 0, failures: { refused: 9 } }, 'target', /nothing listens/],
    [{ failures: { refused: 9 } }, 'target', /past 500 connections the target refuses/],
    // The breaking round saw the resets of what waited in the accept queue; the refusals came after it.
    [{ breaking: { reset: 2 }, failures: { reset: 2, refused: 9 } }, 'target', /the target refuses new ones/],
    // A busy target left as many in its accept queue as it refused after (seen under two CPU hogs).
    [
      { breaking: { reset: 19, refused: 17 }, failures: { reset: 19, refused: 19 } },
      'target',
      /the target refuses new ones/,
    ],
    [{ breaking: { reset: 9 }, failures: { reset: 9 } }, 'target', /accepts, then resets/],
    [{ maximum: 0, failures: { timeout: 9 } }, 'target', /no answer to any SYN/],
    [{ failures: { timeout: 9, 'verify-timeout': 2 } }, 'target', /plateau at 500: the target's accept queue is full/], // dominant kind
    [
      { failures: { closed: 9 }, evidence: { closed: { bytes: '-ERR max number of clients reached\r\n' } } },
      'target',
      /saying "-ERR max number of clients reached": an application connection limit/,
    ],
    [
      {
        failures: { 'verify-mismatch': 9 },
        evidence: { 'verify-mismatch': { bytes: '\r\nToo many connections\r\nbye' } },
      },
      'target',
      /saying "Too many connections"/,
    ], // first non-empty line
    [{ failures: { reset: 9 } }, 'target', /then resets \(RST\)/],
    [{ failures: { 'verify-timeout': 9 } }, 'target', /never served: the application stopped accepting/],
    [
      { failures: { 'verify-timeout': 9 }, evidence: { 'verify-timeout': { bytes: 'HTTP/1.1 403 Forbidden\r\n' } } },
      'target',
      /answers, but not with --expect: it said "HTTP\/1.1 403 Forbidden"/,
    ],
    [{ failures: { closed: 1, refused: 9 }, breaking: { closed: 5 } }, 'target', /closes/], // the breaking round decides
    [{ failures: { unreachable: 1 } }, 'target', /unreachable/],
    [{ failures: { other: 1 }, evidence: { other: { message: 'boom' } } }, 'target', /unclassified errors: boom/],
  ];
  for (const [over, side, cause] of cases) {
    const d = diagnose(input(over));
    assert.is(d.side, side, JSON.stringify(over));
    assert.match(d.cause, cause, JSON.stringify(over));
    assert.ok(d.lookAt.length > 0, 'always something to look at');
  }
});

test('the rules table: each rule answers its own case, in order, and every failure kind has a rule', () => {
  const cases: Array<[string, Partial<DiagnosisInput>]> = [
    ['prober-limit', { failures: { 'fd-limit': 1, refused: 9 }, droppedHeld: 9 }],
    [
      'sources-turned-away',
      {
        sourceRejection: { rejected: ['127.0.0.3'], accepted: ['127.0.0.2'], evidence: null },
        failures: { refused: 4 },
      },
    ],
    ['no-heartbeat-answered', { maximum: 0, heartbeatsAnswered: 0, failures: { stale: 3 } }],
    ['never-served', { maximum: 0, expect: 'PONG', failures: { 'verify-timeout': 3 } }],
    ['target-gone', { gone: { held: 400, refused: true }, failures: { closed: 400, refused: 9 } }],
    ['objective-broken', { objective: { text: 'connect p99 < 5ms', valueMs: 9, established: 400, round: 4 } }],
    [
      'slow-target',
      {
        pace: { servedPerSec: 20, askedPerSec: 100, slowedTo: null, stopped: true, late: null },
        failures: { timeout: 3 },
      },
    ],
    ['eviction', { failures: { closed: 10 }, droppedOldest: 10 }],
    ['dominant-kind', { failures: { refused: 3 } }],
    ['no-failure', {}],
  ];
  assert.equal(
    cases.map(([name]) => name),
    DIAGNOSIS_RULES.map((r) => r.name),
    "one case per rule, in the table's order",
  );
  for (const [name, over] of cases) assert.is(diagnoseWithRule(input(over)).rule, name, name);
  // Every kind has its cause, and the dominant kind's rule uses it.
  assert.equal(Object.keys(KIND_RULES).sort(), [...FAILURE_KINDS].sort());
  for (const kind of FAILURE_KINDS) {
    const made = diagnoseWithRule(input({ failures: { [kind]: 5 } }));
    assert.ok(made.diagnosis.cause.length > 0, kind);
    if (kind === 'addr-unavailable' || kind === 'fd-limit' || kind === 'no-buffers' || kind === 'shard-lost')
      assert.is(made.rule, 'prober-limit', kind);
    else assert.is(made.rule, 'dominant-kind', kind);
  }
});

test.run();
