import { createServer, isIP, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig } from '../../src/config/probeConfig.js';
import {
  parseSourceSpec,
  expandCidr,
  loopbackSources,
  isLocalAddress,
  checkLocalSources,
} from '../../src/net/sourceAddresses.js';
import { interfaceAddresses } from '../../src/net/localSources.js';
import { startHoldServer } from '../../src/servers/holdServer.js';
import { parseTargets } from '../../src/net/target.js';
import { startCli } from '../helpers/cli.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { closedPort, withServer } from '../helpers/servers.js';
import { waitUntil } from '../helpers/waitUntil.js';

/** Runs `fn` with a raw server on 127.0.0.1:0 that records every client's address and holds it open. */
async function withRecorder<T>(fn: (port: number, peers: string[]) => Promise<T>): Promise<T> {
  const peers: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    peers.push(socket.remoteAddress ?? '?');
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn((server.address() as { port: number }).port, peers);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

test('targets: several destinations and port ranges, each port once', () => {
  assert.equal(
    parseTargets(['127.0.0.1:9000-9002', '[::1]:80']).map((t) => t.display),
    ['127.0.0.1:9000', '127.0.0.1:9001', '127.0.0.1:9002', '[::1]:80'],
  );
  assert.equal(
    parseTargets(['localhost', '80']).map((t) => t.display),
    ['localhost:80'],
    "tcpgoon's host port form still works",
  );
  assert.throws(() => parseTargets(['127.0.0.1:9002-9000']), /runs backwards; write it low-high/);
  assert.throws(() => parseTargets(['127.0.0.1:1-2000']), /has 2000 ports; use at most 1024/);
  const config = buildProbeConfig({}, ['127.0.0.1:9000-9001', '127.0.0.1:7000'], () => Buffer.alloc(0));
  assert.equal([config.targets.length, config.target.display], [3, '127.0.0.1:9000-9001 127.0.0.1:7000']);
});

test('source addresses: lists, CIDR blocks, loopback auto, and what is local', () => {
  assert.equal(parseSourceSpec('127.0.0.2, 127.0.0.3,127.0.0.2'), {
    kind: 'list',
    addresses: ['127.0.0.2', '127.0.0.3'],
  });
  assert.equal(parseSourceSpec('auto'), { kind: 'auto' });
  assert.equal(expandCidr('127.0.0.0/30'), ['127.0.0.1', '127.0.0.2'], 'network and broadcast left out');
  assert.equal(expandCidr('127.0.0.9/31'), ['127.0.0.8', '127.0.0.9']);
  assert.equal(expandCidr('127.1.2.3/32'), ['127.1.2.3']);
  assert.is(expandCidr('127.1.0.0/24').length, 254);
  assert.throws(() => expandCidr('127.0.0.0/16'), /65536 addresses; use at most 256/);
  assert.throws(() => parseSourceSpec('127.0.0.1/33'), /not an IPv4 CIDR block/);
  assert.throws(() => parseSourceSpec('eth0'), /"eth0" is not an IP address/);
  assert.equal(loopbackSources(20_000, 28_232), [], 'one unbound address holds it all: no spread');
  assert.equal(loopbackSources(10, null), [], 'a small run stays on one address');
  assert.equal(
    loopbackSources(30_000, 28_232),
    ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'],
    'past one address: at most 7,000 per bound source',
  );
  assert.equal(loopbackSources(8000, 1000).length, 2, 'a narrow port range spreads sooner');
  assert.equal(loopbackSources(null, 28_232).length, 2, 'an unbounded reach spreads');
  assert.ok(isLocalAddress('127.9.9.9', []) && isLocalAddress('::1', []));
  const mine = interfaceAddresses();
  assert.ok(
    mine.every((address) => isLocalAddress(address, mine)),
    "this machine's own addresses",
  );
  // An address outside the loopback block counts only if an interface has it. Checked as text with
  // this machine's own addresses and an interface list that lacks them; nothing is dialed.
  const outside = mine.find((address) => isIP(address) === 4 && !address.startsWith('127.'));
  if (outside) {
    assert.not.ok(isLocalAddress(outside, ['127.0.0.1']));
    assert.throws(
      () => checkLocalSources(['127.0.0.2', outside], ['127.0.0.1']),
      new RegExp(`^--source-ip ${outside.replaceAll('.', '\\.')} is not an address of this machine; add it first`),
    );
  }
});

test('--source-ip: connections come from the given addresses, spread evenly', async () => {
  await withRecorder(async (port, peers) => {
    const run = await runCliHere([
      `127.0.0.1:${port}`,
      '-c',
      '30',
      '-s',
      '0',
      '--source-ip',
      '127.0.0.2,127.0.0.3,127.0.0.4',
      '--json',
      '-',
      '-q',
    ]);
    assert.is(run.code, 0, run.stderr);
    const counts = Object.fromEntries(
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((a) => [a, peers.filter((p) => p === a).length]),
    );
    assert.equal(counts, { '127.0.0.2': 10, '127.0.0.3': 10, '127.0.0.4': 10 });
    const record = JSON.parse(run.stdout);
    assert.equal(record.config.sourceAddresses, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    assert.match(record.result.dialed, /from 3 source addresses$/);
  });
});

test('several destinations: connections go round-robin, in one process and across shards', async () => {
  await withServer({}, async (a) => {
    await withServer({}, async (b) => {
      for (const workers of ['1', '2']) {
        const run = await runCliHere([
          a.address,
          b.address,
          '-c',
          '40',
          '-s',
          '0',
          '--workers',
          workers,
          '-i',
          '5s',
          '--json',
          '-',
          '-q',
        ]);
        assert.is(run.code, 0, run.stderr);
        const record = JSON.parse(run.stdout);
        assert.equal(
          [record.config.workers, record.config.destinations, record.result.status.established],
          [Number(workers), [a.address, b.address], 40],
        );
        assert.equal(
          [a.stats().served, b.stats().served],
          workers === '1' ? [20, 20] : [40, 40],
          `each got half (workers ${workers})`,
        );
      }
    });
  });
});

test('ramp across shards: the maximum is exact, and the record names the shards', async () => {
  // Served connections get a banner, so none counts before the server served it: a busy machine that
  // delays the server's closes past --settle cannot make over-limit connections look held.
  await withServer({ maxConnections: 300, overLimit: 'close', banner: Buffer.from('hi\n') }, async (server) => {
    const run = await runCliHere([
      server.address,
      '--expect',
      'hi',
      '--ramp',
      '400/s',
      '--round',
      '250ms',
      '--settle',
      '100ms',
      '--workers',
      '3',
      '--max-duration',
      '20s',
      '--json',
      '-',
      '-q',
    ]);
    assert.is(run.code, 0, run.stderr);
    const record = JSON.parse(run.stdout);
    assert.equal([record.result.maximum, record.result.verdict, record.config.workers], [300, 'limit-found', 3]);
    assert.ok(record.result.failures.closed > 0);
  });
});

test("a shard killed mid-run is reported as the prober's failure (exit 3), not lost silently", async () => {
  await withServer({}, async (server) => {
    const cli = startCli([
      server.address,
      '--ramp',
      '200/s',
      '--round',
      '200ms',
      '--settle',
      '50ms',
      '--workers',
      '2',
      '--max-duration',
      '30s',
      '-d',
    ]);
    await cli.waitFor(/held +[1-9]\d/);
    const shard = (await import('node:child_process'))
      .execFileSync('pgrep', ['-P', String(cli.child.pid), '-f', 'shard'], { encoding: 'utf8' })
      .trim()
      .split('\n')[0];
    process.kill(Number(shard), 'SIGKILL');
    const run = await cli.done;
    assert.is(run.code, 3, run.stdout + run.stderr);
    const said = `${run.stdout}\n${run.stderr}`;
    assert.match(run.stdout, /shard-lost \d+ \(prober limit\)/, said);
    assert.match(run.stdout, new RegExp(`shard \\d \\(pid ${shard}\\) exited on SIGKILL`), said);
    assert.match(run.stdout, /prober shard process died/, said);
  });
});

test('--channel-lifetime with -T: connections churn for the duration, counted as recycled, not failures', async () => {
  await withServer({}, async (server) => {
    const run = await runCliHere([
      server.address,
      '-c',
      '5',
      '-s',
      '0',
      '--channel-lifetime',
      '50ms',
      '-T',
      '1s',
      '-i',
      '5s',
      '--json',
      '-',
      '-q',
    ]);
    assert.is(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout).result;
    assert.ok(r.recycled >= 20, `about 5 every 50 ms for 1 s: ${r.recycled}`);
    assert.equal([r.failures, r.status.error, r.status.closed], [{}, 0, 0]);
    assert.ok(r.elapsedMs >= 1000);
    // The server also accepts dials the prober was still waiting on when the duration ended (at most
    // the 5 in flight): their handshake finished in the kernel, their socket was closed unseen. It
    // accepts in its own time, so wait until it has seen at least what the prober counted.
    await waitUntil(() => server.stats().served >= r.totalEstablished, 'the server accepts what the prober counted');
    const unseen = server.stats().served - r.totalEstablished;
    assert.ok(
      unseen >= 0 && unseen <= 5,
      `every connection the prober counted, the server saw: served ${server.stats().served}, counted ${r.totalEstablished}`,
    );
  });
});

test('serve --workers --listeners: an unlimited hold target on several ports, in several processes', async () => {
  const serve = startCli(['serve', '--workers', '2', '--listeners', '2', '--duration', '30s']);
  try {
    await serve.waitFor(/listening on \S+ \S+\n/);
    const addresses = (/listening on (\S+) (\S+)/.exec(serve.output()) as RegExpExecArray).slice(1);
    const run = await runCliHere([...addresses, '-c', '200', '-s', '0', '-q', '--json', '-']);
    assert.is(run.code, 0, run.stderr);
    assert.is(JSON.parse(run.stdout).result.status.established, 200);
  } finally {
    serve.child.kill('SIGINT');
  }
  const done = await serve.done;
  assert.match(done.stderr, /served 200 connections in 2 worker process\(es\)/);
});

test('hold target: a worker that dies reads as holding nothing, and stats still answer', async () => {
  const server = await startHoldServer({ workers: 2, listeners: 2, perWorkerCap: 100 });
  try {
    const run = await runCliHere([...server.addresses, '-c', '10', '-s', '0', '-q']);
    assert.is(run.code, 0, run.stderr);
    assert.is((await server.stats()).served, 10);
    const [victim] = server.pids;
    const exited = new Promise((resolve) => {
      const watch = setInterval(() => {
        try {
          process.kill(victim as number, 0);
        } catch {
          clearInterval(watch);
          resolve(null);
        }
      }, 5);
    });
    process.kill(victim as number, 'SIGKILL');
    await exited;
    const after = await server.stats();
    assert.is(after.active, 0, 'the prober has gone, so nothing is held');
    assert.is(after.served, 5, 'only the living worker (one port of two) still reports what it served');
  } finally {
    await server.close();
  }
});

test('scale flags: bad values get one line naming the fix', async () => {
  const target = `127.0.0.1:${await closedPort()}`;
  const cases: Array<[string[], RegExp]> = [
    [[target, '--workers', '0'], /--workers "0" is not a shard count; use a whole number from 1 to 64, or auto/],
    [[target, '--source-ip', '::1'], /--source-ip has no address of the destinations' family/],
    [[target, '-T', '1s', '--max-duration', '2s', '--ramp', '10/s'], /-T\/--duration and --max-duration both given/],
    [
      ['serve', '--workers', '2', '--max-connections', '5'],
      /--max-connections needs the one-process target; drop --workers\/--listeners/,
    ],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCliHere(args)));
  runs.forEach((run, i) => {
    const [args, pattern] = cases[i] as [string[], RegExp];
    assert.is(run.code, 1, JSON.stringify(args));
    assert.match(run.stderr, pattern, JSON.stringify(args));
    assert.is(run.stderr.trim().split('\n').length, 1, run.stderr);
  });
});

test.run();
