// Issue 14: every answer true when the probe is misused; each case was reproduced on loopback first.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig, rampConfig, type RawOptions } from '../../src/config/probeConfig.js';
import { roundDialBudget } from '../../src/probe/rampRules.js';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { resolveTarget } from '../../src/net/resolve.js';
import { runRampProbe } from '../../src/probe/runRampProbe.js';
import { startTargetServer } from '../../src/servers/targetServer.js';
import { systemClock } from '../../src/clock.js';
import { fleetOptions } from '../../src/probe/startFleet.js';
import { runCliProcess, startCli } from '../helpers/cli.js';
import { runCliHere, startCliHere } from '../helpers/runCliHere.js';
import { rampAgainst, whatItSaw } from '../helpers/ramp.js';
import { startRedis } from '../helpers/realServers.js';
import { withServer } from '../helpers/servers.js';

/** Resolves with a connection once the server has served it (its banner arrived). */
function servedConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', () => resolve(socket)).once('error', reject);
  });
}

const FAST = { round: '300ms', settle: '300ms', expectTimeout: '500ms', dialTimeout: '1s', maxDuration: '10s' };

test('not-served: --expect that never matches is no capacity (exit 2), and the diagnosis shows what came back', async () => {
  await withServer({ reply: 'echo' }, async (server) => {
    // Nothing is ever served, so the run lasts its --max-duration: a short one.
    const r = await rampAgainst(server.address, {
      ramp: '20/s',
      send: 'hello\\r\\n',
      expect: '/^zz/',
      ...FAST,
      maxDuration: '3s',
    });
    assert.is(r.maximum, 0);
    assert.is(r.verdict, 'not-served');
    assert.is(r.exitCode, 2);
    assert.match(
      diagnoseResult(r).cause,
      /nothing was served: every reply missed --expect "\/\^zz\/"; the target sent "hello\\r\\n"/,
    );
  });
  // A gate changes nothing: still exit 2, and the gate line says nothing was served.
  await withServer({}, async (server) => {
    const r = await rampAgainst(server.address, {
      ramp: '20/s',
      expect: '/./',
      minConcurrency: '5',
      ...FAST,
      maxDuration: '3s',
    });
    assert.is(r.verdict, 'not-served');
    assert.is(r.exitCode, 2);
    assert.match(diagnoseResult(r).cause, /no connection received a single byte .* the target stayed silent/);
  });
});

test('fixed -T: connections still handshaking or dialing at the end never opened (exit 2)', async () => {
  await withServer({}, async (server) => {
    // TLS and WebSocket against a plain server that never answers the ClientHello.
    const run = await runCliHere([server.address, '-c', '1', '--tls', '--insecure', '--websocket', '-T', '1s']);
    assert.is(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /Result: established 0 of 1, 1 never opened, not all established, exit 2/);
  });
  await withServer({ maxConnections: 1, overLimit: 'queue', backlog: 1, banner: Buffer.from('hi') }, async (server) => {
    // The one slot is taken first, so the server has stopped accepting before the run dials (its
    // acceptors would otherwise race the first connections): a few of the run's connections wait
    // in the kernel's accept queue, the rest are unanswered SYNs when -T ends.
    const first = await servedConnection(server.port);
    const run = await runCliHere([server.address, '-c', '20', '-s', '0', '-T', '1s']);
    first.destroy();
    assert.is(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /Never opened: \d+ \(still dialing/);
    assert.match(run.stdout, /, \d+ never opened, not all established, exit 2$/m);
  });
});

test("fixed mode at the prober's own fd limit is inconclusive: exit 3, like ramp mode", async () => {
  await withServer({}, async (server) => {
    const run = await runCliProcess([server.address, '-c', '1000', '-s', '0', '-q'], { fdLimit: 300 });
    assert.is(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stdout, /inconclusive \(the prober's own limit or setup\), exit 3/);
  });
});

test('Redis in protected mode, dialed from several loopback addresses: inconclusive (exit 3), naming the rejected addresses', async () => {
  // The suite's Redis runs as shipped: protected mode on, so only 127.0.0.1 among loopback clients is served.
  const redis = await startRedis(1000);
  try {
    const r = await rampAgainst(
      redis.address,
      { ramp: '40/s', sourceIp: '127.0.0.1,127.0.0.2', send: 'PING\\r\\n', expect: '+PONG', ...FAST },
      undefined,
      ['127.0.0.1', '127.0.0.2'],
    );
    assert.is(r.verdict, 'inconclusive');
    assert.is(r.exitCode, 3);
    assert.equal(r.sourceRejection?.rejected, ['127.0.0.2']);
    const d = diagnoseResult(r);
    assert.is(d.side, 'prober');
    assert.match(
      d.cause,
      /connections from 127.0.0.2 all failed, none served, while those from 127.0.0.1 were served; the target said "-DENIED Redis is running in protected mode/,
    );
  } finally {
    await redis.stop();
  }
});

test('a target that dies after a plateau went away; it does not evict, and the maximum is what it held', async () => {
  const serve = startCli(['serve', '--reply', 'echo']);
  await serve.waitFor(/listening on \S+\n/);
  const address = (/listening on (\S+)/.exec(serve.output()) as RegExpExecArray)[1] as string;
  const config = rampConfig(
    buildProbeConfig({ ...FAST, ramp: '100/s', round: '200ms', maxDuration: '20s' }, [address], () => Buffer.alloc(0)),
  );
  const result = await runRampProbe(
    config,
    { routes: [{ endpoint: await resolveTarget(config.target) }], workers: 1 },
    {
      signal: new AbortController().signal,
      onRound: (round) => {
        if (round.held >= 60 && serve.child.exitCode === null && serve.child.signalCode === null)
          serve.child.kill('SIGKILL');
      },
    },
  );
  await serve.done;
  assert.ok(result.maximum >= 60, `kept what it held: ${result.maximum}`);
  const d = diagnoseResult(result);
  // New dials refused tell that it went away; when the round's dials all came before the kill
  // (a busy machine), the connections it had simply all closed or reset at once: a crash all the same.
  assert.match(
    d.cause,
    /then every connection was (closed at once and new ones were refused: the target went away|closed or reset at once: the target restarted, crashed)/,
    `${d.cause} ${whatItSaw(result)}`,
  );
  assert.is(result.verdict, 'inconclusive', whatItSaw(result));
  assert.not.match(d.cause, /evicts/);
});

/**
 * Runs `fn` against a loopback server of the test's own on port 0: `onConnection` gets each socket
 * and the set of those still open (it adds the ones it keeps). Every socket and the server are closed after.
 */
async function withLoopbackServer(
  onConnection: (socket: Socket, open: Set<Socket>) => void,
  fn: (address: string) => Promise<void>,
): Promise<void> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
    onConnection(socket, open);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('a target that closes what it took on past its limit later than --settle: the maximum is what it kept', async () => {
  // Keeps 30; every connection past them is accepted, served, and closed 400 ms later: longer than
  // the 150 ms --settle, as a server starved of CPU closes late (224 counted against a limit of 200
  // under load). The ramp counts them held for a round; the target never kept them.
  const LIMIT = 30;
  await withLoopbackServer(
    (socket, open) => {
      if (open.size < LIMIT) open.add(socket);
      else setTimeout(() => socket.destroy(), 400);
    },
    async (address) => {
      const r = await rampAgainst(address, {
        ramp: '200/s',
        round: '500ms',
        settle: '150ms',
        maxDuration: '20s',
      });
      assert.equal([r.maximum, r.verdict, r.exitCode], [LIMIT, 'limit-found', 0], whatItSaw(r));
      assert.ok(Math.max(...r.rounds.map((x) => x.held)) > LIMIT, `a round counted more held: ${whatItSaw(r)}`);
      assert.ok(
        r.warnings.some((w) =>
          new RegExp(
            `^the target kept ${LIMIT} of the \\d+ counted held at round \\d+: it closed \\d+ held ones later than --settle \\(150ms\\)`,
          ).test(w),
        ),
        r.warnings.join('\n'),
      );
    },
  );
});

test('a target that answers nothing at first (starting, or starved of CPU) is slow, not full at 0', async () => {
  // Keeps 100, closes any past them at once, and for its first 1.5 s answers nobody: a ramp whose first
  // rounds time out before anything was served must wait for the late answers, adapt its pace, and
  // find 100 (a starved queue target once gave "limit-found" at 20, exit 0, against 200).
  const LIMIT = 100;
  const wakeAtMs = Date.now() + 1500;
  await withLoopbackServer(
    (socket, open) => {
      if (open.size >= LIMIT) {
        socket.destroy();
        return;
      }
      open.add(socket);
      socket.on('data', (data) => {
        const answer = (): void => void (socket.writable && socket.write(data));
        const leftMs = wakeAtMs - Date.now();
        if (leftMs > 0) setTimeout(answer, leftMs);
        else answer();
      });
    },
    async (address) => {
      const r = await rampAgainst(address, {
        ramp: '100/s',
        round: '400ms',
        settle: '300ms',
        send: 'ping\\n',
        expect: 'ping',
        expectTimeout: '500ms',
        maxDuration: '30s',
      });
      assert.equal([r.maximum, r.verdict, r.exitCode], [LIMIT, 'limit-found', 0], whatItSaw(r));
      assert.ok((r.paceChanges?.length ?? 0) > 0, `the pace adapted: ${whatItSaw(r)}`);
      assert.equal(
        r.warnings.filter((w) => /fell behind/.test(w)),
        [],
        'waiting on purpose is not falling behind',
      );
    },
  );
});

test('a fixed run whose target dies after all N opened: the target went away', async () => {
  const serve = startCli(['serve']);
  await serve.waitFor(/listening on \S+\n/);
  const address = (/listening on (\S+)/.exec(serve.output()) as RegExpExecArray)[1] as string;
  const cli = startCliHere([address, '-c', '50', '-s', '0', '-T', '2s', '-i', '100ms', '--settle', '100ms']);
  // Three status lines with all 50 established: at least 200 ms, past the 100 ms settle, so all are held.
  await cli.waitFor(/(Established: 50,[^\n]*\n[\s\S]*){3}/);
  serve.child.kill('SIGKILL');
  const run = await cli.done;
  await serve.done;
  assert.is(run.code, 2, run.stdout + run.stderr);
  assert.match(run.stdout, /the target went away|restarted, crashed/);
  assert.not.match(run.stdout, /accepts, then closes/);
});

test('a TLS handshake that times out over an open TCP connection is a handshake timeout, not an unanswered SYN', async () => {
  await withServer({}, async (server) => {
    const r = await rampAgainst(server.address, {
      ramp: '10/s',
      tls: true,
      insecure: true,
      ...FAST,
      dialTimeout: '300ms',
    });
    assert.ok((r.failures.handshake ?? 0) > 0, JSON.stringify(r.failures));
    assert.is(r.failures.timeout, undefined);
    const d = diagnoseResult(r);
    assert.match(
      d.cause,
      /TLS or WebSocket handshake fails: the TLS or WebSocket handshake did not finish within 300ms over an open TCP connection/,
    );
    assert.not.match(d.cause, /SYN/);
  });
});

test('evidence past a shared greeting: the error line, not the banner every client gets', async () => {
  await withServer(
    {
      maxConnections: 5,
      overLimit: 'error-close',
      banner: Buffer.from('hello from the server\r\n'),
      errorLine: Buffer.from('-ERR too many clients\r\n'),
    },
    async (server) => {
      const r = await rampAgainst(server.address, { ramp: '20/s', ...FAST });
      assert.is(r.maximum, 5);
      assert.match(diagnoseResult(r).cause, /saying "-ERR too many clients"/);
    },
  );
});

test("reopens go through the round's pacing: dials per round never pass the ramp's step, and closes stay near the excess", async () => {
  await withServer({ maxConnections: 100, overLimit: 'close' }, async (server) => {
    // 100% lets the ramp go on past the limit for a few rounds, where the old reopen storm ran.
    const r = await rampAgainst(server.address, {
      ...FAST,
      ramp: '100/s',
      round: '500ms',
      errorThreshold: '100%',
      maxDuration: '2s',
    });
    const plan = buildProbeConfig({ ramp: '100/s', round: '500ms' }, ['127.0.0.1:1'], () => Buffer.alloc(0)).ramp;
    assert.ok(plan);
    for (const [i, round] of r.rounds.entries()) {
      assert.ok(round.attempts <= roundDialBudget(plan, i), `round ${round.round}: ${round.attempts} dials`);
    }
    const attempts = r.rounds.reduce((n, round) => n + round.attempts, 0);
    assert.ok(attempts <= 4 * 50 + 5, `${attempts} dials in 2s at 100/s`);
    assert.ok((r.failures.closed ?? 0) <= 120, `closed ${r.failures.closed}: about the excess, not a storm`);
    assert.is(r.maximum, 100);
  });
});

test('a refused slot waits its backoff in the fleet before it dials again', async () => {
  const server = await startTargetServer({});
  const port = server.port;
  await server.close(); // now refused
  const endpoint = await resolveTarget({ host: '127.0.0.1', port, display: '' });
  const fleet = new Fleet({
    routes: [{ endpoint }],
    dialTimeoutMs: 1000,
    keepaliveMs: 0,
    maxInflight: 4,
    expectTimeoutMs: 500,
    settleMs: 50,
    reopenBackoffMs: 60_000,
    now: systemClock.now,
  });
  try {
    fleet.request(1);
    for (let i = 0; i < 100 && fleet.observe().failed < 1; i++) await new Promise((r) => setTimeout(r, 10));
    fleet.request(1); // the first reopen: at once
    for (let i = 0; i < 100 && fleet.observe().failed < 2; i++) await new Promise((r) => setTimeout(r, 10));
    fleet.request(1); // the second in a row: waits a minute
    const obs = fleet.observe();
    assert.is(obs.failed, 2);
    assert.is(obs.started, 2, 'the third dial has not started');
    assert.is(obs.live.queued, 1, 'it waits, queued');
    assert.is(obs.reopened, 2);
  } finally {
    await fleet.stop();
  }
});

test('without reopening (fixed mode, --no-reopen) a failed slot is never inherited: the next open is new and dials at once', async () => {
  const server = await startTargetServer({});
  const port = server.port;
  await server.close(); // now refused
  const endpoint = await resolveTarget({ host: '127.0.0.1', port, display: '' });
  const fleet = new Fleet({
    routes: [{ endpoint }],
    dialTimeoutMs: 1000,
    keepaliveMs: 0,
    maxInflight: 4,
    expectTimeoutMs: 500,
    settleMs: 50,
    now: systemClock.now,
  });
  try {
    for (let n = 1; n <= 3; n++) {
      fleet.request(1);
      for (let i = 0; i < 100 && fleet.observe().failed < n; i++) await new Promise((r) => setTimeout(r, 10));
      assert.is(fleet.observe().failed, n, `dial ${n} ran and failed`);
    }
    assert.is(fleet.observe().reopened, 0, 'new connections, not reopens');
  } finally {
    await fleet.stop();
  }
  // Only a ramp that reopens gives its fleet a backoff; --no-reopen and fixed mode dial every open at once.
  const options = (raw: RawOptions) =>
    fleetOptions(
      buildProbeConfig(raw, ['127.0.0.1:1'], () => Buffer.alloc(0)),
      [],
    );
  assert.is(options({ ramp: '10/s', round: '500ms' }).reopenBackoffMs, 500);
  assert.is(options({ ramp: '10/s', reopen: false }).reopenBackoffMs, undefined);
  assert.is(options({ connections: '10' }).reopenBackoffMs, undefined);
});

test.run();
