import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../src/cli/cliIO.js';
import { progressPrinter } from '../../src/cli/progressPrinter.js';
import type { RoundRecord } from '../../src/probe/result.js';

/** A CliIO that records what is written to stderr; no sockets involved. */
function recordingIO(stderrIsTTY: boolean): CliIO & { written: string[] } {
  const written: string[] = [];
  return {
    written,
    out: () => {},
    err: (text) => void written.push(text),
    stdoutIsTTY: false,
    stderrIsTTY,
    stdinIsTTY: false,
    columns: 60,
    env: {},
    confirm: async () => false,
    onInterrupt: () => () => {},
  };
}

const round = (n: number, failed = false): RoundRecord => ({
  round: n,
  atMs: n * 1000,
  target: n * 100,
  held: n * 100 - 5,
  settling: 5,
  unverified: 0,
  dialing: 0,
  attempts: 100,
  failures: failed ? { closed: 9 } : {},
  failed,
  connectP50Ms: 0.3,
  connectP99Ms: 1.2,
});
const live = { atMs: 1500, round: 2, target: 200, held: 120, settling: 30, unverified: 5, dialing: 10, failures: 0 };

test('TTY: one live line rewritten in place, clipped to the width; failed rounds stay; cleared at the end', () => {
  const io = recordingIO(true);
  const printer = progressPrinter(io, { quiet: false, intervalMs: 1000, roundMs: 1000 });
  printer.onProgress?.(live);
  printer.onRound(round(2));
  printer.onRound(round(3, true));
  printer.done();
  assert.ok(
    io.written.every((w) => w.startsWith('\r\u001b[2K')),
    'every write rewrites the line',
  );
  const liveWrites = io.written.filter((w) => !w.endsWith('\n'));
  assert.ok(
    liveWrites.every((w) => w.replace('\r\u001b[2K', '').length <= 59),
    'the live line never wraps',
  );
  assert.is(io.written.filter((w) => w.endsWith('\n')).length, 1, 'only the failed round is kept as its own line');
  assert.match(io.written.find((w) => w.endsWith('\n')) ?? '', /round 3 .*FAILED/);
  assert.is(io.written.at(-1), '\r\u001b[2K', 'the live line is cleared before the report');
});

test('no TTY: whole lines, at most one per interval, failed rounds always', () => {
  const io = recordingIO(false);
  const printer = progressPrinter(io, { quiet: false, intervalMs: 3000, roundMs: 1000 });
  assert.is(printer.onProgress, undefined, 'no live line');
  for (let n = 1; n <= 7; n++) printer.onRound(round(n, n === 5));
  assert.equal(
    io.written.map((w) => /^round (\d+)/.exec(w)?.[1]),
    ['1', '4', '5'],
    'rounds 1, 4 (interval), 5 (failed)',
  );
  assert.ok(io.written.every((w) => w.endsWith('\n') && !w.includes('\r')));
});

test('no TTY: rounds are spaced by their schedule, not by when they ended', () => {
  // 100 ms rounds, one line per 100 ms: every round, even when one ends late and the next on time.
  const io = recordingIO(false);
  const printer = progressPrinter(io, { quiet: false, intervalMs: 100, roundMs: 100 });
  const late = [0, 35, 0, 60, 0, 0, 80, 0, 0, 0];
  for (const [i, lateMs] of late.entries()) printer.onRound({ ...round(i + 1), atMs: (i + 1) * 100 + lateMs });
  assert.is(io.written.length, 10);
  // 100 ms rounds, one line per 500 ms: rounds 1, 6.
  const sparse = recordingIO(false);
  const every500 = progressPrinter(sparse, { quiet: false, intervalMs: 500, roundMs: 100 });
  for (let n = 1; n <= 10; n++) every500.onRound(round(n));
  assert.equal(
    sparse.written.map((w) => /^round (\d+)/.exec(w)?.[1]),
    ['1', '6'],
  );
});

test('quiet: nothing', () => {
  const io = recordingIO(true);
  const printer = progressPrinter(io, { quiet: true, intervalMs: 1000, roundMs: 1000 });
  printer.onRound(round(1, true));
  printer.done();
  assert.equal(io.written, []);
});

test('waiting for --start-at: on a TTY a countdown rewritten in place; elsewhere no live line', () => {
  const io = recordingIO(true);
  const printer = progressPrinter(io, {
    quiet: false,
    intervalMs: 1000,
    roundMs: 1000,
    startAtIso: '2026-12-02T10:00:00.000Z',
  });
  printer.onWaiting?.(42_000);
  printer.onWaiting?.(40_600);
  printer.done();
  assert.equal(io.written, [
    '\r\u001b[2Kwaiting until 2026-12-02T10:00:00.000Z  (in 42s)',
    '\r\u001b[2Kwaiting until 2026-12-02T10:00:00.000Z  (in 41s)',
    '\r\u001b[2K',
  ]);
  // At 30 columns the countdown stays; the time gives way.
  const narrow = { ...recordingIO(true), columns: 30 };
  progressPrinter(narrow, {
    quiet: false,
    intervalMs: 1000,
    roundMs: 1000,
    startAtIso: '2026-12-02T10:00:00.000Z',
  }).onWaiting?.(5000);
  assert.is(narrow.written[0], '\r\u001b[2K(in 5s)');
  const plain = progressPrinter(recordingIO(false), { quiet: false, intervalMs: 1000, roundMs: 1000, startAtIso: 'x' });
  assert.is(plain.onWaiting, undefined, 'a log gets the one line runProbe prints');
  const quiet = progressPrinter(recordingIO(true), { quiet: true, intervalMs: 1000, roundMs: 1000, startAtIso: 'x' });
  assert.is(quiet.onWaiting, undefined);
});

test.run();
