import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SampleReservoir } from '../../src/stats/sampleReservoir.js';
import { summarize } from '../../src/stats/summarize.js';

test('reservoir: below capacity it is the plain summary', () => {
  const r = new SampleReservoir(10);
  r.add([5, 1, 3]);
  r.add([2, 4]);
  assert.equal(r.summary(), summarize([1, 2, 3, 4, 5]));
  assert.is(new SampleReservoir().summary(), null);
});

test('reservoir: past capacity, exact count/min/max/mean/dev, percentiles from a uniform sample, bounded memory', () => {
  const r = new SampleReservoir(1000);
  const all = Array.from({ length: 100_000 }, (_, i) => i % 1000);
  for (let i = 0; i < all.length; i += 5000) r.add(all.slice(i, i + 5000));
  const s = r.summary();
  const exact = summarize(all);
  assert.ok(s && exact);
  assert.equal([s.count, s.min, s.max, s.avg], [100_000, 0, 999, exact.avg]);
  assert.ok(Math.abs(s.dev - exact.dev) < 1e-6, 'deviation from running sums');
  assert.ok(
    Math.abs(s.p50 - 500) < 60 && Math.abs(s.p90 - 900) < 40,
    `sampled percentiles near the true ones: ${s.p50} ${s.p90}`,
  );
  assert.equal(r.summary(), s, 'seeded: the same summary every time');
});

test.run();
