// Both connection engines on the same real targets (issue 27): the native one (C on epoll) and the
// TypeScript fleet give the same counts, verdicts, failure kinds and evidence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNativeEngine } from '../../src/fleet/nativeEngine.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliProcess, startCli, type CliOptions } from '../helpers/cli.js';
import { withDir } from '../helpers/tempDir.js';
import { withServeProcess } from '../helpers/serveProcess.js';
import { closedPort } from '../helpers/servers.js';

// biome-ignore lint/suspicious/noExplicitAny: a run record read back from the CLI's JSON, read loosely
type Json = Record<string, any>;

/** Runs the CLI with --json - on one engine; returns the record. */
async function record(engine: 'native' | 'js', args: readonly string[], options: CliOptions = {}): Promise<Json> {
  const run = await runCliProcess([...args, '--engine', engine, '--json', '-', '-q'], options);
  const start = run.stdout.indexOf('{');
  assert.ok(start >= 0, `no record from --engine ${engine}: ${run.stderr}`);
  const rec = JSON.parse(run.stdout.slice(start, run.stdout.lastIndexOf('}') + 1)) as Json;
  assert.is(rec.config.engine.name, engine, 'the record names the engine that ran');
  return { ...rec, exitCode: run.code };
}

/** What must agree between the engines: the outcome, the counts and the failures with their evidence. */
function fixedOutcome(rec: Json): Json {
  const r = rec.result;
  return {
    exit: rec.exitCode,
    status: r.status,
    totalEstablished: r.totalEstablished,
    failures: r.failures,
    evidence: r.evidence,
  };
}

test('the native engine is built here (npm install builds it; the fallback is tested in packaging)', () => {
  const load = loadNativeEngine();
  assert.ok(load.ok, load.ok ? '' : load.why);
});

test('refused: the same count, kind and evidence on both engines', async () => {
  const port = await closedPort();
  const args = [`127.0.0.1:${port}`, '-c', '20', '-s', '0'];
  const [native, js] = [await record('native', args), await record('js', args)];
  assert.equal(fixedOutcome(native), fixedOutcome(js));
  assert.equal(native.result.failures, { refused: 20 });
  assert.is(native.result.evidence.refused.message, 'connect ECONNREFUSED');
  assert.is(native.exitCode, 2);
});

test('fixed mode, held and reported the same: 300 established and open at the end', async () => {
  await withServeProcess(['--banner', 'hi\\n'], async (address) => {
    // Held for 2 s: a greeting that a busy server sends late still arrives within the run.
    const args = [address, '-c', '300', '-s', '0', '--settle', '200ms', '-T', '2s'];
    const [native, js] = [await record('native', args), await record('js', args)];
    assert.equal(fixedOutcome(native), fixedOutcome(js));
    assert.is(native.result.status.established, 300);
    assert.is(native.exitCode, 0);
    assert.is(native.result.servedBytes, 'hi\n', 'the first bytes a served connection got');
  });
});

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

test("the prober's own open-file limit: fd-limit, inconclusive (exit 3), with the same evidence", async () => {
  await withServeProcess([], async (address) => {
    const args = [address, '-c', '300', '-s', '0'];
    const limit: CliOptions = { fdLimit: 150 };
    const [native, js] = [await record('native', args, limit), await record('js', args, limit)];
    for (const rec of [native, js]) {
      assert.is(rec.exitCode, 3);
      assert.ok(rec.result.failures['fd-limit'] > 0, JSON.stringify(rec.result.failures));
    }
    assert.equal(native.result.evidence['fd-limit'], js.result.evidence['fd-limit']);
    assert.match(native.result.evidence['fd-limit'].message, /^connect EMFILE 127\.0\.0\.1:\d+$/);
  });
});

test('SIGTERM stops the native engine and keeps the record: interrupted (exit 130), every connection closed', async () => {
  await withServeProcess([], async (address) => {
    await withDir(async (dir) => {
      const file = join(dir, 'run.json');
      const cli = startCli([address, '-c', '200', '-s', '0', '-T', '60s', '--engine', 'native', '--json', file]);
      await cli.waitFor(/Established: 200,/);
      cli.child.kill('SIGTERM');
      const run = await cli.done;
      assert.is(run.code, 130, run.stderr);
      const rec = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(
        [rec.config.engine.name, rec.result.interrupted, rec.result.status.established],
        ['native', true, 200],
      );
    });
  });
});

test('--engine native where it does not reach: a one-line usage error naming the option', async () => {
  const run = await runCliProcess(['127.0.0.1:9', '-c', '1', '--send', 'hi', '--engine', 'native']);
  assert.is(run.code, 1);
  assert.is(
    run.stderr.trim(),
    'goon-probe: --engine native covers plain TCP that sends nothing; --send needs the TypeScript engine: drop --engine native (auto picks it), or --send',
  );
  const auto = await runCliProcess(['127.0.0.1:9', '-c', '1', '--send', 'hi', '--json', '-', '-q']);
  assert.match(auto.stdout, /"engine":\{"name":"js","why":"--send needs the TypeScript engine"\}/);
});

test.run();
