import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCliProcess } from '../helpers/cli.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withServer } from '../helpers/servers.js';

test('doctor via the CLI: reads this machine, picks the source address, sends nothing', async () => {
  await withServer({}, async (server) => {
    const run = await runCliHere(['doctor', server.address]);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Open files: +soft \d+, hard \d+/m);
    assert.match(run.stdout, /^Ephemeral ports: \d+-\d+, \d+ per \(source address, destination\) pair$/m);
    assert.match(
      run.stdout,
      new RegExp(
        `Destination: +${server.address.replace(/\./g, '\\.')} \\(dialed .*\\), from source address 127\\.0\\.0\\.1`,
      ),
    );
    // The native engine is built in a checkout (npm install): doctor says so, and what it covers.
    assert.match(
      run.stdout,
      /^Engine: +native \(C on epoll, local build\) for plain TCP \(--send, a literal --expect, --message\); TypeScript for the rest$/m,
    );
    assert.is(server.stats().served, 0, 'doctor opened no connection');
  });
});

test("a run warns before dialing when it can reach past the prober's own limit, and the record keeps it", async () => {
  await withServer({ maxConnections: 30, overLimit: 'close' }, async (server) => {
    const run = await runCliProcess(
      [server.address, '--ramp', '1k/s', '--max-duration', '30s', '--settle', '100ms', '--json', '-'],
      { fdLimit: 2000 },
    );
    assert.is(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^warning: the run can reach 30000 connections but this process can hold about 1936 \(open-file limit 2000\); fix: raise the hard limit to at least 30064/m,
    );
    const record = JSON.parse(run.stdout);
    assert.is(record.preflight.reach, 30_000);
    assert.match(record.result.warnings[0], /open-file limit/);
    assert.match(run.stderr, /Warning: the run can reach 30000/, 'and the report repeats it');
  });
});

test.run();
