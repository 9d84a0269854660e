import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { FAILURE_KINDS } from '../net/errors.js';
import type { RoundRecord } from '../probe/result.js';

/**
 * The HTML report's charts, as inline SVG drawn by Observable Plot in Node. Plot needs a DOM to
 * build its elements in; linkedom gives it one per chart (no global), and the chart leaves as text.
 * Plot's output is static SVG (plus a legend of HTML swatches): no script, no font, no network.
 */

/** A curve of held connections over a run, for charts of one run or of several. */
export interface HeldCurve {
  readonly name: string;
  readonly rounds: readonly Pick<RoundRecord, 'atMs' | 'held' | 'target'>[];
  readonly maximum: number;
  readonly maximumAtMs: number;
  /** When the first failed round ended (ms since the start), or null. */
  readonly breakingAtMs: number | null;
  readonly breakingLabel?: string | undefined;
  /** With --slo: the levels the search measured after an objective broke, met or not. */
  readonly search?: readonly { readonly atMs: number; readonly held: number; readonly met: boolean }[] | undefined;
}

const WIDTH = 860;
const HEIGHT = 300;
const HELD = '#1f6feb';
const TARGET = '#8c959f';
const OTHER = '#d4620a';

/** Returns the SVG (with its legend) of held and target connections over time, maximum and breaking point marked. */
export function heldOverTimeChart(curve: HeldCurve): string {
  // Nothing is held or asked for at the start: both lines rise from 0.
  const points = [{ atMs: 0, held: 0, target: 0 }, ...curve.rounds].flatMap((r) => [
    { s: r.atMs / 1000, n: r.held, series: 'held' },
    { s: r.atMs / 1000, n: r.target, series: 'target' },
  ]);
  const search = (curve.search ?? []).map((step) => ({ s: step.atMs / 1000, n: step.held, met: step.met }));
  const endMs = Math.max(lastAt(curve.rounds), curve.maximumAtMs, ...(curve.search ?? []).map((step) => step.atMs));
  return render({
    ...frame('connections', endMs),
    color: { domain: ['held', 'target'], range: [HELD, TARGET], legend: true },
    marks: [
      Plot.ruleY([0]),
      Plot.line(
        points.filter((p) => p.series === 'target'),
        { x: 's', y: 'n', stroke: 'series', z: 'series', strokeWidth: 1.5, strokeDasharray: '6,4' },
      ),
      Plot.line(
        points.filter((p) => p.series === 'held'),
        { x: 's', y: 'n', stroke: 'series', z: 'series', strokeWidth: 2.5 },
      ),
      // The search's levels: hollow where an objective broke, filled where every one was met.
      Plot.dot(
        search.filter((d) => !d.met),
        { x: 's', y: 'n', stroke: '#cf222e', r: 4, symbol: 'times' },
      ),
      Plot.dot(
        search.filter((d) => d.met),
        { x: 's', y: 'n', fill: HELD, r: 3 },
      ),
      ...maximumMarks(curve, HELD, `maximum ${curve.maximum}`, 0),
      ...breakingMarks(curve, endMs),
    ],
  });
}

/** Returns the SVG of the held curves of several runs on one time axis (the first dashed), each maximum marked. */
export function heldCompareChart(curves: readonly HeldCurve[]): string {
  const colours = [TARGET, HELD, OTHER];
  const points = curves.flatMap((c) =>
    [{ atMs: 0, held: 0 }, ...c.rounds].map((r) => ({ s: r.atMs / 1000, n: r.held, series: c.name })),
  );
  return render({
    ...frame('held connections', Math.max(...curves.map((c) => lastAt(c.rounds)))),
    color: {
      domain: curves.map((c) => c.name),
      range: curves.map((_, i) => colours[i % colours.length] as string),
      legend: true,
    },
    marks: [
      Plot.ruleY([0]),
      // The later runs solid, the first (before) dashed and on top, so that it shows where they coincide.
      ...[...curves].reverse().map((c, i) =>
        Plot.line(
          points.filter((p) => p.series === c.name),
          {
            x: 's',
            y: 'n',
            stroke: 'series',
            z: 'series',
            strokeWidth: 2.5,
            strokeDasharray: i === curves.length - 1 ? '7,4' : 'none',
          },
        ),
      ),
      ...curves.flatMap((c, i) => maximumMarks(c, colours[i % colours.length] as string, `${c.name}: ${c.maximum}`, i)),
    ],
  });
}

/** Returns the SVG of failures per round, stacked by kind, or '' when no round failed anything. */
export function failuresChart(rounds: readonly RoundRecord[], roundMs: number): string {
  const bars: { x1: number; x2: number; y1: number; y2: number; kind: string }[] = [];
  for (const r of rounds) {
    let y = 0;
    for (const kind of FAILURE_KINDS) {
      const n = r.failures[kind] ?? 0;
      if (n === 0) continue;
      bars.push({ x1: (r.atMs - roundMs) / 1000, x2: r.atMs / 1000, y1: y, y2: y + n, kind });
      y += n;
    }
  }
  if (bars.length === 0) return '';
  const kinds = FAILURE_KINDS.filter((k) => bars.some((b) => b.kind === k));
  return render({
    ...frame('failures per round', lastAt(rounds)),
    height: 220,
    color: { domain: kinds, scheme: 'tableau10', legend: true },
    marks: [Plot.ruleY([0]), Plot.rectY(bars, { x1: 'x1', x2: 'x2', y1: 'y1', y2: 'y2', fill: 'kind', inset: 0.5 })],
  });
}

/** Returns the SVG of connect latency p50 and p99 per round, or '' when no round has one. */
export function connectLatencyChart(rounds: readonly RoundRecord[]): string {
  const points = rounds.flatMap((r) => [
    ...(r.connectP50Ms === null ? [] : [{ s: r.atMs / 1000, v: r.connectP50Ms, series: 'p50' }]),
    ...(r.connectP99Ms === null ? [] : [{ s: r.atMs / 1000, v: r.connectP99Ms, series: 'p99' }]),
  ]);
  if (points.length === 0) return '';
  return render({
    ...frame('connect latency (ms)', lastAt(rounds)),
    height: 220,
    color: { domain: ['p50', 'p99'], range: [HELD, OTHER], legend: true },
    marks: [
      Plot.ruleY([0]),
      Plot.line(points, { x: 's', y: 'v', stroke: 'series', z: 'series', strokeWidth: 2, marker: 'circle-stroke' }),
    ],
  });
}

/** Returns the SVG of each objective's per-round value against its bound, or '' when no round measured one. */
export function objectivesChart(rounds: readonly RoundRecord[], objectives: readonly string[]): string {
  const points = rounds.flatMap((r) =>
    (r.objectives ?? []).flatMap((o) =>
      o.valueMs === null ? [] : [{ s: r.atMs / 1000, v: o.valueMs, series: o.objective, met: o.met }],
    ),
  );
  if (points.length === 0) return '';
  const bounds =
    rounds.find((r) => r.objectives)?.objectives?.map((o) => ({ v: o.boundMs, series: o.objective })) ?? [];
  return render({
    ...frame('latency (ms)', lastAt(rounds)),
    height: 240,
    color: { domain: [...objectives], scheme: 'tableau10', legend: true },
    marks: [
      Plot.ruleY([0]),
      Plot.ruleY(bounds, { y: 'v', stroke: 'series', strokeDasharray: '6,4' }),
      Plot.line(points, { x: 's', y: 'v', stroke: 'series', z: 'series', strokeWidth: 2 }),
      Plot.dot(points, {
        x: 's',
        y: 'v',
        stroke: 'series',
        fill: (d: { met: boolean }) => (d.met ? 'white' : '#cf222e'),
        r: 4,
      }),
    ],
  });
}

/** Returns the SVG of bytes sent and received per second in each round, or '' when none moved. */
export function trafficChart(rounds: readonly RoundRecord[], roundMs: number): string {
  if (!rounds.some((r) => (r.bytesSent ?? 0) + (r.bytesReceived ?? 0) > 0)) return '';
  const perSec = (bytes: number | undefined): number => ((bytes ?? 0) * 1000) / roundMs;
  const points = rounds.flatMap((r) => [
    { s: r.atMs / 1000, v: perSec(r.bytesSent), series: 'sent' },
    { s: r.atMs / 1000, v: perSec(r.bytesReceived), series: 'received' },
  ]);
  return render({
    ...frame('bytes per second', lastAt(rounds)),
    height: 220,
    y: { label: 'bytes per second', grid: true, tickFormat: 's' },
    color: { domain: ['sent', 'received'], range: [HELD, OTHER], legend: true },
    marks: [Plot.ruleY([0]), Plot.line(points, { x: 's', y: 'v', stroke: 'series', z: 'series', strokeWidth: 2 })],
  });
}

/** The axes every chart shares: seconds since the start across (from 0 to `endMs`), the quantity up. */
function frame(yLabel: string, endMs: number): Plot.PlotOptions {
  return {
    width: WIDTH,
    height: HEIGHT,
    marginLeft: 60,
    style: { fontSize: '12px', overflow: 'visible' },
    x: { label: 'seconds since the start', grid: true, domain: [0, Math.max(endMs, 1) / 1000] },
    y: { label: yLabel, grid: true },
  };
}

/** Returns the marks of a curve's maximum: a dot where it was held, a dashed rule and its label. */
function maximumMarks(curve: HeldCurve, colour: string, label: string, index: number): Plot.Markish[] {
  if (curve.rounds.length === 0) return [];
  const at = [{ s: curve.maximumAtMs / 1000, n: curve.maximum }];
  return [
    Plot.ruleY([curve.maximum], { stroke: colour, strokeDasharray: '2,3', strokeOpacity: 0.8 }),
    Plot.dot(at, { x: 's', y: 'n', r: 5, fill: colour, stroke: 'white' }),
    Plot.text(at, {
      x: 's',
      y: 'n',
      text: () => label,
      dy: -12 - index * 14,
      fill: colour,
      fontWeight: 'bold',
      stroke: 'white',
      strokeWidth: 3,
      paintOrder: 'stroke',
    }),
  ];
}

/** Returns the marks of a curve's breaking point: a red rule at the failed round and its label. */
function breakingMarks(curve: HeldCurve, endMs: number): Plot.Markish[] {
  if (curve.breakingAtMs === null) return [];
  const s = curve.breakingAtMs / 1000;
  // The label goes on the side of the rule with more room.
  const left = curve.breakingAtMs > endMs / 2;
  return [
    Plot.ruleX([s], { stroke: '#cf222e', strokeWidth: 1.5, strokeDasharray: '4,3' }),
    Plot.text([s], {
      x: (d: number) => d,
      frameAnchor: 'bottom',
      text: () => curve.breakingLabel ?? 'breaking point',
      textAnchor: left ? 'end' : 'start',
      dx: left ? -6 : 6,
      dy: -8,
      fill: '#cf222e',
    }),
  ];
}

/** Returns when the last round ended (ms since the start), 0 without rounds. */
function lastAt(rounds: readonly { atMs: number }[]): number {
  return rounds.reduce((most, r) => Math.max(most, r.atMs), 0);
}

/** Returns a Plot chart as HTML text, built in a DOM of its own. */
function render(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const chart = Plot.plot({ ...options, document: document as unknown as Document });
  return chart.outerHTML;
}
