// Markdown escaping shared by every page (run, merge, compare): text from records (targets, file
// names, settings, a server's words) is shown, never interpreted as Markdown or HTML.

/** Returns text with Markdown's and HTML's special characters escaped. */
export function escapeText(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, '\\$1');
}

/** Returns text escaped for a table cell: one line, no cell break. */
export function escapeCell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Returns text as an inline code span that survives a table cell. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/** Returns the lines of a fenced block whose fence is longer than any run of backticks in them. */
export function fenced(lang: string, lines: readonly string[]): string[] {
  const longest = Math.max(2, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, ...lines, fence];
}
