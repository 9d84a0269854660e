// The native engine built with AddressSanitizer and UndefinedBehaviorSanitizer (issue 27), driven
// through hostile targets in child processes (test/helpers/nativeScenarios.ts; one runs every scenario
// but the open-file limit, which has its own): a 10 MB banner,
// binary garbage, resets, a source address that cannot be bound, the open-file limit, churn with shedding
// and stopping, --send/--expect against every kind of reply, and a peer that never reads. Each gives the failure kinds the TypeScript engine gives, and no sanitizer report.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoPath } from '../helpers/repoPath.js';

const ADDON = repoPath('build', 'native-asan', 'goon-probe-engine.node');
const fromSource = import.meta.url.endsWith('.ts');
const SCRIPT = fileURLToPath(new URL(`../helpers/nativeScenarios.${fromSource ? 'ts' : 'js'}`, import.meta.url));

/** The sanitizer runtimes to preload into node (the addon is instrumented, node is not). */
function runtimes(): string {
  const lib = (name: string) =>
    spawnSync('cc', [`-print-file-name=${name}`])
      .stdout.toString()
      .trim();
  return `${lib('libasan.so')} ${lib('libubsan.so')}`;
}

// biome-ignore lint/suspicious/noExplicitAny: a scenario's JSON, read loosely
type Observed = Record<string, any>;

/**
 * Runs the scenarios one after another in one node process under the sanitizers (under `ulimit -n
 * fdLimit` when given), and returns what each observed, by name. A sanitizer report or a crash fails
 * every scenario of the process, naming the last one that finished.
 */
function scenarios(names: readonly string[], fdLimit?: number): Map<string, Observed> {
  const node = [process.execPath, '--expose-gc', ...(fromSource ? ['--import', 'tsx'] : []), SCRIPT, ADDON, ...names];
  const [command, ...args] =
    fdLimit === undefined ? node : ['/bin/sh', '-c', `ulimit -n ${fdLimit} && exec "$@"`, 'sh', ...node];
  const run = spawnSync(command as string, args, {
    env: {
      ...process.env,
      LD_PRELOAD: runtimes(),
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1',
      UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
    },
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const stderr = run.stderr.toString();
  const observed = new Map<string, Observed>();
  for (const line of run.stdout.toString().split('\n'))
    if (line.startsWith('{')) {
      const { scenario, result } = JSON.parse(line) as { scenario: string; result: Observed };
      observed.set(scenario, result);
    }
  const after = `after ${[...observed.keys()].at(-1) ?? 'no scenario'}`;
  assert.not.match(stderr, /AddressSanitizer|runtime error:|LeakSanitizer/, `a sanitizer report ${after}: ${stderr}`);
  assert.is(run.status, 0, `exited ${run.status} (${run.signal}) ${after}: ${stderr.slice(-2000)}`);
  return observed;
}

const SHARED = [
  'banner-10mb',
  'malformed',
  'reset',
  'bind-fails',
  'expect',
  'expect-overflow',
  'messages',
  'never-reads',
  'churn',
] as const;
/** What the shared process observed, by scenario, or why it failed; run once, before the tests. */
type Shared = Map<string, Observed> | Error | null;
const test = suite<{ shared: Shared }>('engineSanitizers', { shared: null });

/** What the scenario observed in the shared process; throws its failure, which fails every test of it. */
function observedIn(shared: Shared, name: (typeof SHARED)[number]): Observed {
  if (shared instanceof Error) throw shared;
  const observed = shared?.get(name);
  assert.ok(observed, `no result from ${name}`);
  return observed as Observed;
}

test.before((context) => {
  // Built here, not at install: the sanitizers cost time and only the tests need them.
  const built = spawnSync(process.execPath, [repoPath('scripts', 'buildNative.mjs'), '--sanitize'], {
    encoding: 'utf8',
  });
  assert.ok(built.status === 0 && existsSync(ADDON), `the sanitizer build failed: ${built.stderr}`);
  try {
    context.shared = scenarios(SHARED);
  } catch (err) {
    context.shared = err as Error;
  }
});

test('a 10 MB banner on every connection: read through, closed counted, 200 bytes kept as evidence', ({ shared }) => {
  const r = observedIn(shared, 'banner-10mb');
  assert.equal([r.established, r.dropped, r.failed, r.bytesReceived], [6, 6, 0, 6 * 10 * 1024 * 1024]);
  assert.equal(r.failures, { closed: 6 });
  assert.is(r.evidence.closed.bytes, '\xfe'.repeat(200));
});

test('binary garbage with NULs: held, and the first bytes served kept exactly', ({ shared }) => {
  const r = observedIn(shared, 'malformed');
  assert.equal([r.live.held, r.failed, r.dropped], [30, 0, 0]);
  assert.is(r.servedBytes, '\x00\xff\r\n\x00\x80A');
});

test('resets: the reset kind, with the error as evidence', ({ shared }) => {
  const r = observedIn(shared, 'reset');
  assert.equal(r.failures, { reset: 25 });
  assert.match(r.evidence.reset.message, /^(connect|read) ECONNRESET$/);
});

test('a source address the dial cannot bind: counted per source with the error, nothing sent', ({ shared }) => {
  const r = observedIn(shared, 'bind-fails');
  assert.equal(r.failed, 5);
  assert.equal([r.bySource['::1'].attempts, r.bySource['::1'].failed], [5, 5]);
  assert.match(r.evidence[Object.keys(r.failures)[0] as string].message, /^connect E[A-Z]+ 127\.0\.0\.1:\d+$/);
});

test('the open-file limit: fd-limit for every dial past it, the rest held', () => {
  const r = scenarios(['fd-limit'], 60).get('fd-limit') as Observed;
  assert.ok(r.failures['fd-limit'] > 100, JSON.stringify(r.failures));
  assert.is(r.failed + r.established, 200);
  assert.match(r.evidence['fd-limit'].message, /^connect EMFILE 127\.0\.0\.1:\d+$/);
});

test('--send/--expect: served in pieces; mismatches by close, by overflow and by reset; reply timeouts answered late or never', ({
  shared,
}) => {
  const r = observedIn(shared, 'expect');
  assert.equal([r.live.held, r.established], [5, 30]);
  assert.equal(r.failures, { 'verify-mismatch': 15, 'verify-timeout': 10 });
  assert.equal([r.late.watched, r.late.answered, r.late.listening], [10, 5, 5]);
  assert.ok(
    r.late.delaysMs.every((ms: number) => ms > 0 && ms < 2000),
    JSON.stringify(r.late.delaysMs),
  );
  assert.is(r.bytesSent, 30 * 5, 'each connection wrote --send once');
  assert.ok(
    ['nope\n', 'A'.repeat(200), 'xx'].includes(r.evidence['verify-mismatch'].bytes),
    JSON.stringify(r.evidence['verify-mismatch']),
  );
});

test('a reply that never holds --expect: a mismatch at 4,096 bytes kept, the first 200 as evidence', ({ shared }) => {
  const r = observedIn(shared, 'expect-overflow');
  assert.equal(r.failures, { 'verify-mismatch': 4 });
  assert.equal(r.evidence['verify-mismatch'], { message: 'no whole reply within 4096 bytes', bytes: 'A'.repeat(200) });
});

test('--message at a rate, its marker split over reads; then copies as fast as a silent server takes them', ({
  shared,
}) => {
  const r = observedIn(shared, 'messages');
  assert.equal([r.failed, r.dropped, r.live.held], [0, 0, 10]);
  assert.ok(r.markers >= 100, `${r.markers} marker latencies`);
  assert.is(r.bytesSent % 13, 0, 'copies are counted whole');
  assert.equal([r.flood.failed, r.flood.dropped, r.flood.held], [0, 0, 5]);
  assert.ok(r.flood.bytesSent > 13 * 1000, `${r.flood.bytesSent} bytes written before the socket filled`);
});

test('a peer that never reads a 16 MB --send: written as far as it takes, then the reply times out', ({ shared }) => {
  const r = observedIn(shared, 'never-reads');
  assert.equal(r.failures, { 'verify-timeout': 3 });
  assert.ok(r.bytesSent > 0 && r.bytesSent < 3 * 16 * 1024 * 1024, `${r.bytesSent} bytes sent`);
});

test('churn at open and every 30 ms, shedding, cancelling, stopping twice and reading after', ({ shared }) => {
  const r = observedIn(shared, 'churn');
  assert.ok(r.zeroRecycled >= 200 && r.recycled >= 120, `${r.zeroRecycled} ${r.recycled}`);
  assert.equal([r.failed, r.dropped, r.shedReturned, r.shed], [0, 0, 40, 40]);
  assert.equal(r.afterLive, { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 0 });
});

test.run();
