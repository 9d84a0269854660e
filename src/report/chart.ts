import { plot } from 'asciichart';

/** How to draw a chart. */
export interface ChartOptions {
  /** Columns available, labels included. */
  readonly width: number;
  readonly height?: number;
  readonly color: boolean;
}

/** One curve of a terminal chart: its name for the legend, its samples, and how its line looks. */
export interface ChartSeries {
  readonly name: string;
  /** Samples in time order: the value at `atMs` (ms since the start) holds until the next one. */
  readonly points: readonly { readonly atMs: number; readonly value: number }[];
  readonly style: 'solid' | 'dotted';
}

const LABEL_COLUMNS = 9;
/** Where the plot starts in each line: the label, a space, the axis. */
const PLOT_START = LABEL_COLUMNS + 2;
type Glyphs = [string, string, string, string, string, string, string, string, string, string];
const SOLID: Glyphs = ['┼', '┤', '╶', '╴', '─', '╰', '╭', '╮', '╯', '│'];
const DOTTED: Glyphs = ['┼', '┤', '·', '·', '┄', '·', '·', '·', '·', '┆'];
const COLOURS = ['\u001b[32m', '\u001b[34m', '\u001b[35m'];
const RESET = '\u001b[0m';

/**
 * Returns a chart of the series over time, with a time axis and a legend, or '' when there is
 * nothing to draw. The first series is drawn over the others where they meet. Series differ by
 * glyph (solid or dotted lines) and, with `color`, by colour too.
 */
export function renderChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const drawn = series.filter((s) => s.points.length > 0);
  if (drawn.length === 0) return '';
  const columns = Math.max(10, options.width - PLOT_START - 1);
  const endMs = Math.max(1, ...drawn.flatMap((s) => s.points.map((p) => p.atMs)));
  const values = drawn.map((s) => columnsOf(s.points, columns, endMs));
  const top = Math.max(1, ...values.flat());
  const layers = drawn.map((s, i) =>
    plot(values[i] as number[], {
      height: options.height ?? 12,
      min: 0,
      max: top,
      format: (x: number) => `${Math.round(x)}`.padStart(LABEL_COLUMNS),
      symbols: s.style === 'solid' ? SOLID : DOTTED,
    }).split('\n'),
  );
  const rows = (layers[0] as string[]).map((_, row) =>
    overlay(
      layers.map((l) => l[row] ?? ''),
      options.color,
    ),
  );
  return [...rows, ...timeAxis(columns, endMs), legend(drawn, options.color, options.width)].join('\n');
}

/**
 * Returns a series as one value per column over [0, endMs]: the most of the samples that fall in
 * a column, else the last value before it (0 before the first sample); it ends at its last sample.
 */
export function columnsOf(points: ChartSeries['points'], columns: number, endMs: number): number[] {
  const column = (atMs: number): number => Math.min(columns - 1, Math.floor((atMs / endMs) * columns));
  const last = column(points[points.length - 1]?.atMs ?? 0);
  const out: number[] = [];
  let p = 0;
  let value = 0;
  for (let c = 0; c <= last; c++) {
    let most: number | null = null;
    while (p < points.length && column((points[p] as { atMs: number }).atMs) === c) {
      const v = (points[p] as { value: number }).value;
      most = Math.max(most ?? v, Number.isFinite(v) ? v : 0);
      p++;
    }
    if (most !== null) value = most;
    out.push(value);
  }
  return out;
}

/** Returns one chart line from each series' line: the first series' glyph wins where several meet. */
function overlay(lines: readonly string[], color: boolean): string {
  const first = lines[0] as string;
  let out = first.slice(0, PLOT_START);
  const width = Math.max(...lines.map((l) => l.length));
  for (let x = PLOT_START; x < width; x++) {
    const from = lines.findIndex((l) => (l[x] ?? ' ') !== ' ');
    const glyph = from < 0 ? ' ' : (lines[from] as string)[x];
    out += color && from >= 0 ? `${COLOURS[from % COLOURS.length]}${glyph}${RESET}` : glyph;
  }
  return out.trimEnd();
}

/** Returns the time axis under the plot: ticks at round numbers of seconds or minutes, and their labels. */
function timeAxis(columns: number, endMs: number): string[] {
  const step = tickStep(endMs, Math.max(1, Math.floor(columns / 8)));
  const axis = [...`${' '.repeat(PLOT_START - 1)}└${'─'.repeat(columns)}`];
  let labels = ' '.repeat(PLOT_START - 1);
  for (let t = 0; t <= endMs + 1e-9; t += step) {
    const at = t === 0 ? PLOT_START - 1 : PLOT_START + Math.min(columns - 1, Math.round((t / endMs) * columns) - 1);
    if (t > 0) axis[at] = '┬';
    const text = tickLabel(t);
    const start = Math.max(labels.length + (labels.trim() ? 1 : 0), at - Math.floor(text.length / 2));
    if (start + text.length <= PLOT_START + columns + 4) labels = labels.padEnd(start) + text;
  }
  return [axis.join(''), labels];
}

/** Returns a time tick's label: `0`, `500ms`, `1.5s`, `45s`, `1m`, `1m15s`, `10m`. */
export function tickLabel(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

/** Returns a tick spacing (ms) of 1, 2 or 5 times a power of ten, or minutes, giving at most `most` ticks. */
export function tickStep(endMs: number, most: number): number {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  return steps.find((s) => endMs / s <= most) ?? Math.ceil(endMs / most / 600_000) * 600_000;
}

/** Returns the legend line: each series' glyph and name. */
function legend(series: readonly ChartSeries[], color: boolean, width: number): string {
  const items = series.map((s, i) => {
    const mark = s.style === 'solid' ? '───' : '┄┄┄';
    return `${color ? `${COLOURS[i % COLOURS.length]}${mark}${RESET}` : mark} ${s.name}`;
  });
  const line = `${' '.repeat(PLOT_START - 1)}${items.join('   ')}`;
  const across = '   across: time since the start';
  return visibleLength(line) + across.length <= width ? line + across : line;
}

/** Returns the two series of a ramp's chart: held (solid, drawn on top) and the ramp's target (dotted). */
export function rampSeries(rounds: readonly { atMs: number; held: number; target: number }[]): ChartSeries[] {
  return [
    { name: 'held', points: rounds.map((r) => ({ atMs: r.atMs, value: r.held })), style: 'solid' },
    { name: 'target', points: rounds.map((r) => ({ atMs: r.atMs, value: r.target })), style: 'dotted' },
  ];
}

/** Returns the length of text as a terminal shows it, colour codes left out. */
function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
