// Issue 24: waiting for a shared --start-at says until when, and Ctrl-C while waiting measures
// nothing and so writes nothing: no record with negative times, no good file overwritten.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/servers.js';
import { withDir } from '../helpers/tempDir.js';

test('Ctrl-C while waiting for --start-at: exit 130, nothing written, an earlier good file kept', async () => {
  await withDir(async (dir) => {
    const json = join(dir, 'segment.json');
    writeFileSync(json, 'an earlier good record\n');
    const run = startCli([
      `127.0.0.1:${await closedPort()}`,
      '--ramp',
      '10/s',
      '--segment',
      '0/2',
      '--start-at',
      '+60s',
      '--json',
      json,
      '-y',
    ]);
    await run.waitFor(/waiting until \d{4}-\d\d-\d\dT[\d:.]+Z \(in [^)]+\) for the shared start/);
    run.child.kill('SIGINT');
    const done = await run.done;
    assert.is(done.code, 130, done.stderr);
    assert.match(done.stdout + done.stderr, /interrupted before the first round: nothing was measured/);
    assert.is(readFileSync(json, 'utf8'), 'an earlier good record\n');
  });
});

test.run();
