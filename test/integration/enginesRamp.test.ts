// Both connection engines (issue 27) in ramp mode against a limit, and churning across shards: the
// same maximum, verdict and failure kinds. The fixed-mode comparisons are in engines.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { engineRecord as record, type Json } from '../helpers/engineRuns.js';
import { withServeProcess } from '../helpers/serveProcess.js';

for (const overLimit of ['close', 'reset'] as const) {
  test(`ramp against a limit of 40 that ${overLimit}s past it: the same maximum, verdict and failure kinds`, async () => {
    await withServeProcess(['--max-connections', '40', '--over-limit', overLimit], async (address) => {
      const args = [address, '--ramp', '100/s', '--settle', '300ms', '--max-duration', '10s'];
      const [native, js] = [await record('native', args), await record('js', args)];
      const outcome = (rec: Json) => ({
        exit: rec.exitCode,
        maximum: rec.result.maximum,
        verdict: rec.result.verdict,
        kinds: Object.keys(rec.result.failures).sort(),
      });
      assert.equal(outcome(native), outcome(js));
      assert.equal([native.result.maximum, native.result.verdict], [40, 'limit-found']);
      assert.equal(outcome(native).kinds, [overLimit === 'close' ? 'closed' : 'reset']);
      // A reset that comes with the handshake fails the connect; one just after it, the first read:
      // which one a connection sees is timing, on either engine.
      for (const rec of [native, js])
        if (overLimit === 'reset') assert.match(rec.result.evidence.reset.message, /^(connect|read) ECONNRESET$/);
        else assert.is(rec.result.evidence.closed.message, undefined, 'a clean close has no error');
    });
  });
}

// --send and a literal --expect (issue 27): past the limit, error-close answers with its error line
// (a mismatch, with the server's words as evidence) and queue never answers (reply timeouts, kept
// listening for a late answer). auto picks the C engine for such runs: its run is the C engine's here.
for (const overLimit of ['error-close', 'queue'] as const) {
  test(`--send/--expect, a limit of 40 that ${overLimit}s past it: the same maximum, verdict, kinds and evidence`, async () => {
    await withServeProcess(
      ['--max-connections', '40', '--over-limit', overLimit, '--reply', 'echo'],
      async (address) => {
        const args = [address, '--ramp', '100/s', '--settle', '300ms', '--max-duration', '10s'];
        const verified = [...args, '--send', 'ping\\n', '--expect', 'ping', '--expect-timeout', '500ms'];
        // The C engine's run is auto's: it picks the C engine for such runs.
        const [native, js] = [await record('auto', verified), await record('js', verified)];
        assert.is(native.config.engine.name, 'native', JSON.stringify(native.config.engine));
        assert.match(native.config.engine.why, /^auto: the C engine on epoll \([a-z ]+\)$/);
        const outcome = (rec: Json) => ({
          exit: rec.exitCode,
          maximum: rec.result.maximum,
          verdict: rec.result.verdict,
          kinds: Object.keys(rec.result.failures).sort(),
          evidence: rec.result.evidence,
        });
        assert.equal(outcome(native), outcome(js));
        assert.equal([native.result.maximum, native.result.verdict], [40, 'limit-found']);
        assert.equal(outcome(native).kinds, [overLimit === 'queue' ? 'verify-timeout' : 'verify-mismatch']);
        if (overLimit === 'error-close')
          assert.is(native.result.evidence['verify-mismatch'].bytes, '-ERR max number of clients reached\r\n');
      },
    );
  });
}

test('churn (--channel-lifetime): recycled, never failed, on both engines and across 2 shards', async () => {
  await withServeProcess([], async (address) => {
    for (const workers of ['1', '2']) {
      const args = [
        address,
        '-c',
        '60',
        '-s',
        '0',
        '--channel-lifetime',
        '150ms',
        '-T',
        '1500ms',
        '--workers',
        workers,
      ];
      const [native, js] = [await record('native', args), await record('js', args)];
      for (const rec of [native, js]) {
        assert.is(rec.exitCode, 0, `--workers ${workers}: ${JSON.stringify(rec.result.failures)}`);
        assert.equal([rec.result.status.error, rec.result.status.closed], [0, 0]);
        assert.ok(rec.result.recycled >= 60, `recycled ${rec.result.recycled}`);
      }
    }
  });
});

test.run();
