// The soak's verdict (bench/soakVerdict.ts) on plain series: what `npm run bench -- soak` judges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeSoak, keptLevel, windowRange } from '../../bench/soakVerdict.js';

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
