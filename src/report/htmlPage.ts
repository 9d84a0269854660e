/**
 * The shell of every HTML page goon-probe writes: one self-contained file, its style inline, no
 * script, and a Content-Security-Policy that keeps the browser from loading anything at all.
 */

/** The policy every page carries: nothing from the network, no script; inline style and data images only. */
export const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bad: #cf222e; --good: #1a7f37; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f8fa; }
main { max-width: 960px; margin: 0 auto; padding: 24px 28px 48px; background: white; min-height: 100vh; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.headline { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.stat { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.stat .value { font-size: 28px; font-weight: 650; }
.stat .label { color: var(--muted); font-size: 13px; }
.verdict-ok { color: var(--good); } .verdict-bad { color: var(--bad); } .verdict-unsure { color: var(--warn); }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #ffebe9; }
code, pre { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; padding: 10px 12px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.chart { margin: 8px 0 16px; overflow-x: auto; }
.note { color: var(--muted); font-size: 13px; }
.warning { border-left: 4px solid var(--warn); padding: 4px 12px; background: #fff8c5; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dt { font-weight: 600; } dd { margin: 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

/** Returns a whole HTML document around `body` (HTML already escaped). */
export function htmlPage(title: string, body: string, footer: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${PAGE_POLICY}">
<meta name="generator" content="goon-probe">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>${esc(footer)}</footer>
</main>
</body>
</html>
`;
}

/** Returns text with HTML's special characters escaped, for element content and attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A table cell: text (escaped) or a number (right-aligned). */
export type Cell = string | number;

/** Returns an HTML table; numeric cells are right-aligned, rows marked `failed` are tinted. */
export function htmlTable(
  head: readonly Cell[],
  rows: readonly (readonly Cell[] | { cells: readonly Cell[]; failed: boolean })[],
): string {
  const cell = (tag: 'th' | 'td', c: Cell): string =>
    `<${tag}${typeof c === 'number' ? ' class="num"' : ''}>${esc(c)}</${tag}>`;
  const body = rows.map((row) => {
    const { cells, failed } = 'cells' in row ? row : { cells: row, failed: false };
    return `<tr${failed ? ' class="failed"' : ''}>${cells.map((c) => cell('td', c)).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((c) => cell('th', c)).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

/** Returns a headline figure: a big value over its label, coloured by `tone`. */
export function htmlStat(value: Cell, label: string, tone: 'ok' | 'bad' | 'unsure' | '' = ''): string {
  return `<div class="stat"><div class="value${tone ? ` verdict-${tone}` : ''}">${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
}

/** Returns a chart's HTML in its figure, or '' for no chart. */
export function htmlChart(svg: string, caption: string): string {
  return svg
    ? `<figure class="chart" aria-label="${esc(caption)}">${svg}<figcaption class="note">${esc(caption)}</figcaption></figure>`
    : '';
}
