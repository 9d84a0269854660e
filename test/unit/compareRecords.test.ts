import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runNames } from '../../src/cli/reportCommand.js';
import {
  compareRecords,
  compareSeries,
  describeChange,
  renderCompareMarkdown,
  settingsThatDiffer,
  type Comparison,
} from '../../src/report/compareRecords.js';
import type { RampResult } from '../../src/probe/result.js';
import type { RunRecord } from '../../src/record/runRecord.js';
import { fixture } from '../helpers/golden.js';

const load = (name: string): RunRecord => JSON.parse(readFileSync(fixture(name), 'utf8')) as RunRecord;

/** A run of the limit-found record with another maximum and a raised server limit in its command. */
function withMaximum(record: RunRecord, maximum: number): RunRecord {
  return { ...record, result: { ...(record.result as RampResult), maximum } };
}

function compared(before: RunRecord, after: RunRecord): Comparison {
  const outcome = compareRecords({ name: 'before.json', record: before }, { name: 'after.json', record: after });
  if (outcome.kind !== 'compared') throw new Error(outcome.problem);
  return outcome.comparison;
}

test('compare: the headline change, as a postmortem writes it', () => {
  const base = load('records/ramp-limit-found.json');
  assert.is(describeChange(compared(withMaximum(base, 1000), withMaximum(base, 4000))), '1000 → 4000 (+3000, ×4.00)');
  assert.is(describeChange(compared(withMaximum(base, 4000), withMaximum(base, 1000))), '4000 → 1000 (-3000, ×0.25)');
  assert.is(describeChange(compared(withMaximum(base, 0), withMaximum(base, 10))), '0 → 10 (+10)', 'no ratio from 0');
});

test('compare: rows side by side, and exactly the settings that differ', () => {
  const c = compared(load('records/ramp-gate-met.json'), load('records/ramp-limit-found.json'));
  assert.is(c.measure, 'maximum sustainable concurrency');
  assert.equal([c.beforeValue, c.afterValue], [250, 300]);
  assert.equal(
    c.rows.find((r) => r[0] === 'Breaking point'),
    ['Breaking point', 'none reached', 'round 2, target 400'],
  );
  assert.equal(
    c.rows.find((r) => r[0] === 'Failures'),
    ['Failures', 'none', 'verify-mismatch 1739'],
  );
  assert.equal(c.settingsDiffer, [
    ['send', 'null', '"ping\\n"'],
    ['expect', 'null', '"ping"'],
    ['findMax', 'false', 'true'],
  ]);
  const a = load('records/ramp-gate-met.json');
  assert.equal(settingsThatDiffer(a, a), [], 'a run against itself differs in nothing');
  const raised = {
    ...a,
    config: { ...a.config, ramp: { ...(a.config.ramp as object), ratePerSec: 400 } },
  } as RunRecord;
  assert.equal(settingsThatDiffer(a, raised), [['ramp.ratePerSec', '200', '400']], 'nested settings by dotted name');
});

test('compare: both held curves on one chart, before on top; refuses runs of different modes', () => {
  const c = compared(load('records/ramp-gate-met.json'), load('records/ramp-limit-found.json'));
  const series = compareSeries(c);
  assert.equal(
    series.map((s) => [s.name, s.style, s.points.length]),
    [
      ['before.json', 'dotted', 3],
      ['after.json', 'solid', 2],
    ],
  );
  const page = renderCompareMarkdown(c);
  assert.match(page, /^# before\.json → after\.json: maximum sustainable concurrency 250 → 300 \(\+50, ×1\.20\)\n/);
  assert.match(page, /```text\n[\s\S]*┄┄┄ before\.json {3}─── after\.json[\s\S]*```/);
  const refused = compareRecords(
    { name: 'a.json', record: load('records/fixed.json') },
    { name: 'b.json', record: load('records/ramp-gate-met.json') },
  );
  assert.equal(refused, {
    kind: 'refused',
    problem: 'a.json is a fixed-mode run and b.json a ramp run; compare two runs of the same mode',
  });
  const fixed = compared(load('records/fixed.json'), load('records/fixed.json'));
  assert.is(fixed.measure, 'connections established');
});

test('compare: runs are named by file, by path when the names are the same', () => {
  assert.equal(runNames(['runs/before.json', 'runs/after.json']), ['before.json', 'after.json']);
  assert.equal(runNames(['v1/run.json', 'v2/run.json']), ['v1/run.json', 'v2/run.json']);
  assert.equal(runNames(['-', 'after.json']), ['stdin', 'after.json']);
});

test('compare as Markdown shows text from the records, never raw HTML or a broken fence (issue 24)', () => {
  const base = load('records/ramp-limit-found.json');
  const hostile = '<img src=x onerror=alert(1)>';
  const after: RunRecord = {
    ...withMaximum(base, 400),
    target: { ...base.target, given: `${hostile}:1` },
    config: { ...base.config, send: `${hostile}\n\`\`\`` },
    command: { ...base.command, line: `goon-probe x --send '\`\`\`\n${hostile}'` },
  };
  const outcome = compareRecords({ name: 'before.json', record: base }, { name: `<b>after</b>.json`, record: after });
  if (outcome.kind !== 'compared') throw new Error(outcome.problem);
  const page = renderCompareMarkdown(outcome.comparison);
  // Outside code blocks (where nothing is interpreted), every < from the records is escaped.
  const prose = page.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '');
  assert.not.match(prose, /(^|[^\\])<(img|b)/m, 'no raw HTML from the records');
  assert.match(page, /\\<img src=x onerror=alert\(1\)\\>/, 'shown, escaped');
  // The command block's fence is longer than any backtick run inside it, so it cannot be closed early.
  const fences = page.split('\n').filter((l) => /^`{3,}/.test(l));
  assert.ok(
    fences.some((l) => l.startsWith('````sh')),
    fences.join(' '),
  );
});

test.run();
