import { UsageError } from '../usageError.js';
import { parseDuration } from '../units.js';

/** The latencies a run measures that an objective may bound. */
export type ObjectiveLatency = 'connect' | 'first-byte' | 'marker' | 'heartbeat';

/** Every latency an objective may name, in report order. */
export const OBJECTIVE_LATENCIES: readonly ObjectiveLatency[] = ['connect', 'first-byte', 'marker', 'heartbeat'];

/** One latency objective of --slo: a percentile of one latency must stay below a bound. */
export interface Objective {
  readonly latency: ObjectiveLatency;
  /** 50, 95, 99, 99.9. */
  readonly percentile: number;
  readonly boundMs: number;
  /** As reports write it: `heartbeat p99 < 100ms`. */
  readonly text: string;
}

/** What the run measures, to refuse an objective on a latency it does not. */
export interface MeasuredLatencies {
  /** --heartbeat given. */
  readonly heartbeat: boolean;
  /** --message with --latency-marker given. */
  readonly marker: boolean;
  /** Something makes the target talk: --send, --expect or --message. */
  readonly talks: boolean;
}

const ITEM = /^([a-z-]+)\s+p(\d+(?:\.\d+)?)\s*<\s*(\S+)$/;

/**
 * Returns the objectives of `--slo "connect p99 < 50ms, first-byte p95 < 20ms, heartbeat p99 < 100ms"`,
 * or throws a UsageError naming the item that is wrong and the fix.
 */
export function parseObjectives(text: string, measured: MeasuredLatencies): Objective[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new UsageError('--slo is empty; give objectives like "heartbeat p99 < 100ms, connect p99 < 50ms"');
  const objectives = items.map((item) => {
    const m = ITEM.exec(item);
    if (!m)
      throw new UsageError(
        `--slo item ${JSON.stringify(item)} is not LATENCY pN < TIME; write it like "heartbeat p99 < 100ms" (latencies: ${OBJECTIVE_LATENCIES.join(', ')})`,
      );
    const latency = m[1] as ObjectiveLatency;
    if (!OBJECTIVE_LATENCIES.includes(latency))
      throw new UsageError(
        `--slo item ${JSON.stringify(item)}: ${JSON.stringify(m[1])} is not a latency the probe measures; use ${OBJECTIVE_LATENCIES.join(', ')}`,
      );
    const percentile = Number(m[2]);
    if (!(percentile > 0 && percentile < 100))
      throw new UsageError(
        `--slo item ${JSON.stringify(item)}: p${m[2]} is not a percentile; use p50, p95, p99 or p99.9`,
      );
    const boundMs = parseDuration(m[3] as string, `--slo item ${JSON.stringify(item)}`, 'ms');
    if (boundMs <= 0) throw new UsageError(`--slo item ${JSON.stringify(item)}: the bound must be above 0`);
    const missing = why(latency, measured);
    if (missing) throw new UsageError(`--slo item ${JSON.stringify(item)}: ${missing}`);
    return { latency, percentile, boundMs, text: `${latency} p${percentile} < ${m[3]}` };
  });
  const seen = new Set<string>();
  for (const o of objectives) {
    const key = `${o.latency} p${o.percentile}`;
    if (seen.has(key)) throw new UsageError(`--slo names ${key} twice; keep one bound for it`);
    seen.add(key);
  }
  return objectives;
}

/** Returns why the run cannot measure a latency (and what to add), or null when it does. */
function why(latency: ObjectiveLatency, measured: MeasuredLatencies): string | null {
  if (latency === 'heartbeat' && !measured.heartbeat)
    return 'the run sends no heartbeats; add --heartbeat TIME (with --send/--expect, or --heartbeat-send/--heartbeat-expect)';
  if (latency === 'marker' && !measured.marker)
    return 'the run measures no marker latency; add --message and --latency-marker';
  if (latency === 'first-byte' && !measured.talks)
    return 'nothing makes the target answer; add --send and --expect (or --message)';
  return null;
}

/** Returns an objective as written, split into what it bounds and the bound: `heartbeat p99 < 100ms` → [`heartbeat p99`, `100ms`]. */
export function objectiveParts(text: string): [string, string] {
  const at = text.indexOf('<');
  return at < 0 ? [text.trim(), ''] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}
