import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProbeConfig } from '../../src/config/probeConfig.js';
import { renderRampReport } from '../../src/report/rampText.js';
import { makeRecordValidator } from '../../src/record/validateRunRecord.js';
import { buildRunRecord } from '../../src/record/runRecord.js';
import { readEnvironment } from '../../src/probe/environment.js';
import { rampAgainst } from '../helpers/ramp.js';
import { withServeProcess } from '../helpers/serveProcess.js';

test('--refine against a real target: both passes reported, the limit confirmed', async () => {
  // The target in a process of its own (in this one, a busy machine delayed its over-limit closes
  // past the settle: 101), and an --expect its error line does not contain.
  const serve = ['--max-connections', '100', '--over-limit', 'error-close', '--reply', 'echo'];
  await withServeProcess(serve, async (address) => {
    const flags = { ramp: '500/s', settle: '500ms', send: 'ping\\n', expect: 'ping', refine: true };
    const r = await rampAgainst(address, flags);
    assert.equal(
      [r.firstPass?.maximum, r.firstPass?.ratePerSec, r.maximum, r.settings.from, r.settings.ratePerSec],
      [100, 500, 100, 80, 100],
    );
    assert.match(
      renderRampReport(r, { width: 80, color: false }),
      /Refined: first pass at 500\/s found 100; this pass, from 80 at 100\/s, found 100: confirmed/,
    );
    const config = buildProbeConfig(flags, [address], () => Buffer.alloc(0));
    const record = buildRunRecord({
      version: '0',
      argv: [],
      startedAt: new Date(),
      endedAt: new Date(),
      config,
      environment: readEnvironment(),
      result: r,
    });
    assert.is(makeRecordValidator()(JSON.parse(JSON.stringify(record))), null);
  });
});

test.run();
