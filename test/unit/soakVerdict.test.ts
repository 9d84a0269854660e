// The soak's verdict (bench/soakVerdict.ts) on plain series: what `npm run bench -- soak` judges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { judgeSoak, keptLevel, soakVerdict, windowRange } from '../../bench/soakVerdict.js';
import { repoPath } from '../helpers/repoPath.js';

const MIN = 60_000;
/** A reading every 30 s for `minutes`, valued by `f(minute)`. */
const series = (minutes: number, f: (minute: number) => number) =>
  Array.from({ length: minutes * 2 + 1 }, (_, i) => ({ atMs: i * 30_000, value: f(i / 2) }));

test('flat: a GC sawtooth within a few percent is flat and does not climb', () => {
  const j = judgeSoak(series(60, (m) => 100 + (Math.round(m * 2) % 4) * 1.5));
  assert.ok(j?.flat && !j.climbing, JSON.stringify(j));
  assert.is(j?.points, 119);
});

test("the coordinator's leak of issue 28 (128 MB growing 5 MB a minute) is neither flat nor steady", () => {
  const j = judgeSoak(series(25, (m) => 128 + 5 * m));
  assert.ok(j && !j.flat && j.climbing, JSON.stringify(j));
});

test('a slow leak that stays within 10% over the hour still shows in the last third', () => {
  // 100 MB growing 0.15 MB a minute: 8.8% over the judged part, 2.7% across the last third.
  const j = judgeSoak(series(60, (m) => 100 + 0.15 * m));
  assert.ok(j?.flat, `spread ${j?.spread}`);
  assert.ok(j?.climbing, `rise ${j?.lastThirdRise}`);
});

test('collection peaks: a few readings 15% over the level are not growth; the kept level is flat', () => {
  // 70 MB with a peak of 81 MB every twelve minutes (a major collection's eve), as a Node process does.
  const j = judgeSoak(series(60, (m) => (Math.round(m * 2) % 24 === 5 ? 81 : 70)));
  assert.ok(j && j.spread > 0.1, `the raw spread is over 10%: ${j?.spread}`);
  assert.ok(j?.flat && !j.climbing, JSON.stringify(j));
  assert.equal([j?.keptLow, j?.keptHigh], [70, 70]);
});

test('a leak under a sawtooth raises the kept level: not flat', () => {
  // The retained 70 MB grows 0.2 MB a minute, with collection peaks of up to 8 MB on top.
  const j = judgeSoak(series(60, (m) => 70 + 0.2 * m + (Math.round(m * 2) % 5) * 2));
  assert.ok(j?.climbing, `rise ${j?.lastThirdRise}`);
  assert.ok(j && !j.flat, `kept spread ${j?.keptSpread}`);
});

test('keptLevel: the lowest reading in the window up to each one', () => {
  const points = [5, 3, 9, 9, 9, 9, 2, 8].map((value, i) => ({ atMs: i * 1000, value }));
  assert.equal(
    keptLevel(points, 2000).map((p) => p.value),
    [5, 3, 3, 3, 9, 9, 2, 2],
  );
});

test('keptLevel high: the highest reading in the window up to each one', () => {
  const points = [5, 3, 9, 9, 9, 9, 2, 8].map((value, i) => ({ atMs: i * 1000, value }));
  assert.equal(
    keptLevel(points, 2000, 'high').map((p) => p.value),
    [5, 5, 9, 9, 9, 9, 9, 9],
  );
});

// Open files under churn: 1,500 connections and 20 of the process's own, with dips of up to 200
// while connections are between their close and their reopening.
const churnFds = (leakPerMinute: number) =>
  series(60, (m) => {
    const i = Math.round(m * 2);
    const dip = i % 7 === 3 ? 190 : i % 11 === 4 ? 40 : 0;
    // Deeper dips early in the run, none late: the lows rise, which is not a leak.
    return 1520 + Math.floor(leakPerMinute * m) - (m < 30 ? dip : 0);
  });

test('open files under churn: dips that change over the run are not a climb when read by their highs', () => {
  const lows = judgeSoak(churnFds(0));
  assert.ok(lows?.climbing || !lows?.flat, `read by their lows they seem to rise: ${JSON.stringify(lows)}`);
  const j = judgeSoak(churnFds(0), undefined, undefined, 'high');
  assert.ok(j?.flat && !j.climbing, JSON.stringify(j));
  assert.equal([j?.keptLow, j?.keptHigh], [1520, 1520]);
});

test('a dip at the first reading after the warm-up: the kept level is judged once its window is full', () => {
  // Minute 1 reads 1,043 (connections in flight), every other reading 1,520: not a change of level.
  const j = judgeSoak(
    series(60, (m) => (m === 1 ? 1043 : 1520)),
    undefined,
    undefined,
    'high',
  );
  assert.ok(j?.flat && !j.climbing, JSON.stringify(j));
  assert.equal([j?.keptLow, j?.keptHigh, j?.low], [1520, 1520, 1043]);
  // A short soak: the window shrinks to a quarter of the judged part (two minutes, a reading a second).
  const short = Array.from({ length: 121 }, (_, i) => ({ atMs: i * 1000, value: i === 60 ? 595 : 1522 }));
  const k = judgeSoak(short, undefined, undefined, 'high');
  assert.ok(k?.flat && !k.climbing, JSON.stringify(k));
});

test('open files that leak (a descriptor every ten seconds) climb past the connections asked for', () => {
  const j = judgeSoak(churnFds(6), undefined, undefined, 'high');
  assert.ok(j?.climbing, `rise ${j?.lastThirdRise}`);
  assert.ok((j?.keptHigh ?? 0) > 1520 + 300, `highs ${j?.keptHigh}`);
});

test('the verdict: every memory and open-file series flat and steady, or NOT flat; too short without a total', () => {
  const flat = judgeSoak(series(60, () => 100));
  const leak = judgeSoak(churnFds(6), undefined, undefined, 'high');
  assert.is(soakVerdict({ total: { rss: flat, fds: null }, 'shard 1': { rss: flat, fds: flat } }), 'flat');
  assert.is(soakVerdict({ total: { rss: flat, fds: null }, 'shard 1': { rss: flat, fds: leak } }), 'NOT flat');
  assert.is(soakVerdict({ total: { rss: null, fds: null }, 'shard 1': { rss: flat, fds: flat } }), 'too short');
});

test("the churn hour of 2026-12-02 (20:56): each shard's open files, read by their highs, are flat", () => {
  const saved = JSON.parse(
    readFileSync(repoPath('bench', 'results', 'soak-churn-2026-12-02T20-56-36-481Z.json'), 'utf8'),
  ) as { results: { processes: { role: string; fds: { atMs: number; value: number }[] }[] }[] };
  const shards = (saved.results[0]?.processes ?? []).filter((p) => p.role.startsWith('shard'));
  assert.is(shards.length, 2);
  // Read by their lows, shard 1's rose in the last third: the bench said "NOT flat" then.
  assert.ok(
    shards.some((p) => judgeSoak(p.fds)?.climbing),
    'read by their lows, one shard rises',
  );
  for (const p of shards) {
    const j = judgeSoak(p.fds, undefined, undefined, 'high');
    assert.ok(j?.flat && !j.climbing && j.keptHigh === 1520, `${p.role}: ${JSON.stringify(j)}`);
  }
});

test('a warm-up climb in the first minute is not judged', () => {
  const j = judgeSoak(series(30, (m) => (m < 1 ? 50 + 50 * m : 100)));
  assert.ok(j?.flat && !j.climbing && j.first === 100, JSON.stringify(j));
});

test('too few readings after the warm-up to judge: null', () => {
  assert.is(judgeSoak(series(4, () => 1)), null);
  assert.is(judgeSoak([]), null);
});

test('windows: the first ten minutes after the warm-up and the last ten, as ranges', () => {
  const s = series(60, (m) => m);
  assert.equal(windowRange(s, 'first', 10 * MIN), { low: 1, high: 11 });
  assert.equal(windowRange(s, 'last', 10 * MIN), { low: 50, high: 60 });
  // A run shorter than a window: the last window starts no earlier than the warm-up's end.
  assert.equal(
    windowRange(
      series(3, (m) => m),
      'last',
      10 * MIN,
    ),
    { low: 1, high: 3 },
  );
});

test.run();
