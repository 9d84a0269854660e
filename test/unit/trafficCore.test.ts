import { test } from 'uvu';
import { reading } from '../helpers/reading.js';
import * as assert from 'uvu/assert';
import { buildProbeConfig, parsePercentiles } from '../../src/config/probeConfig.js';
import { emptyLatency } from '../../src/fleet/fleetReading.js';
import {
  emptyHistogram,
  histogramPercentile,
  histogramSince,
  histogramSummary,
  mergeHistograms,
  recordLatency,
} from '../../src/stats/latencyHistogram.js';
import { summarize } from '../../src/stats/summarize.js';
import { scanForMarker } from '../../src/fleet/markerScanner.js';
import { messagesDue } from '../../src/fleet/messagePlan.js';
import { pace } from '../../src/fleet/pacer.js';
import { prometheusText, statsdLines, statsdPackets } from '../../src/report/metricsText.js';
import { formatLatency, trafficLines } from '../../src/report/trafficText.js';
import { summarizeTraffic } from '../../src/probe/trafficSummary.js';
import { formatBytes, parseBandwidth, parseDuration, parseRate } from '../../src/units.js';

test('multipliers: tcpkali rates, bandwidths and times', () => {
  assert.is(parseRate('5k', '--message-rate', 'messages'), 5000);
  assert.is(parseRate('100/100ms', '--connect-rate'), 1000);
  assert.is(parseRate('2.5k/s', '--connect-rate'), 2500);
  assert.is(parseBandwidth('100kbps', '--channel-bandwidth'), 12_500);
  assert.is(parseBandwidth('10Mbps', '--channel-bandwidth'), 1_250_000);
  assert.is(parseBandwidth('1Gbps', '--channel-bandwidth'), 125_000_000);
  assert.is(parseBandwidth('500kBps', '--channel-bandwidth'), 500_000);
  assert.is(parseBandwidth('2MBps', '--channel-bandwidth'), 2_000_000);
  assert.is(parseBandwidth('64Bps', '--channel-bandwidth'), 64);
  assert.throws(
    () => parseBandwidth('10M', '--channel-bandwidth'),
    /--channel-bandwidth "10M" is not a bandwidth; use bits per second \(100kbps, 10Mbps\) or bytes per second/,
  );
  assert.throws(() => parseRate('fast', '--message-rate', 'messages'), /use messages per time/);
  assert.equal(
    ['250ms', '2s', '3m', '1h', '1d'].map((t) => parseDuration(t, '-T', 's')),
    [250, 2000, 180_000, 3_600_000, 86_400_000],
  );
  assert.equal([999, 1500, 2_250_000, 1.2e9].map(formatBytes), ['999 B', '1.5 kB', '2.25 MB', '1.2 GB']);
});

test('histogram: percentiles within 2% of the exact ones, merged and differenced by buckets', () => {
  const h = emptyHistogram();
  for (let i = 1; i <= 10_000; i++) recordLatency(h, i / 100); // 0.01 .. 100 ms, uniform
  for (const [p, exact] of [
    [50, 50],
    [95, 95],
    [99, 99],
    [99.9, 99.9],
  ] as const) {
    const got = histogramPercentile(h, p) as number;
    assert.ok(Math.abs(got - exact) / exact <= 0.02, `p${p}: ${got} vs ${exact}`);
  }
  assert.equal([h.count, h.min, h.max], [10_000, 0.01, 100]);
  assert.is(histogramPercentile(emptyHistogram(), 50), null);
  const a = emptyHistogram();
  const b = emptyHistogram();
  recordLatency(a, 1);
  recordLatency(b, 3);
  recordLatency(b, 5);
  const merged = mergeHistograms([a, b]);
  assert.equal([merged.count, merged.min, merged.max, merged.sum], [3, 1, 5, 9]);
  const since = histogramSince(merged, a);
  assert.is(since.count, 2);
  assert.ok(Math.abs((histogramPercentile(since, 1) as number) - 3) < 0.06, 'only what came after');
});

test("histogram summary: count, min, max, mean and deviation exact, percentiles within 2% (tcpgoon's connect line)", () => {
  const values = Array.from({ length: 5000 }, (_, i) => 0.2 + ((i * 7919) % 5000) / 250); // 0.2 .. 20.2 ms, shuffled
  const h = emptyHistogram();
  for (const ms of values) recordLatency(h, ms);
  const got = histogramSummary(h) as NonNullable<ReturnType<typeof histogramSummary>>;
  const exact = summarize(values) as NonNullable<ReturnType<typeof summarize>>;
  assert.equal([got.count, got.min, got.max], [exact.count, exact.min, exact.max]);
  for (const key of ['avg', 'dev'] as const)
    assert.ok(Math.abs(got[key] - exact[key]) < 1e-9, `${key}: ${got[key]} vs ${exact[key]}`);
  for (const key of ['p50', 'p90', 'p99'] as const)
    assert.ok(Math.abs(got[key] - exact[key]) / exact[key] <= 0.02, `${key}: ${got[key]} vs ${exact[key]}`);
  assert.is(histogramSummary(emptyHistogram()), null);
  const since = histogramSince(h, emptyHistogram());
  assert.equal([since.min, since.max], [exact.min, exact.max], 'since an empty reading: the extremes stay exact');
});

test('marker: counted across chunk boundaries, never twice', () => {
  const marker = Buffer.from('PONG');
  let scan = scanForMarker(marker, null, Buffer.from('xxPONGyyPO'));
  assert.is(scan.found, 1);
  scan = scanForMarker(marker, scan.carry, Buffer.from('NGPONG'));
  assert.is(scan.found, 2, 'the split one and the next');
  scan = scanForMarker(marker, scan.carry, Buffer.from('G'));
  assert.is(scan.found, 0, 'the tail of a found marker is not reused');
  assert.ok((scan.carry?.length ?? 0) <= 3);
});

test('message plan: first at once, then the rate or the bandwidth, whichever is fewer', () => {
  assert.is(messagesDue({ messageBytes: 10, ratePerSec: 100 }, 0), 1);
  assert.is(messagesDue({ messageBytes: 10, ratePerSec: 100 }, 1000), 101);
  assert.is(messagesDue({ messageBytes: 100, bandwidthBytesPerSec: 1000 }, 1000), 11);
  assert.is(messagesDue({ messageBytes: 100, ratePerSec: 5, bandwidthBytesPerSec: 1000 }, 1000), 6);
  assert.is(messagesDue({ messageBytes: 100 }, 1000), Number.POSITIVE_INFINITY);
});

test('pacer: starts spaced at the rate, no burst after an idle spell', () => {
  let state = { nextAtMs: Number.NEGATIVE_INFINITY };
  let step = pace(state, 0, 100, 50);
  assert.is(step.release, 1, 'one at once');
  state = step.pacer;
  step = pace(state, 5, 100, 50);
  assert.is(step.release, 0, 'the next 10 ms later');
  step = pace(state, 100, 100, 50);
  assert.is(step.release, 1, 'after 100 ms idle, no saved-up burst');
  assert.is(pace({ nextAtMs: 0 }, 20, 1000, 50).release, 10, 'at 1000/s, a 10 ms sweep starts ten');
  assert.is(pace({ nextAtMs: 0 }, 20, 100_000, 5).release, 5, 'never more than are waiting');
});

test('traffic summary: bytes and bandwidth between readings; report lines', () => {
  const latency = emptyLatency();
  recordLatency(latency.connect, 2);
  recordLatency(latency.marker, 7);
  const t = summarizeTraffic(
    reading({ atMs: 1000 }),
    reading({ atMs: 3000, bytesSent: 4000, bytesReceived: 2000, latency }),
    [50, 99],
  );
  assert.equal([t.elapsedMs, t.sentPerSec, t.receivedPerSec], [2000, 2000, 1000]);
  assert.equal(t.connect?.count, 1);
  assert.is(t.firstByte, null);
  const lines = trafficLines(t);
  assert.is(lines[0], 'Traffic: sent 4 kB (2 kB/s), received 2 kB (1 kB/s)');
  assert.match(lines[1] ?? '', /^Latency percentiles: connect p50 2\.0ms, p99 2\.0ms \(n 1, max 2\.0ms\)$/);
  assert.match(lines[2] ?? '', /^ {2}marker p50 7\.0ms/);
  assert.is(formatLatency(null, [50]), 'n/a');
  const ramp = trafficLines(t, { connect: false });
  assert.equal(ramp.length, 2, 'a report that states connect latency already gets no second line of it');
  assert.match(ramp[1] ?? '', /^Latency percentiles: marker p50 7\.0ms/);
});

test('statsd: gauges now, counters of the interval, percentiles as gauges; packets under the MTU', () => {
  const before = reading({ established: 10, bytesSent: 100, failures: { refused: 1 } });
  const latency = emptyLatency();
  recordLatency(latency.connect, 1.5);
  const after = reading({
    live: { queued: 1, dialing: 2, unverified: 3, settling: 4, held: 5 },
    established: 25,
    failed: 3,
    bytesSent: 600,
    bytesReceived: 50,
    failures: { refused: 3, timeout: 1 },
    latency,
  });
  const lines = statsdLines(before, after, 'gp', [50, 99.9]);
  for (const line of [
    'gp.connections.open:12|g',
    'gp.connections.held:5|g',
    'gp.connections.dialing:3|g',
    'gp.connections.established:15|c',
    'gp.traffic.sent:500|c',
    'gp.traffic.received:50|c',
    'gp.failures.refused:2|c',
    'gp.failures.timeout:1|c',
  ]) {
    assert.ok(lines.includes(line), `${line} in ${lines.join(' ')}`);
  }
  assert.ok(lines.some((l) => /^gp\.latency\.connect\.p99_9:1\.5\d*\|g$/.test(l)));
  const packets = statsdPackets(
    Array.from({ length: 100 }, (_, i) => `goon-probe.metric${i}:1|c`),
    200,
  );
  assert.ok(packets.every((p) => p.length <= 200));
  assert.is(packets.join('\n').split('\n').length, 100, 'every line, none split');
});

test('prometheus: text exposition with connections, totals and latency summaries', () => {
  const latency = emptyLatency();
  recordLatency(latency.connect, 2);
  const text = prometheusText(
    reading({
      live: { queued: 0, dialing: 1, unverified: 0, settling: 0, held: 7 },
      established: 9,
      bytesSent: 42,
      failures: { reset: 2 },
      latency,
    }),
    [50, 99],
  );
  assert.match(text, /^# TYPE goon_probe_connections gauge$/m);
  assert.match(text, /^goon_probe_connections\{state="held"\} 7$/m);
  assert.match(text, /^goon_probe_connections_established_total 9$/m);
  assert.match(text, /^goon_probe_failures_total\{kind="reset"\} 2$/m);
  assert.match(text, /^goon_probe_bytes_sent_total 42$/m);
  assert.match(text, /^goon_probe_connect_latency_seconds\{quantile="0.99"\} 0.002$/m);
  assert.match(text, /^goon_probe_connect_latency_seconds_count 1$/m);
});

test('traffic flags: parsed, and bad values or combinations get one line naming the fix', () => {
  const none = (): Buffer => {
    throw Object.assign(new Error('no'), { code: 'ENOENT' });
  };
  const c = buildProbeConfig(
    {
      message: 'ping\\n',
      messageRate: '2k',
      channelBandwidth: '1Mbps',
      latencyMarker: 'pong',
      connectRate: '500',
      latencyPercentiles: '99,50',
      tls: true,
      sni: 'db.example',
    },
    ['127.0.0.1:1'],
    none,
  );
  assert.equal(
    [
      c.message?.toString(),
      c.messageRatePerSec,
      c.bandwidthBytesPerSec,
      c.latencyMarker?.toString(),
      c.connectRatePerSec,
      c.latencyPercentiles,
    ],
    ['ping\n', 2000, 125_000, 'pong', 500, [50, 99]],
  );
  assert.equal(c.transport, { kind: 'tls', tls: { servername: 'db.example', insecure: false, ca: undefined } });
  assert.equal(buildProbeConfig({ websocket: true, wsPath: '/ws' }, ['localhost:80'], none).transport, {
    kind: 'websocket',
    path: '/ws',
    host: 'localhost:80',
    tls: undefined,
  });
  assert.equal(buildProbeConfig({ statsd: true }, ['127.0.0.1:1'], none).statsd, {
    host: '127.0.0.1',
    port: 8125,
    namespace: 'goon-probe',
  });
  assert.equal(
    buildProbeConfig({ statsdPort: '9125' }, ['127.0.0.1:1'], none).statsd?.port,
    9125,
    'a --statsd-* flag turns StatsD on',
  );
  assert.is(
    buildProbeConfig({ connectRate: '100' }, ['127.0.0.1:1'], none).sleepMs,
    0,
    'fixed mode asks for all at once; the fleet paces',
  );
  const bad: [Record<string, string | boolean>, RegExp][] = [
    [{ messageRate: '10' }, /^--message-rate paces or times --message, which is not given; add --message STR/],
    [{ latencyMarker: 'x' }, /^--latency-marker paces or times --message/],
    [{ message: 'a', messageFile: 'f' }, /^--message and --message-file both given; use one of them$/],
    [{ send: 'a', firstMessage: 'b' }, /^--send and --first-message both given/],
    [{ message: '' }, /^--message is empty/],
    [{ message: 'x', channelBandwidth: 'lots' }, /^--channel-bandwidth "lots" is not a bandwidth/],
    [{ connectRate: '10', sleep: '5' }, /^-s\/--sleep and --connect-rate both pace the dials; use one of them$/],
    [{ latencyPercentiles: '50,101' }, /^--latency-percentiles "50,101" is not a list of percentiles/],
    [{ insecure: true }, /^--insecure applies to TLS; add --tls \(or use a TLS scheme such as rediss:\/\/\)$/],
    [{ ca: 'ca.pem' }, /^--ca applies to TLS; add --tls \(or use a TLS scheme such as rediss:\/\/\)$/],
    [{ tls: true, ca: 'missing.pem' }, /^--ca "missing.pem" cannot be read \(ENOENT\); give a PEM file/],
    [{ wsPath: '/x' }, /^--ws-path applies to WebSocket; add --websocket$/],
    [{ websocket: true, wsPath: 'x' }, /^--ws-path "x" is not a path; start it with \//],
    [{ statsdNamespace: 'a b' }, /^--statsd-namespace "a b" has characters StatsD does not allow/],
    [{ statsd: true, statsdPort: '99999' }, /^--statsd-port "99999" is not a port/],
    [{ metricsPort: 'x' }, /^--metrics-port "x" is not a port/],
  ];
  for (const [raw, message] of bad)
    assert.throws(() => buildProbeConfig(raw, ['127.0.0.1:1'], none), message, JSON.stringify(raw));
  assert.equal(parsePercentiles('99.9, 50,50'), [50, 99.9]);
});

test.run();
