// The HTML reports of real runs, opened in a real browser: Debian's Chromium, headless, off the network.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RampResult } from '../../src/probe/result.js';
import type { RunRecord } from '../../src/record/runRecord.js';
import { pageLooker, whyNoBrowser } from '../helpers/browser.js';
import { runCliHere } from '../helpers/runCliHere.js';
import { withServer } from '../helpers/servers.js';
import { withDir } from '../helpers/tempDir.js';

/** Probes a built-in target that serves `limit` connections; writes dir/name.json and dir/name.html. */
async function probeLimit(dir: string, name: string, limit: number): Promise<RunRecord> {
  return withServer({ maxConnections: limit, overLimit: 'error-close', reply: 'echo' }, async (server) => {
    const run = await runCliHere([
      server.address,
      '--ramp',
      '200/s',
      '--round',
      '500ms',
      '--send',
      'ping\\n',
      '--expect',
      'ping',
      '--max-duration',
      '8s',
      '--json',
      join(dir, `${name}.json`),
      '--html',
      join(dir, `${name}.html`),
      '-q',
    ]);
    assert.ok([0, 2, 3].includes(run.code), run.stderr);
    return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as RunRecord;
  });
}

/** One Chromium for both pages, closed after the last. */
const browser = pageLooker();
test.after(() => browser.close());

test('--html: the report of a real run opens in Chromium with no error, nothing fetched, its charts drawn', async () => {
  assert.is(whyNoBrowser(), null, 'scripts/ensure-test-servers.sh installs Debian chromium for this test');
  await withDir(async (dir) => {
    const record = await probeLimit(dir, 'run', 150);
    const r = record.result as RampResult;
    const shot = join(dir, 'run.png');
    const look = await browser.look(join(dir, 'run.html'), shot);
    assert.equal(look.consoleErrors, [], 'no console errors');
    assert.equal(look.requests, [], 'a self-contained page asks for nothing');
    assert.is(look.title, `${r.target}: maximum sustainable concurrency ${r.maximum}`);
    assert.ok(look.text.includes(`${r.target} sustains ${r.maximum} concurrent connections`));
    const held = look.charts.find((c) => c.caption.startsWith('Held (solid)'));
    assert.ok(held, `the held-over-time chart: ${JSON.stringify(look.charts)}`);
    assert.ok(held.width > 600 && held.height > 200 && held.paths > 5, `drawn at size: ${JSON.stringify(held)}`);
    if (r.breakingPoint) {
      assert.ok(
        look.charts.some((c) => c.caption.startsWith('Failures of each round')),
        'failures chart',
      );
      assert.ok(look.text.includes(`breaking point: round ${r.breakingPoint.round}`), 'breaking point marked');
    }
    assert.ok(statSync(shot).size > 20_000, 'a screenshot with something on it');
  });
});

test('report --compare --format html: two real runs, both curves on one chart, in Chromium', async () => {
  await withDir(async (dir) => {
    const before = await probeLimit(dir, 'before', 60);
    const after = await probeLimit(dir, 'after', 180);
    const page = await runCliHere([
      'report',
      join(dir, 'before.json'),
      join(dir, 'after.json'),
      '--compare',
      '--format',
      'html',
    ]);
    assert.is(page.code, 0, page.stderr);
    writeFileSync(join(dir, 'compare.html'), page.stdout);
    const look = await browser.look(join(dir, 'compare.html'));
    assert.equal(look.consoleErrors, []);
    assert.equal(look.requests, []);
    const [a, b] = [(before.result as RampResult).maximum, (after.result as RampResult).maximum];
    assert.ok(look.text.includes(`${a} → ${b}`), `the change ${a} → ${b} is the headline`);
    assert.is(look.charts.length, 1);
    assert.ok(look.text.includes(`before.json: ${a}`) && look.text.includes(`after.json: ${b}`), 'both maxima marked');
  });
});

test.run();
