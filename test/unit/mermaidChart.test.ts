import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mermaidRoundsChart } from '../../src/report/mermaidChart.js';

test('Mermaid xychart: rounds on x, held as bars, target as a line, the axis up to the highest value', () => {
  const chart = mermaidRoundsChart([
    { round: 1, target: 200, held: 141 },
    { round: 2, target: 400, held: 300 },
  ]);
  const lines = chart.split('\n');
  assert.equal([lines[0], lines[1], lines.at(-1)], ['```mermaid', 'xychart-beta', '```']);
  assert.ok(lines.includes('    x-axis "round" [1, 2]'));
  assert.ok(lines.includes('    y-axis "connections" 0 --> 400'));
  assert.ok(lines.includes('    bar [141, 300]'));
  assert.ok(lines.includes('    line [200, 400]'));
  assert.not.match(chart, /'/, 'no quote that could end a Mermaid string early');
  assert.is(mermaidRoundsChart([]), '', 'no rounds, no chart');
});

test.run();
