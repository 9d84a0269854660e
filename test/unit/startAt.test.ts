// --start-at on plain values (issue 24): an impossible date, a start far ahead, an absurd offset.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStartAt } from '../../src/config/segmentPlan.js';

const now = Date.parse('2026-12-02T10:00:00Z');

test('--start-at: RFC 3339 UTC times and offsets from now', () => {
  assert.is(parseStartAt('2026-12-02T10:05:00Z', now), Date.parse('2026-12-02T10:05:00Z'));
  assert.is(parseStartAt('2026-12-02T10:05:00.500+00:00', now), Date.parse('2026-12-02T10:05:00.500Z'));
  assert.is(parseStartAt('+30s', now), now + 30_000);
});

const refused: Array<[string, RegExp]> = [
  // February 30th is no date: Date.parse would roll it over to March 2nd
  ['2026-02-30T10:00:00Z', /is not a time; use an RFC 3339 UTC time/],
  // hours past 23
  ['2026-12-02T25:00:00Z', /is not a time/],
  // a year ahead: segments start together within minutes
  ['2027-12-02T10:00:00Z', /more than a day ahead/],
  ['+400d', /more than a day ahead/],
  // an absurd offset is one line, not an unexpected error
  [`+${'9'.repeat(400)}d`, /--start-at "\+9{60,}…" is (more than a day ahead|not a)/],
  ['tomorrow', /is not a time/],
];
for (const [text, message] of refused)
  test(`--start-at ${text.slice(0, 24)}: refused in one line`, () => {
    assert.throws(() => parseStartAt(text, now), message);
  });

test.run();
