/**
 * Returns a Mermaid `xychart-beta` block of held connections (bars) and the ramp's target (a line)
 * per round, which GitHub renders in job summaries, issues and pull requests; '' without rounds.
 * Mermaid's xychart has no legend, so the two series differ in kind, and the title names them.
 */
export function mermaidRoundsChart(rounds: readonly { round: number | null; target: number; held: number }[]): string {
  if (rounds.length === 0) return '';
  const top = Math.max(1, ...rounds.map((r) => Math.max(r.target, r.held)));
  return [
    '```mermaid',
    'xychart-beta',
    '    title "Held connections (bars) and ramp target (line) per round"',
    `    x-axis "round" [${rounds.map((r) => (r.round === null ? '"end"' : r.round)).join(', ')}]`,
    `    y-axis "connections" 0 --> ${top}`,
    `    bar [${rounds.map((r) => r.held).join(', ')}]`,
    `    line [${rounds.map((r) => r.target).join(', ')}]`,
    '```',
  ].join('\n');
}
