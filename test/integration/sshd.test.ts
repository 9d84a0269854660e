// Debian's sshd forks (and re-executes itself) for every connection: it takes on new connections
// slower than a fast ramp asks. The answer is still its limit exactly (docs/ARCHITECTURE.md "Pace").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst, whatItSaw } from '../helpers/ramp.js';
import { startSshd } from '../helpers/realServers.js';

// On both engines (issue 27): the pace rules read the same counters from either.
for (const engine of ['native', 'js'] as const) {
  test(`${engine}: sshd MaxStartups 150 (a fork per connection) at --ramp 500/s: exactly 150, "Exceeded MaxStartups" as the evidence`, async () => {
    const sshd = await startSshd(150);
    try {
      const r = await rampAgainst(sshd.address, {
        ramp: '500/s',
        settle: '500ms',
        expect: 'SSH-',
        maxDuration: '90s',
        engine,
      });
      assert.equal([r.maximum, r.verdict, r.exitCode], [150, 'limit-found', 0], whatItSaw(r));
      assert.match(
        diagnoseResult(r).cause,
        /past 150 connections the target accepts, then closes, saying "Exceeded MaxStartups/,
        `${diagnoseResult(r).cause} ${whatItSaw(r)}`,
      );
    } finally {
      await sshd.stop();
    }
  });
}

test.run();
