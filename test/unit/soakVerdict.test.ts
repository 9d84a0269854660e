// The soak's verdict (bench/soakVerdict.ts) on plain series: what `npm run bench -- soak` judges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeSoak, windowRange } from '../../bench/soakVerdict.js';

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
