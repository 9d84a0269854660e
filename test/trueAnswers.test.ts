// Issue 14: every answer true when the probe is misused; each case was reproduced on loopback first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig, type RawOptions } from '../src/config/probeConfig.js';
import { roundDialBudget } from '../src/probe/rampRules.js';
import { diagnoseResult, targetGone } from '../src/probe/diagnose.js';
import { backoffMs, Fleet } from '../src/fleet/fleet.js';
import { resolveTarget } from '../src/net/resolve.js';
import type { RampResult, RoundRecord } from '../src/probe/result.js';
import { runRampProbe } from '../src/probe/runRampProbe.js';
import { findSourceRejection } from '../src/probe/sourceRejection.js';
import { startTargetServer } from '../src/servers/targetServer.js';
import { systemClock } from '../src/clock.js';
import { fleetOptions } from '../src/probe/startFleet.js';
import { runCliProcess, startCli } from './helpers/cli.js';
import { rampAgainst } from './helpers/ramp.js';
import { startRedis } from './helpers/realServers.js';
import { withServer } from './helpers/servers.js';

const FAST = { settle: '200ms', expectTimeout: '500ms', dialTimeout: '1s', maxDuration: '10s' };

test('not-served: --expect that never matches is no capacity (exit 2), and the diagnosis shows what came back', async () => {
  await withServer({ reply: 'echo' }, async (server) => {
    const r = await rampAgainst(server.address, { ramp: '20/s', send: 'hello\\r\\n', expect: '/^zz/', ...FAST });
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
    const r = await rampAgainst(server.address, { ramp: '20/s', expect: '/./', minConcurrency: '5', ...FAST });
    assert.is(r.verdict, 'not-served');
    assert.is(r.exitCode, 2);
    assert.match(diagnoseResult(r).cause, /no connection received a single byte .* the target stayed silent/);
  });
});

test('fixed -T: connections still handshaking or dialing at the end never opened (exit 2)', async () => {
  await withServer({}, async (server) => {
    // TLS and WebSocket against a plain server that never answers the ClientHello.
    const run = await runCliProcess([server.address, '-c', '1', '--tls', '--insecure', '--websocket', '-T', '1s']);
    assert.is(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /Result: established 0 of 1, 1 never opened, not all established, exit 2/);
  });
  await withServer({ maxConnections: 1, overLimit: 'queue', backlog: 1 }, async (server) => {
    // One served, a few in the kernel's accept queue, the rest unanswered SYNs when -T ends.
    const run = await runCliProcess([server.address, '-c', '20', '-s', '0', '-T', '1s']);
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
  const config = buildProbeConfig({ ramp: '100/s', round: '200ms', ...FAST, maxDuration: '20s' }, [address], () =>
    Buffer.alloc(0),
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
  assert.match(d.cause, /then every connection was closed at once and new ones were refused: the target went away/);
  assert.not.match(d.cause, /evicts/);
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
});

test('a fixed run whose target dies after all N opened: the target went away', async () => {
  const serve = startCli(['serve']);
  await serve.waitFor(/listening on \S+\n/);
  const address = (/listening on (\S+)/.exec(serve.output()) as RegExpExecArray)[1] as string;
  const cli = startCli([address, '-c', '50', '-s', '0', '-T', '5s', '-i', '100ms', '--settle', '100ms']);
  // Three status lines with all 50 established: at least 200 ms, past the 100 ms settle, so all are held.
  await cli.waitFor(/(Established: 50,[^\n]*\n[^]*){3}/);
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
      ramp: '50/s',
      round: '500ms',
      errorThreshold: '100%',
      ...FAST,
      maxDuration: '4s',
    });
    const plan = buildProbeConfig({ ramp: '50/s', round: '500ms' }, ['127.0.0.1:1'], () => Buffer.alloc(0)).ramp;
    assert.ok(plan);
    r.rounds.forEach((round, i) =>
      assert.ok(round.attempts <= roundDialBudget(plan, i), `round ${round.round}: ${round.attempts} dials`),
    );
    const attempts = r.rounds.reduce((n, round) => n + round.attempts, 0);
    assert.ok(attempts <= 4 * 50 + 5, `${attempts} dials in 4s at 50/s`);
    assert.ok((r.failures.closed ?? 0) <= 120, `closed ${r.failures.closed}: about the excess, not a storm`);
    assert.is(r.maximum, 100);
  });
});

test('backoff of a slot that keeps failing: none for the first reopen, then one round, doubling, capped', () => {
  assert.equal(
    [0, 1, 2, 3, 4, 5, 6, 9].map((streak) => backoffMs(streak, 1000)),
    [0, 0, 1000, 2000, 4000, 8000, 16000, 16000],
  );
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
