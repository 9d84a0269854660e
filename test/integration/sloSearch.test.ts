// --heartbeat and --slo against real sockets: a built-in target that slows past a known count. The
// search for the level that meets the objective takes most of the suite's longest wait, so it has a
// file (a process) of its own and runs beside the others.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RampResult } from '../../src/probe/result.js';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';
import { rampAgainst } from '../helpers/ramp.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withServer } from '../helpers/servers.js';
import { withDir } from '../helpers/tempDir.js';

const N = 120;
// Past N, every reply waits 600 ms; the objective's bound (250 ms) is far from both sides, so a busy machine cannot blur it.
const SLOW = { slowAfter: N, delayMs: 600, reply: 'echo' as const };
const PROBE = ['--ramp', '100/s', '--round', '500ms', '--settle', '300ms', '--send', 'ping\\n', '--expect', 'ping'];

test(`a target that slows past ${N}: --heartbeat with --slo finds ${N} exactly; without --slo the ramp goes past it`, async () => {
  await withDir(async (dir) => {
    await withServer(SLOW, async (server) => {
      const json = join(dir, 'slo.json');
      const run = await runCliHere([
        server.address,
        ...PROBE,
        '--heartbeat',
        '100ms',
        '--slo',
        'heartbeat p99 < 250ms',
        '--max-duration',
        '15s',
        '--json',
        json,
      ]);
      assert.is(run.code, 0, run.stderr);
      const record = JSON.parse(readFileSync(json, 'utf8'));
      assert.is(makeRecordValidator()(record), null, 'the record validates against schema 2');
      assert.is(record.schemaVersion, 2);
      const r = record.result as RampResult;
      assert.is(r.maximum, N, JSON.stringify(r.objectives?.search.map((s) => [s.level, s.held, s.met])));
      assert.is(r.verdict, 'limit-found');
      assert.ok((r.objectives?.broke?.established ?? 0) > N, 'it broke with more than N open');
      assert.is(r.objectives?.recoveredAt, N);
      assert.match(
        run.stderr,
        new RegExp(`search: ${N} asked, held ${N} {2}heartbeat p99 [\\d.]+ms {2}failures none {2}objectives met`),
      );
      assert.match(run.stdout, /Breaking point: round \d+, target \d+, heartbeat p99 \d+ms > 250ms with \d+ open/);
      assert.match(run.stdout, new RegExp(`Recovered: every objective met again at ${N} held`));
      assert.match(run.stdout, /Diagnosis \(the target's limit\): heartbeat p99 \d+ms > 250ms at \d+ open connections/);
      assert.match(run.stdout, new RegExp(`Result: maximum sustainable concurrency ${N}, verdict limit-found, exit 0`));
    });
    // The same target, heartbeats on, no objective: open sockets are all it counts.
    await withServer(SLOW, async (server) => {
      const r = await rampAgainst(server.address, {
        ramp: '100/s',
        round: '500ms',
        settle: '300ms',
        send: 'ping\\n',
        expect: 'ping',
        heartbeat: '100ms',
        maxDuration: '3s',
      });
      assert.ok(r.maximum > N + 50, `held ${r.maximum}`);
      assert.is(r.verdict, 'limit-not-reached');
      assert.ok((r.rounds.at(-1)?.heartbeatP99Ms ?? 0) > 250, 'its own heartbeat percentiles show the slowdown');
    });
  });
});

test.run();
