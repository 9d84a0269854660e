// The --refine pass's config, on plain values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig, rampConfig } from '../../src/config/probeConfig.js';
import { refineConfig, shouldRefine } from '../../src/probe/refine.js';
import type { RampResult } from '../../src/probe/result.js';

test('refineConfig: from 80% of the first maximum, five times slower, same rules', () => {
  const config = rampConfig(
    buildProbeConfig({ ramp: '1k/s', refine: true, maxDuration: '20s' }, ['127.0.0.1:1'], () => Buffer.alloc(0)),
  );
  const first = { verdict: 'limit-found', maximum: 1000 } as RampResult;
  assert.ok(shouldRefine(config, first));
  assert.not.ok(shouldRefine(config, { ...first, verdict: 'limit-not-reached' }), 'nothing to confirm');
  assert.not.ok(shouldRefine(config, { ...first, maximum: 0 }), 'nothing held');
  const plan = refineConfig(config, first).ramp;
  assert.equal([plan?.from, plan?.ratePerSec, plan?.maxDurationMs], [800, 200, 20_000]);
  const slow = rampConfig(buildProbeConfig({ ramp: '2/s', refine: true }, ['127.0.0.1:1'], () => Buffer.alloc(0)));
  assert.is(refineConfig(slow, first).ramp?.ratePerSec, 1, 'never below 1/s');
  // A first pass that slowed down to its target refines from the pace it ended at (issue 23).
  const slowed = {
    ...first,
    paceChanges: [{ round: 3, fromPerSec: 1000, toPerSec: 40, servedPerSec: 50, held: 100 }],
  } as RampResult;
  assert.is(refineConfig(config, slowed).ramp?.ratePerSec, 8);
});

test.run();
