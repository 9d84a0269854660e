import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RoundRecord } from '../../src/probe/result.js';
import { fitLine } from '../../src/report/fitLine.js';
import { formatProgressLine } from '../../src/report/progressLine.js';
import { formatRoundLine } from '../../src/report/roundLine.js';

const progress = {
  atMs: 12_500,
  round: 13,
  target: 1300,
  held: 1180,
  settling: 40,
  unverified: 20,
  dialing: 60,
  failures: 7,
};

test('fitLine: the fields that give way first go first, the rightmost of equals; those that never do stay', () => {
  const fields = [
    { text: 'aaaa', giveWay: 0 },
    { text: 'bbbb', giveWay: 2 },
    { text: 'cccc', giveWay: 2 },
    { text: 'dddd', giveWay: 1 },
    { text: 'eeee', giveWay: 0 },
  ];
  assert.is(fitLine(fields, 100), 'aaaa  bbbb  cccc  dddd  eeee');
  assert.is(fitLine(fields, 22), 'aaaa  bbbb  dddd  eeee');
  assert.is(fitLine(fields, 16), 'aaaa  dddd  eeee');
  assert.is(fitLine(fields, 10), 'aaaa  eeee');
  assert.is(fitLine(fields, 6), 'aaaa  ', 'cut only when what never gives way is wider still');
});

test('live line on a narrow terminal: failures stay to the last; settling, unverified and dialing go first', () => {
  const wide = formatProgressLine(progress);
  assert.is(wide, ' 12.5s  round 13  target 1300  held 1180  settling 40  unverified 20  dialing 60  failures 7');
  for (const width of [80, 60, 50, 44, 40, 31]) {
    const line = formatProgressLine(progress, width);
    assert.ok(line.length <= width, `${width}: ${line}`);
    assert.ok(line.endsWith('failures 7'), `${width}: failures kept: ${line}`);
    assert.ok(line.includes('held 1180') && line.includes('round 13'), `${width}: ${line}`);
  }
  assert.is(
    formatProgressLine(progress, 44),
    'round 13  target 1300  held 1180  failures 7',
    'the time goes before the target',
  );
  assert.is(formatProgressLine(progress, 31), 'round 13  held 1180  failures 7');
});

test('round line on a narrow terminal: traffic and latency go before the counts; FAILED stays', () => {
  const round: RoundRecord = {
    ...progress,
    atMs: 13_000,
    attempts: 200,
    failures: { refused: 7 },
    failed: true,
    connectP50Ms: 0.3,
    connectP99Ms: 2.5,
    bytesSent: 1000,
    bytesReceived: 1000,
  };
  const line = formatRoundLine(round, 60);
  assert.is(line, 'round 13  target 1300  held 1180  failures refused 7  FAILED');
});

test.run();
