// Issue 16: one capacity probe from several hosts. Network namespaces are the hosts (addresses from
// 198.18.0.0/15 that exist only inside them); every goon-probe process runs inside one, and the
// namespaces are deleted at the end whatever happens.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTestHosts, whyNoNamespaces, type TestHosts } from '../helpers/netns.js';
import { runCliHere } from '../helpers/runCliHere.js';

const LIMIT = 1250;
const PORTS = '50000 50499'; // 500 ephemeral ports for the host that runs alone
// 1,000 for each segment's host: its share of a round's target (500 at round 2) leaves room for reopens.
const SEGMENT_PORTS = '50000 50999';
// Served connections get a banner the probe waits for: on a busy machine the target may close an
// over-limit connection later than --settle, and an open one it never served must not count.
const COMMON = ['--expect', 'hi', '--settle', '600ms', '--workers', '1', '-y', '--json', '-', '-q'];
// Alone: rounds of 2 s leave a 600 ms settle room to see a late accept-and-close on a busy machine.
const RAMP = ['--ramp', '250/s', '--round', '2s', ...COMMON];
// Split three ways, at 750/s in rounds of 1 s: the limit falls two thirds into round 2, and the last
// connections before it settle only after that round's end. The merge counts the settle sample
// after the failing round, as a single run counts its final settle (issue 23).
const SPLIT = ['--ramp', '750/s', ...COMMON];

const lastJson = (stdout: string): { result: Record<string, unknown> } & Record<string, unknown> =>
  JSON.parse(stdout.trim().split('\n').at(-1) as string);

const skip = whyNoNamespaces();

test('several hosts: one host alone is prober-limited; three segments merge to the exact limit', async () => {
  if (skip) {
    console.log(`  skipped: ${skip}`);
    return;
  }
  // Four prober hosts: the one that runs alone keeps its closed ports in TIME_WAIT for a minute, so
  // the three segments run on the other three.
  const hosts: TestHosts = makeTestHosts(4);
  const [p0, p1, p2, alone] = hosts.probers as [string, string, string, string];
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-hosts-'));
  try {
    for (const ns of hosts.probers)
      hosts.run(ns, ['sysctl', '-qw', `net.ipv4.ip_local_port_range=${ns === alone ? PORTS : SEGMENT_PORTS}`]);
    const serve = hosts.goonProbe(hosts.target, [
      'serve',
      '--host',
      hosts.targetAddress,
      '--max-connections',
      String(LIMIT),
      '--over-limit',
      'close',
      '--banner',
      'hi\\n',
      '-y',
    ]);
    const address = (await serve.waitFor(/listening on (198\.18\.0\.1:\d+)/))[1] as string;

    // One host alone: 500 ports to one ip:port, so the prober's own limit comes first.
    const aloneRun = await hosts.goonProbe(alone, [address, ...RAMP, '--max-duration', '6s']).done;
    const told = (run: { stdout: string; stderr: string }): string => {
      try {
        const r = lastJson(run.stdout).result as { rounds: Array<Record<string, unknown>>; failures: unknown };
        return `${run.stderr}\n${JSON.stringify({ failures: r.failures, rounds: r.rounds.map((x) => [x.target, x.held, x.settling, x.unverified, x.attempts, x.failures]) })}`;
      } catch {
        return run.stderr + run.stdout.slice(-2000);
      }
    };
    assert.is(aloneRun.code, 3, told(aloneRun));
    const single = lastJson(aloneRun.stdout).result;
    assert.is(single.verdict, 'prober-limited');
    assert.ok(
      ((single.failures as Record<string, number>)['addr-unavailable'] ?? 0) > 0,
      JSON.stringify(single.failures),
    );
    // The native engine meets the same port limit with the same kind (issue 27).
    const nativeRun = await hosts.goonProbe(alone, [address, ...RAMP, '--max-duration', '6s', '--engine', 'native'])
      .done;
    assert.is(nativeRun.code, 3, told(nativeRun));
    const native = lastJson(nativeRun.stdout).result;
    assert.equal(
      [native.verdict, ((native.failures as Record<string, number>)['addr-unavailable'] ?? 0) > 0],
      ['prober-limited', true],
    );

    // Three hosts, one plan split three ways, one shared start.
    // The lead must cover starting three CLIs on a busy machine; a segment that still starts late
    // joins at a later round, and then the merge must say so rather than give a number.
    const startAt = new Date(Date.now() + 5000).toISOString();
    const segments = await Promise.all(
      [p0, p1, p2].map(
        (ns, i) =>
          hosts.goonProbe(ns, [address, ...SPLIT, '--max-duration', '6s', '--segment', `${i}/3`, '--start-at', startAt])
            .done,
      ),
    );
    const files = segments.map((run, i) => {
      const file = join(dir, `segment-${i}.json`);
      writeFileSync(file, `${run.stdout.trim().split('\n').at(-1)}\n`);
      return file;
    });
    for (const run of segments) assert.ok(lastJson(run.stdout).segment, run.stderr);
    const hostsSeen = segments.map((run) => (lastJson(run.stdout).result.maximum as number) < LIMIT);
    assert.equal(hostsSeen, [true, true, true], 'no host alone saw the limit');

    // The records are files on this machine: merge them here, in this process (merge sends no traffic).
    const merge = (args: string[]) => runCliHere(['merge', ...args]);
    const merged = await merge([...files, '--format', 'json']);
    assert.is(merged.code === 1 ? merged.stderr : '', '', 'merge took the records');
    const record = JSON.parse(merged.stdout);
    const late = segments.filter(
      (run) => (lastJson(run.stdout).result.segment as { joinedAtRound: number }).joinedAtRound > 1,
    );
    if (late.length > 0 && record.result.verdict !== 'limit-found') {
      // Too busy to start within the lead: the merge must not stand behind the sums.
      assert.equal([record.result.verdict, merged.code], ['inconclusive', 3]);
      assert.match(
        merged.stderr + JSON.stringify(record.result.warnings),
        /started after the shared start and joined at round/,
      );
      return;
    }
    assert.equal(
      [record.result.maximum, record.result.verdict, merged.code],
      [LIMIT, 'limit-found', 0],
      `${merged.stderr}${JSON.stringify(record.result.rounds.map((r: { held: number }) => r.held))}\n${segments
        .map((run) => {
          const r = lastJson(run.stdout).result as {
            maximum: number;
            finalHeld: number;
            rounds: Record<string, unknown>[];
          };
          return `segment max ${r.maximum} final ${r.finalHeld} rounds ${JSON.stringify(r.rounds.map((x) => [x.target, x.held, x.settling, x.unverified, x.dialing, x.failures]))}`;
        })
        .join('\n')}`,
    );
    assert.is(record.diagnosis.side, 'target');
    // The segments' connect distributions add up to the run's: every connect of every host counts.
    const connects = segments.map((run) => (lastJson(run.stdout).result.connect as { count: number }).count);
    assert.is(
      record.result.connect?.count,
      connects.reduce((a, b) => a + b, 0),
      JSON.stringify(connects),
    );
    assert.match(record.diagnosis.cause, new RegExp(`past ${LIMIT} connections the target accepts, then closes`));
    assert.equal(
      record.segment.segments.map((s: { index: number }) => s.index),
      [0, 1, 2],
    );
    assert.is((await merge([...files, '--min-concurrency', '1000'])).code, 0);
    assert.is((await merge([...files, '--min-concurrency', '1500'])).code, 2);

    // One segment's record left out: inconclusive, naming it.
    const short = await merge([files[0] as string, files[2] as string]);
    assert.is(short.code, 3);
    assert.match(short.stdout, /segment 1\/3 is missing/);
    // A record of another run: refused.
    const other = join(dir, 'other.json');
    const moved = JSON.parse(readFileSync(files[1] as string, 'utf8'));
    moved.segment.runId = 'another-run';
    writeFileSync(other, JSON.stringify(moved));
    const refused = await merge([files[0] as string, other, files[2] as string]);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /different runs/);
    serve.child.kill('SIGINT');
    await serve.done;
  } finally {
    hosts.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
