// The pure rules behind issue 14's true answers: source rejection, a target gone, slot backoff.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { targetGone } from '../../src/probe/diagnose.js';
import { backoffMs } from '../../src/fleet/fleet.js';
import { findSourceRejection } from '../../src/probe/sourceRejection.js';
import type { RoundRecord } from '../../src/probe/result.js';

test('findSourceRejection: some addresses turned away while others served; a capacity limit is not', () => {
  const denied = { kind: 'closed' as const, bytes: '-DENIED Redis is running in protected mode\r\n' };
  const cases: Array<[string, Record<string, { attempts: number; served: number; failed: number }>, string[] | null]> =
    [
      [
        'protected mode: 127.0.0.1 served, the rest denied',
        {
          '127.0.0.1': { attempts: 30, served: 30, failed: 0 },
          '127.0.0.2': { attempts: 30, served: 0, failed: 30 },
          '127.0.0.3': { attempts: 3, served: 0, failed: 3 },
        },
        ['127.0.0.2', '127.0.0.3'],
      ],
      [
        'a limit: every address served some, then failed alike',
        { '127.0.0.1': { attempts: 4, served: 2, failed: 2 }, '127.0.0.2': { attempts: 4, served: 2, failed: 2 } },
        null,
      ],
      [
        'a limit below the address count: some never served, but the served ones fail too',
        { a: { attempts: 3, served: 1, failed: 2 }, b: { attempts: 3, served: 0, failed: 3 } },
        null,
      ],
      [
        'one failure is no pattern',
        { a: { attempts: 10, served: 10, failed: 0 }, b: { attempts: 1, served: 0, failed: 1 } },
        null,
      ],
      ['no bound sources', {}, null],
    ];
  for (const [name, tallies, rejected] of cases) {
    const bySource = Object.fromEntries(Object.entries(tallies).map(([k, t]) => [k, { ...t, evidence: denied }]));
    assert.equal(findSourceRejection(bySource)?.rejected ?? null, rejected, name);
  }
});

test('targetGone: all held dropped at once after a plateau; a limit or eviction is not', () => {
  const round = (held: number, failures: RoundRecord['failures'], failed = false): RoundRecord => ({
    round: 1,
    atMs: 0,
    target: 0,
    held,
    settling: 0,
    unverified: 0,
    dialing: 0,
    attempts: 10,
    failures,
    failed,
    connectP50Ms: null,
    connectP99Ms: null,
  });
  assert.equal(targetGone([round(400, {}), round(0, { closed: 400, refused: 50 }, true)]), {
    held: 400,
    refused: true,
  });
  assert.equal(targetGone([round(400, {}), round(3, { reset: 397 }, true)]), { held: 400, refused: false });
  assert.is(
    targetGone([round(400, {}), round(400, { closed: 50 }, true)]),
    null,
    'new ones closed, old ones kept: a limit',
  );
  assert.is(targetGone([round(400, {}), round(380, { closed: 40 }, true)]), null, 'a few old ones dropped: eviction');
  assert.is(targetGone([round(0, { refused: 9 }, true)]), null, 'nothing held before');
  // Gone in the round's last moments: its sample saw part of the closes, the settle after it all of them.
  const late = [round(30, { closed: 2 }), round(81, {}), round(92, { closed: 58 }, true)];
  assert.is(targetGone(late), null, 'the round alone shows a part');
  assert.equal(targetGone(late, { left: 0, heldDropped: 81 }), { held: 81, refused: false });
  // Restarted at once: the reopened ones are open again, but every held one dropped, and the closed port refused some.
  const restarted = [round(81, {}), round(10, { closed: 150, refused: 19 }, true)];
  assert.equal(targetGone(restarted, { left: 60, heldDropped: 80 }), { held: 81, refused: true });
  assert.is(
    targetGone(late, { left: 81, heldDropped: 0 }),
    null,
    'the held ones still open after the settle: a limit closing new ones',
  );
  assert.is(
    targetGone([round(60, {}), round(60, { closed: 5 }, true)], { left: 60, heldDropped: 60 }),
    null,
    'eviction of every old one, one for each new one, with nothing refused: no restart',
  );
  // Back so fast that no dial met the closed port: every held one dropped in one run, none opening between.
  assert.equal(
    targetGone(
      restarted.map((r) => ({ ...r, failures: { closed: 150 } })),
      { left: 60, heldDropped: 81, heldDropBurst: 81 },
    ),
    {
      held: 81,
      refused: false,
    },
  );
  assert.is(
    targetGone([round(60, {}), round(60, { closed: 5 }, true)], { left: 60, heldDropped: 60, heldDropBurst: 3 }),
    null,
    'eviction: a few at a time between the new ones it admits',
  );
  // A ramp starved of CPU: the round before held 2, the breaking one had 200 open; evictions ran 3 in a row.
  assert.is(
    targetGone([round(2, {}), round(190, { closed: 12 }, true)], { left: 200, heldDropped: 40, heldDropBurst: 3 }),
    null,
    'eviction after a round that held almost nothing',
  );
});

test('backoff of a slot that keeps failing: none for the first reopen, then one round, doubling, capped', () => {
  assert.equal(
    [0, 1, 2, 3, 4, 5, 6, 9].map((streak) => backoffMs(streak, 1000)),
    [0, 0, 1000, 2000, 4000, 8000, 16000, 16000],
  );
});

test.run();
