import type { Objective, ObjectiveLatency } from '../config/objectives.js';
import type { LatencyReadings } from '../fleet/fleetReading.js';
import { histogramPercentile, histogramSince, type LatencyHistogram } from '../stats/latencyHistogram.js';

/** One objective as measured over one window (a round, or a step of the search): its value and whether it held. */
export interface ObjectiveReading {
  /** The objective as written: `heartbeat p99 < 100ms`. */
  readonly objective: string;
  /** The window's percentile in ms, or null when the window had no sample of that latency. */
  readonly valueMs: number | null;
  /** How many samples the value rests on. */
  readonly samples: number;
  readonly boundMs: number;
  /** False only when a value broke the bound: a window with no sample breaks nothing. */
  readonly met: boolean;
}

/** Returns each objective measured on the samples taken between two cumulative latency readings. */
export function readObjectives(
  objectives: readonly Objective[],
  before: LatencyReadings,
  after: LatencyReadings,
): ObjectiveReading[] {
  return objectives.map((o) => {
    const window = histogramSince(histogramOf(after, o.latency), histogramOf(before, o.latency));
    const valueMs = histogramPercentile(window, o.percentile);
    return {
      objective: o.text,
      valueMs,
      samples: window.count,
      boundMs: o.boundMs,
      met: valueMs === null || valueMs < o.boundMs,
    };
  });
}

/** Returns true when no reading broke its objective. */
export function objectivesMet(readings: readonly ObjectiveReading[] | undefined): boolean {
  return (readings ?? []).every((r) => r.met);
}

/** Returns the first reading that broke its objective, or undefined. */
export function brokenObjective(readings: readonly ObjectiveReading[] | undefined): ObjectiveReading | undefined {
  return (readings ?? []).find((r) => !r.met);
}

function histogramOf(readings: LatencyReadings, latency: ObjectiveLatency): LatencyHistogram {
  switch (latency) {
    case 'connect':
      return readings.connect;
    case 'first-byte':
      return readings.firstByte;
    case 'marker':
      return readings.marker;
    case 'heartbeat':
      return readings.heartbeat;
  }
}
