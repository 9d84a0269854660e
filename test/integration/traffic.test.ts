import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCliHere, startCliHere } from '../helpers/runCliHere.js';
import { withServer } from '../helpers/servers.js';
import { repoPath } from '../helpers/repoPath.js';

// The runs that must see echoes and markers come back last 2 s (-T 2s): a machine starved of CPU
// took longer than 600 ms to finish 6 TLS handshakes on 2 shards, and longer than 300 ms to echo.
const CERT_PATH = repoPath('fixtures', 'tls', 'localhost-cert.pem');
const TLS = {
  cert: readFileSync(CERT_PATH),
  key: readFileSync(repoPath('fixtures', 'tls', 'localhost-key.pem')),
};

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output, read loosely
const json = (stdout: string): { result: Record<string, any>; config: Record<string, any> } => JSON.parse(stdout);

test('--message at --message-rate to several destinations: counted both ways, paced per connection', async () => {
  await withServer({ reply: 'echo' }, async (a) => {
    await withServer({ reply: 'echo' }, async (b) => {
      const run = await runCliHere([
        a.address,
        b.address,
        '-c',
        '4',
        '-s',
        '0',
        '--message',
        'ping\\n',
        '--message-rate',
        '50',
        '-T',
        '1s',
        '-i',
        '500ms',
        '--json',
        '-',
      ]);
      assert.is(run.code, 0, run.stderr);
      const { result, config } = json(run.stdout);
      // 4 connections x (1 + 50/s x the run's time) messages x 5 bytes: the rate bounds it from
      // above, measured against how long the run really took (longer on a busy machine).
      const most = 4 * 5 * (2 + Math.ceil((50 * result.elapsedMs) / 1000));
      assert.ok(
        result.traffic.bytesSent >= 4 * 5 * 30 && result.traffic.bytesSent <= most,
        `sent ${result.traffic.bytesSent} in ${result.elapsedMs} ms`,
      );
      assert.ok(
        result.traffic.bytesReceived > 0 && result.traffic.bytesReceived <= result.traffic.bytesSent,
        'the echo came back',
      );
      assert.is(a.stats().served + b.stats().served, 4);
      assert.is(a.stats().served, 2, 'round-robin');
      assert.equal(
        [config.traffic.message, config.traffic.messageRatePerSec, config.traffic.transport],
        ['ping\n', 50, 'tcp'],
      );
      assert.match(
        run.stderr,
        /^Traffic: sent \S+ \S+ \(\S+ \S+\/s\), received/m,
        'per interval, beside the status lines',
      );
    });
  });
});

test('--channel-bandwidth caps the bytes a connection sends', async () => {
  await withServer({}, async (server) => {
    const run = await runCliHere([
      server.address,
      '-c',
      '2',
      '-s',
      '0',
      '--message-file',
      CERT_PATH,
      '--channel-bandwidth',
      '64kbps',
      '-T',
      '1s',
      '--json',
      '-',
      '-q',
    ]);
    assert.is(run.code, 0, run.stderr);
    const sent = json(run.stdout).result.traffic.bytesSent;
    const size = readFileSync(CERT_PATH).length;
    // 8 kB/s each: the run's time x 8000 / size copies, plus the first, per connection.
    const elapsedMs = json(run.stdout).result.elapsedMs;
    assert.ok(
      sent >= 2 * size * 3 && sent <= 2 * size * (Math.floor((8000 * elapsedMs) / 1000 / size) + 2),
      `sent ${sent} in ${elapsedMs} ms (message ${size} B)`,
    );
  });
});

test('--connect-rate paces the dials in fixed mode and in ramp mode', async () => {
  await withServer({}, async (server) => {
    const run = await runCliHere([server.address, '-c', '20', '--connect-rate', '100', '--json', '-', '-q']);
    assert.is(run.code, 0, run.stderr);
    const r = json(run.stdout).result;
    assert.ok(r.allEstablishedAtMs >= 170, `20 dials at 100/s take 190 ms, not ${r.allEstablishedAtMs}`);
    await server.idle(); // the previous run's connections are gone from the server too
    const ramp = await runCliHere([
      server.address,
      '--ramp',
      '1000/s',
      '--round',
      '200ms',
      '--settle',
      '0',
      '--max-duration',
      '600ms',
      '--connect-rate',
      '50',
      '--json',
      '-',
      '-q',
    ]);
    const rr = json(ramp.stdout).result;
    assert.ok(rr.maximum <= 40, `the ramp asks 1000/s, the pacing lets about 30 through in 600 ms: ${rr.maximum}`);
  });
});

test('latency percentiles: connect, first byte and the marker, with the percentiles asked for', async () => {
  await withServer({ reply: 'echo', banner: Buffer.from('hello\n') }, async (server) => {
    const run = await runCliHere([
      server.address,
      '-c',
      '3',
      '-s',
      '0',
      '--message',
      'PING\\n',
      '--message-rate',
      '20',
      '--latency-marker',
      'PING',
      '--latency-percentiles',
      '50,99.9',
      '-T',
      '2s',
    ]);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Latency percentiles: connect p50 \S+, p99\.9 \S+ \(n 3, max \S+\)$/m);
    assert.match(run.stdout, /^ {2}first byte p50 \S+, p99\.9 \S+ \(n 3,/m);
    assert.match(run.stdout, /^ {2}marker p50 \S+, p99\.9 \S+ \(n \d+,/m);
    assert.match(run.stdout, /^Traffic: sent /m);
  });
});

test('ramp mode with --message: rounds carry their traffic; the report its totals', async () => {
  await withServer({ reply: 'echo', maxConnections: 30, overLimit: 'close' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '--ramp',
      '100/s',
      '--round',
      '200ms',
      // Wide enough for the server in this process to close its 31st connection on a busy machine.
      '--settle',
      '600ms',
      '--message',
      'x',
      '--message-rate',
      '10',
      '--json',
      '-',
      '-q',
    ]);
    assert.is(run.code, 0, run.stderr);
    const r = json(run.stdout).result;
    assert.is(r.maximum, 30);
    assert.ok(r.rounds.some((round: { bytesSent: number }) => round.bytesSent > 0));
    assert.ok(r.traffic.bytesSent > 0 && r.traffic.marker === null);
  });
});

test('--tls: trusted with --ca, refused (handshake) without it, --insecure, and the ramp verifies over TLS', async () => {
  await withServer(
    { tls: TLS, banner: Buffer.from('hi\n'), maxConnections: 20, overLimit: 'close' },
    async (server) => {
      const ok = await runCliHere([
        server.address,
        '-c',
        '5',
        '-s',
        '0',
        '--tls',
        '--ca',
        CERT_PATH,
        '--expect',
        'hi',
        '--json',
        '-',
        '-q',
      ]);
      assert.is(ok.code, 0, ok.stderr + ok.stdout);
      assert.is(json(ok.stdout).config.traffic.transport, 'tls');
      await server.idle(); // the previous run's connections are gone from the server too
      const untrusted = await runCliHere([server.address, '-c', '2', '-s', '0', '--tls']);
      assert.is(untrusted.code, 2);
      assert.match(untrusted.stdout, /handshake x2: error "self-signed certificate"/);
      assert.match(untrusted.stdout, /from the first dial the TLS or WebSocket handshake fails/);
      await server.idle(); // the previous run's connections are gone from the server too
      const ramp = await runCliHere([
        server.address,
        '--ramp',
        '100/s',
        '--round',
        '200ms',
        '--settle',
        '100ms',
        '--tls',
        '--insecure',
        '--expect',
        'hi',
        '--json',
        '-',
        '-q',
      ]);
      assert.is(ramp.code, 0, ramp.stderr);
      assert.is(json(ramp.stdout).result.maximum, 20, 'the limit, found over TLS');
    },
  );
});

test('--tls sends SNI: the target host name, or --sni', async () => {
  const names: string[] = [];
  const server = createTlsServer(
    {
      ...TLS,
      SNICallback: (name, cb) => {
        names.push(name);
        cb(null);
      },
    },
    (socket) => socket.on('error', () => {}),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const run = await runCliHere([`localhost:${port}`, '-c', '1', '-s', '0', '--tls', '--ca', CERT_PATH, '-q']);
    assert.is(run.code, 0, run.stderr + run.stdout);
    const named = await runCliHere([
      `127.0.0.1:${port}`,
      '-c',
      '1',
      '-s',
      '0',
      '--tls',
      '--insecure',
      '--sni',
      'db.test',
      '-q',
    ]);
    assert.is(named.code, 0, named.stderr);
    assert.equal(names, ['localhost', 'db.test']);
  } finally {
    server.close();
  }
});

test('--websocket (and over TLS): the upgrade is the handshake; --expect and the marker work on messages', async () => {
  await withServer(
    { websocket: true, reply: 'echo', banner: Buffer.from('ready'), maxConnections: 15, overLimit: 'close' },
    async (server) => {
      const run = await runCliHere([
        server.address,
        '-c',
        '4',
        '-s',
        '0',
        '--websocket',
        '--expect',
        'ready',
        '--message',
        'tick',
        '--message-rate',
        '20',
        '--latency-marker',
        'tick',
        '-T',
        '2s',
        '--json',
        '-',
        '-q',
      ]);
      assert.is(run.code, 0, run.stderr + run.stdout);
      const r = json(run.stdout).result;
      assert.ok(r.traffic.marker.count > 0, 'echoed messages carry the marker back');
      await server.idle(); // the previous run's connections are gone from the server too
      const ramp = await runCliHere([
        server.address,
        '--ramp',
        '100/s',
        '--round',
        '200ms',
        '--settle',
        '100ms',
        '--websocket',
        '--expect',
        'ready',
        '--json',
        '-',
        '-q',
      ]);
      assert.is(json(ramp.stdout).result.maximum, 15, ramp.stderr);
      await server.idle(); // the previous run's connections are gone from the server too
      const plain = await runCliHere([
        server.address,
        '-c',
        '1',
        '-s',
        '0',
        '--expect',
        'ready',
        '--expect-timeout',
        '300ms',
        '-T',
        '1s',
        '-q',
      ]);
      assert.is(plain.code, 2, 'without --websocket nothing is served');
    },
  );
  await withServer({ websocket: true, tls: TLS, reply: 'echo' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '-c',
      '3',
      '-s',
      '0',
      '--websocket',
      '--tls',
      '--ca',
      CERT_PATH,
      '--ws-path',
      '/x',
      '--json',
      '-',
      '-q',
    ]);
    assert.is(run.code, 0, run.stderr + run.stdout);
    assert.is(json(run.stdout).config.traffic.transport, 'websocket-tls');
  });
  await withServer({ reply: 'echo' }, async (server) => {
    const run = await runCliHere([server.address, '-c', '2', '-s', '0', '--websocket', '-t', '1s']);
    assert.is(run.code, 2, 'a server that does not speak WebSocket never upgrades');
  });
});

test('across --workers shards: messages, marker latency and TLS settings reach every shard, and totals merge', async () => {
  await withServer({ tls: TLS, reply: 'echo' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '-c',
      '6',
      '-s',
      '0',
      '--workers',
      '2',
      '--tls',
      '--ca',
      CERT_PATH,
      '--message',
      'tick',
      '--message-rate',
      '20',
      '--latency-marker',
      'tick',
      '-T',
      '2s',
      '--json',
      '-',
      '-q',
    ]);
    assert.is(run.code, 0, run.stderr + run.stdout);
    const r = json(run.stdout).result;
    assert.is(r.status.established, 6);
    assert.is(r.traffic.connect.count, 6, 'connect latencies of both shards');
    assert.ok(r.traffic.marker.count >= 6, `marker latencies of both shards: ${r.traffic.marker.count}`);
    assert.ok(r.traffic.bytesReceived > 0);
  });
});

test('--statsd: counts, traffic and latency every interval, over UDP to a loopback listener', async () => {
  const udp = createSocket('udp4');
  const received: string[] = [];
  udp.on('message', (msg) => received.push(...msg.toString().split('\n')));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  try {
    await withServer({ reply: 'echo' }, async (server) => {
      const run = await runCliHere([
        server.address,
        '-c',
        '3',
        '-s',
        '0',
        '--message',
        'm',
        '--message-rate',
        '10',
        '-T',
        '1s',
        '-i',
        '200ms',
        '--statsd',
        '--statsd-port',
        String(udp.address().port),
        '--statsd-namespace',
        'ci.probe',
        '-q',
      ]);
      assert.is(run.code, 0, run.stderr);
    });
    assert.ok(received.includes('ci.probe.connections.open:3|g'), received.slice(0, 20).join(' '));
    assert.ok(received.some((l) => /^ci\.probe\.traffic\.sent:\d+\|c$/.test(l)));
    assert.ok(received.some((l) => /^ci\.probe\.connections\.established:3\|c$/.test(l)));
    assert.ok(received.some((l) => /^ci\.probe\.latency\.connect\.p95:[\d.]+\|g$/.test(l)));
  } finally {
    udp.close();
  }
});

test('--metrics-port: Prometheus text during a run', async () => {
  await withServer({}, async (server) => {
    const cli = startCliHere([
      server.address,
      '--ramp',
      '20/s',
      '--round',
      '200ms',
      '--max-duration',
      '1s',
      '--settle',
      '100ms',
      '-i',
      '200ms',
      '--metrics-port',
      '0',
    ]);
    await cli.waitFor(/metrics at http:\S+/);
    const url = (/metrics at (http:\S+)/.exec(cli.output()) as RegExpExecArray)[1] as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await cli.waitFor(/round 2 /);
    const text = await (await fetch(url)).text();
    assert.match(text, /^goon_probe_connections\{state="held"\} \d+$/m);
    assert.match(text, /^goon_probe_connect_latency_seconds_count \d+$/m);
    const run = await cli.done;
    assert.is(run.code, 0, run.stderr);
  });
});

test('-l/--listen-port: the built-in server in the same process, probed (plain, TLS, ramp)', async () => {
  const run = await runCliHere([
    '-l',
    '0',
    '-c',
    '10',
    '-s',
    '0',
    '--message',
    'hi',
    '--message-rate',
    '10',
    '-T',
    '2s',
    '--json',
    '-',
  ]);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stderr, /listening on 127\.0\.0\.1:\d+ \(-l: the built-in server, echoing\)/);
  const r = json(run.stdout).result;
  assert.is(r.status.established, 10);
  assert.ok(r.traffic.bytesReceived > 0, 'it echoes');
  const tls = await runCliHere(['-l', '0', '-c', '3', '-s', '0', '--tls', '-q']);
  assert.is(tls.code, 0, `trusts its own test certificate: ${tls.stdout}${tls.stderr}`);
  const ramp = await runCliHere([
    '-l',
    '0',
    '--ramp',
    '100/s',
    '--round',
    '200ms',
    '--max-connections',
    '20',
    '--settle',
    '100ms',
    '-q',
  ]);
  assert.is(ramp.code, 0, ramp.stdout + ramp.stderr);
  const bad = await runCliHere(['-l', 'x']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^goon-probe: -l\/--listen-port "x" is not a port; use a number from 0 to 65535\n$/);
});

test.run();
