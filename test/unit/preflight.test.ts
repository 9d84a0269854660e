// Preflight arithmetic and the doctor's text, on plain numbers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { workersFor, preflight, runReach } from '../../src/probe/preflight.js';
import { renderDoctor } from '../../src/report/doctorText.js';
import type { ProberEnvironment } from '../../src/probe/environment.js';
import { buildProbeConfig } from '../../src/config/probeConfig.js';
import { countTimeWait, parseTimeWait, procAddress, readHostTimeWait } from '../../src/probe/timeWait.js';

const env = (over: Partial<ProberEnvironment> = {}): ProberEnvironment => ({
  node: 'v20.0.0',
  os: 'Linux 6 x64',
  cpus: 2,
  fdLimit: { soft: 20_000, hard: 20_000 },
  ephemeralPorts: { low: 32768, high: 60999 },
  sourceAddresses: [],
  ...over,
});
const config = (raw: Record<string, string>) => buildProbeConfig(raw, ['127.0.0.1:6379'], () => Buffer.alloc(0));

test('runReach: how many connections a run can ask for', () => {
  const cases: Array<[Record<string, string>, number | null]> = [
    [{ ramp: '100/s' }, 6000], // 60 s default at 100/s
    [{ ramp: '1k/s', maxDuration: '10s', from: '500' }, 10_500], // from --from
    [{ ramp: '1k/s', maxConnections: '2000' }, 2000], // capped
    [{ ramp: '1k/s', minConcurrency: '300' }, 300], // a gate caps the ramp
    [{ ramp: '1k/s', minConcurrency: '300', findMax: 'x' }, 60_000], // unless --find-max
    [{ connections: '250' }, 250], // fixed mode: N
  ];
  for (const [raw, reach] of cases) {
    const c = config(
      Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, k === 'findMax' ? true : v])) as Record<
        string,
        string
      >,
    );
    assert.is(runReach(c), reach, JSON.stringify(raw));
  }
});

test('preflight: capacity and a fix for every limit the run can hit', () => {
  const fine = preflight(env(), { reach: 5000, destinations: 1, sources: 0 });
  assert.equal([fine.fdCapacity, fine.portCapacity, fine.capacity, fine.warnings], [19_936, 28_232, 19_936, []]);
  const fds = preflight(env({ fdLimit: { soft: 1024, hard: 524_288 } }), { reach: 5000, destinations: 1, sources: 0 });
  assert.match(
    fds.warnings[0] ?? '',
    /can reach 5000 connections but this process can hold about 960 \(open-file limit 1024\); fix: ulimit -n 5064, or --workers 6 \(every shard process has its own limit\)$/,
  );
  const hard = preflight(env({ fdLimit: { soft: 1024, hard: 1024 } }), { reach: 5000, destinations: 1, sources: 0 });
  assert.match(
    hard.warnings[0] ?? '',
    /raise the hard limit to at least 5064 \(nofile in \/etc\/security\/limits\.conf, LimitNOFILE=/,
  );
  const ports = preflight(env({ fdLimit: { soft: null, hard: null } }), { reach: 40_000, destinations: 1, sources: 0 });
  assert.equal([ports.fdCapacity, ports.capacity], [null, 28_232], 'unlimited fds: ports are the limit');
  assert.match(
    ports.warnings[0] ?? '',
    /one source address to one destination has 28232 ephemeral ports \(ip_local_port_range 32768-60999\); fix: sysctl -w net\.ipv4\.ip_local_port_range="1024 65535"/,
  );
  const two = preflight(env({ fdLimit: null }), { reach: 40_000, destinations: 2, sources: 0 });
  assert.is(two.portCapacity, 56_464, 'two destinations double the ports');
  assert.match(
    two.warnings[0] ?? '',
    /reach 40000 connections on 2 source\/destination pairs; past about 14000 on each the kernel's port search slows/,
  );
  const bound = preflight(env({ fdLimit: null }), { reach: 40_000, destinations: 4, sources: 2, workers: 3 });
  assert.is(bound.portCapacity, 56_464, 'a bound source shares its ports across destinations');
  assert.match(
    bound.warnings[0] ?? '',
    /on 2 bound source addresses; past about 7000 on each .* more source addresses \(--source-ip\)/,
  );
  const sharded = preflight(env({ fdLimit: { soft: 1024, hard: 1024 } }), {
    reach: 5000,
    destinations: 1,
    sources: 0,
    workers: 3,
  });
  assert.is(sharded.fdCapacity, 2880, 'every shard has its own open-file limit');
  assert.match(sharded.warnings[0] ?? '', /but 3 shard processes can hold about 2880 \(open-file limit 1024 each\)/);
  assert.is(workersFor(100_000, env()), 6, '100k over 19,936 per process');
  assert.is(workersFor(5000, env()), 1, 'small: in this process');
  assert.is(workersFor(10_000, env()), 2, 'larger: a shard per core');
  assert.is(workersFor(10_000_000, env()), 16, 'capped');
  assert.is(workersFor(null, env()), 2, 'unbounded: one per core');
  assert.equal(
    preflight(env({ fdLimit: null, ephemeralPorts: null }), { reach: null, destinations: 1, sources: 0 }).capacity,
    null,
  );
});

test('doctor text: the numbers, what holds the capacity back, and fixes only where needed', () => {
  const tuning = {
    fileMax: 9_000_000,
    nrOpen: 1_048_576,
    tcpTwReuse: 2,
    conntrackMax: null,
    somaxconn: 4096,
    tcpMaxSynBacklog: 2048,
  };
  const e = env({ fdLimit: { soft: 1_048_576, hard: 1_048_576 } });
  const text = renderDoctor({
    environment: e,
    tuning,
    preflight: preflight(e, { reach: null, destinations: 1, sources: 0 }),
    target: { given: 'redis:6379', dialed: '127.0.0.1:6379', source: '127.0.0.1' },
  });
  assert.match(
    text,
    /Capacity: +about 28232 connections to 127\.0\.0\.1:6379 from one source address, held back by the ephemeral ports/,
  );
  assert.match(text, /ok {3}ulimit -n \(hard\) = 1048576/);
  assert.match(text, /fix {2}net\.ipv4\.ip_local_port_range = 28232: sysctl -w/);
  assert.match(text, /fix {2}net\.ipv4\.tcp_tw_reuse = 2: sysctl -w net\.ipv4\.tcp_tw_reuse=1/);
  assert.match(text, /ok {3}net\.netfilter\.nf_conntrack_max: conntrack not loaded/);
});

// /proc/net/tcp as Linux writes it: one socket in TIME_WAIT (06) to 127.0.0.1:6379, one established
// (01) to it, one in TIME_WAIT elsewhere.
const PROC_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9C40 0100007F:18EB 06 00000000:00000000 03:00000F3C 00000000     0        0 0 3 0000000000000000
   1: 0100007F:9C41 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 81234 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C42 0100007F:1F90 06 00000000:00000000 03:00000F3C 00000000     0        0 0 3 0000000000000000`;

test('TIME_WAIT: addresses as /proc writes them, and the sockets to the target counted', () => {
  assert.is(procAddress({ host: '127.0.0.1', port: 6379 }), '0100007F:18EB');
  assert.is(procAddress({ host: '::1', port: 8080 }), '00000000000000000000000001000000:1F90');
  assert.is(procAddress({ host: '198.18.0.2', port: 80 }), '020012C6:0050');
  assert.is(parseTimeWait(PROC_TCP, [{ host: '127.0.0.1', port: 6379 }]), 1);
  assert.is(parseTimeWait(null, [{ host: '127.0.0.1', port: 6379 }]), 0, 'no /proc: nothing known');
  // Read in chunks, cut anywhere (a match split across two chunks included): the same counts.
  const bytes = Buffer.from(PROC_TCP.repeat(3), 'latin1');
  const both = [
    { host: '127.0.0.1', port: 6379 },
    { host: '127.0.0.1', port: 8080 },
  ];
  for (const size of [1, 7, 13, 64, 100_000]) {
    const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
      bytes.subarray(i * size, (i + 1) * size),
    );
    assert.is(countTimeWait(chunks, both), 6, `chunks of ${size}`);
  }
  assert.is(
    countTimeWait(
      [bytes],
      [
        { host: '127.0.0.1', port: 6379 },
        { host: '127.0.0.1', port: 6379 },
      ],
    ),
    3,
    'a destination named twice counts once',
  );
});

test('preflight: ports still in TIME_WAIT from an earlier run are named before the first dial, with the wait as the fix', () => {
  const small = env({ ephemeralPorts: { low: 40000, high: 40999 } });
  const tight = preflight(small, { reach: 900, destinations: 1, sources: 1, timeWait: 600 });
  assert.ok(
    tight.warnings.some((w) =>
      /600 ephemeral ports to the target are still in TIME_WAIT.*400 of 1000 are free.*addr-unavailable.*wait a minute/.test(
        w,
      ),
    ),
    tight.warnings.join('\n'),
  );
  const roomy = preflight(small, { reach: 300, destinations: 1, sources: 1, timeWait: 600 });
  assert.equal(roomy.warnings, [], 'enough ports are free for this run: nothing to say');
});

test("preflight: every socket is listed only when the host's TIME_WAIT total says the run could run short", () => {
  const small = env({ ephemeralPorts: { low: 40000, high: 40999 } });
  let reads = 0;
  const read = (): number => {
    reads++;
    return 600;
  };
  assert.equal(
    preflight(small, { reach: 300, destinations: 1, sources: 1, readTimeWait: read, timeWaitAtMost: 700 }).warnings,
    [],
  );
  assert.is(reads, 0, '300 + 700 fit in 1000 ports: /proc/net/tcp is not read');
  const tight = preflight(small, { reach: 900, destinations: 1, sources: 1, readTimeWait: read, timeWaitAtMost: 700 });
  assert.is(reads, 1);
  assert.match(tight.warnings.join('\n'), /600 ephemeral ports to the target are still in TIME_WAIT/);
  preflight(small, { reach: 300, destinations: 1, sources: 1, readTimeWait: read, timeWaitAtMost: null });
  assert.is(reads, 2, 'no host total known: read');
  assert.is(
    readHostTimeWait(() => 'sockets: used 7\nTCP: inuse 1 orphan 0 tw 10225 alloc 1 mem 344\n'),
    10225,
  );
  assert.is(
    readHostTimeWait(() => null),
    null,
  );
});

test.run();
