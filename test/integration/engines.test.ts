// Both connection engines on the same real targets (issue 27): the native one (C on epoll) and the
// TypeScript fleet give the same counts, verdicts, failure kinds and evidence. The ramp and churn
// comparisons are in enginesRamp.test.ts (two files: they run side by side).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNativeEngine } from '../../src/fleet/nativeEngine.js';
import { spawnSync } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliProcess, startCli, type CliOptions } from '../helpers/cli.js';
import { engineRecord as record, fixedOutcome } from '../helpers/engineRuns.js';
import { withDir } from '../helpers/tempDir.js';
import { withServeProcess } from '../helpers/serveProcess.js';
import { closedPort } from '../helpers/servers.js';
import { repoPath } from '../helpers/repoPath.js';
import { waitFor } from '../helpers/waitUntil.js';

test('the native engine is built here (npm install builds it; the fallback is tested in packaging)', () => {
  const load = loadNativeEngine();
  assert.ok(load.ok, load.ok ? '' : load.why);
});

test('keepalive on the native engine: idle from --keepalive, then a probe a second, ten, as libuv sets them for the TypeScript engine', async () => {
  // With the kernel's defaults (75 s apart, 9 of them), probes of connections opened together fire
  // together, overflow loopback's backlog, and after 11.5 minutes healthy connections closed with
  // ETIMEDOUT (257 of 30,000 held). The options are read back from the kernel, not from the engine.
  const load = loadNativeEngine();
  if (!load.ok) throw new Error(load.why);
  const server = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const engine = load.addon.create({
    routes: [{ host: '127.0.0.1', port, source: -1 }],
    sources: 0,
    dialTimeoutMs: 2000,
    keepaliveMs: 15_000,
    maxInflight: 4,
    settleMs: 0,
    reopenBackoffMs: -1,
    lifetimeMs: -1,
    expectTimeoutMs: 1000,
  });
  try {
    load.addon.request(engine, 1);
    const options = await waitFor(
      () => load.addon.keepaliveOf(engine),
      (o) => o !== null,
      'an open connection',
    );
    assert.equal(options, [1, 15, 1, 10], 'on, idle 15 s, a probe every 1 s, 10 probes');
  } finally {
    load.addon.stop(engine);
    server.close();
  }
});

test("npm install builds the engine with node-gyp (npm carries it) from this Node's headers, nothing downloaded", async () => {
  await withDir(async (dir) => {
    for (const file of ['binding.gyp', 'native/engine.c', 'scripts/buildNative.mjs'])
      cpSync(repoPath(...file.split('/')), join(dir, file), { recursive: true });
    const built = spawnSync(process.execPath, [join(dir, 'scripts', 'buildNative.mjs'), '--install'], {
      encoding: 'utf8',
      // As npm runs it, with a nodedir of its own that the build must not follow to a download.
      env: { ...process.env, npm_config_nodedir: '' },
    });
    assert.is(built.status, 0, built.stderr);
    assert.match(built.stderr, /native engine built with node-gyp: build\/native\/goon-probe-engine\.node/);
    const loaded = spawnSync(
      process.execPath,
      [
        '-e',
        `console.log(typeof require(${JSON.stringify(join(dir, 'build', 'native', 'goon-probe-engine.node'))}).create)`,
      ],
      { encoding: 'utf8' },
    );
    assert.is(loaded.stdout.trim(), 'function', loaded.stderr);
  });
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
  const regexRun = ['127.0.0.1:9', '-c', '1', '--send', 'hi', '--expect', '/h+i/'];
  const run = await runCliProcess([...regexRun, '--engine', 'native']);
  assert.is(run.code, 1);
  assert.is(
    run.stderr.trim(),
    'goon-probe: --engine native covers plain TCP with --send, a literal --expect and --message; --expect /regex/ needs the TypeScript engine: drop --engine native (auto picks it), or --expect /regex/',
  );
  // auto: the TypeScript engine where the run needs it, the C engine wherever it covers the run.
  const regex = await runCliProcess([...regexRun, '--json', '-', '-q']);
  assert.match(regex.stdout, /"engine":\{"name":"js","why":"--expect \/regex\/ needs the TypeScript engine"\}/);
  const auto = await runCliProcess(['127.0.0.1:9', '-c', '1', '--send', 'hi', '--json', '-', '-q']);
  assert.match(auto.stdout, /"engine":\{"name":"native","why":"auto: the C engine on epoll \([a-z ]+\)"\}/);
});

test('--message at a rate with --latency-marker: the same bytes and marker latencies on both engines', async () => {
  await withServeProcess(['--reply', 'echo'], async (address) => {
    const args = [address, '-c', '20', '-s', '0', '-T', '2s', '--message', 'hello marker\\n', '--message-rate', '20'];
    const marked = [...args, '--latency-marker', 'marker'];
    const [native, js] = [await record('native', marked), await record('js', marked)];
    for (const rec of [native, js]) {
      const t = rec.result.traffic;
      assert.is(rec.exitCode, 0);
      // 20 connections, 20 copies a second for 2 s and one at open: about 41 each (a busy machine sends the last ones late).
      assert.ok(t.bytesSent >= 20 * 30 * 13 && t.bytesSent <= 20 * 42 * 13, `${t.bytesSent} bytes sent`);
      assert.ok(t.marker.count >= 20 * 25, `${t.marker.count} marker latencies`);
    }
    const ratio = native.result.traffic.bytesSent / js.result.traffic.bytesSent;
    assert.ok(ratio > 0.9 && ratio < 1.1, `native sent ${ratio.toFixed(2)}x what js sent`);
  });
});

test("fixed mode with --send/--expect: served by the reply, the rest refused in the server's words, the same on both engines", async () => {
  await withServeProcess(
    ['--max-connections', '200', '--over-limit', 'error-close', '--reply', 'echo'],
    async (address) => {
      const args = [
        address,
        '-c',
        '300',
        '-s',
        '0',
        '--settle',
        '200ms',
        '-T',
        '2s',
        '--send',
        'ping\\n',
        '--expect',
        'ping',
      ];
      const [native, js] = [await record('native', args), await record('js', args)];
      assert.equal(fixedOutcome(native), fixedOutcome(js));
      assert.is(native.result.status.established, 200);
      assert.equal(native.result.failures, { 'verify-mismatch': 100 });
      assert.is(native.result.evidence['verify-mismatch'].bytes, '-ERR max number of clients reached\r\n');
      assert.equal(
        [native.result.traffic.bytesSent, js.result.traffic.bytesSent],
        [300 * 5, 300 * 5],
        'each connection wrote --send once',
      );
    },
  );
});

test.run();
