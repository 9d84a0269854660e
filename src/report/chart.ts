import { plot } from 'asciichart';

/** How to draw a chart. */
export interface ChartOptions {
  /** Columns available, labels included. */
  readonly width: number;
  readonly height?: number;
  readonly color: boolean;
}

const LABEL_COLUMNS = 12;
const BLUE = '\u001b[34m';
const GREEN = '\u001b[32m';

/**
 * Returns a chart of target (first series) and held (second) over rounds, downsampled to fit the
 * width, or an empty string when there is nothing to draw.
 */
export function renderChart(target: readonly number[], held: readonly number[], options: ChartOptions): string {
  if (target.length === 0) return '';
  const columns = Math.max(10, options.width - LABEL_COLUMNS);
  const stretch = Math.max(1, Math.min(8, Math.floor(columns / target.length)));
  const series = [downsample(repeatEach(target, stretch), columns), downsample(repeatEach(held, stretch), columns)];
  const top = Math.max(...series.flat(), 1);
  const config = {
    height: options.height ?? 12,
    min: 0,
    max: top,
    format: (x: number) => `${Math.round(x)}`.padStart(LABEL_COLUMNS - 3),
    ...(options.color ? { colors: [BLUE, GREEN] } : {}),
  };
  return plot(series, config);
}

/** Returns at most `width` points of a series, each the maximum of the points it stands for. */
export function downsample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return values.map((v) => (Number.isFinite(v) ? v : 0));
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / width));
    out.push(Math.max(...values.slice(from, to)));
  }
  return out;
}

/** Returns the series with every point repeated `times` times, so that a short run still reads as steps. */
function repeatEach(values: readonly number[], times: number): number[] {
  return values.flatMap((v) => Array<number>(times).fill(v));
}
